// Bearer tokens of submitting systems: created once (only the SHA-256 is kept), looked up per request.
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { tokens } from '../db/schema.ts';
import { appendEvent } from '../events/index.ts';

export interface TokenIdentity {
  id: string;
  system: string;
  fonds: string[];
  callbackUrl: string | null;
}

export interface CreatedToken extends TokenIdentity {
  /** The bearer token itself: shown once, never stored. */
  token: string;
  /** The HMAC key callbacks are signed with (only when a callback URL was given). */
  callbackSecret?: string;
}

const FONDS = /^[A-Za-z0-9]{1,16}$/;

export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Creates a token for a system and its fonds; `actor` is who asked (event log). */
export async function createToken(
  db: Db,
  input: { system: string; fonds: string[]; callbackUrl?: string; actor: string },
): Promise<CreatedToken> {
  const system = input.system.trim();
  if (!system) throw new TypeError('token: --system 不能为空 (system name required)');
  const fonds = [...new Set(input.fonds.map((f) => f.trim()).filter(Boolean))];
  if (fonds.length === 0) throw new TypeError('token: 至少一个全宗号 (at least one fonds)');
  for (const f of fonds) if (!FONDS.test(f)) throw new TypeError(`token: 全宗号无效 (invalid fonds code): ${f}`);
  if (input.callbackUrl !== undefined) {
    const u = URL.parse(input.callbackUrl);
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new TypeError(`token: 回调地址必须是 http(s) URL (callback must be an http(s) URL): ${input.callbackUrl}`);
  }
  const token = `dgn_${randomBytes(32).toString('base64url')}`;
  const callbackSecret = input.callbackUrl ? randomBytes(32).toString('base64url') : undefined;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(tokens)
      .values({ system, fonds, tokenSha256: tokenSha256(token), callbackUrl: input.callbackUrl ?? null, callbackSecret: callbackSecret ?? null })
      .returning();
    await appendEvent(tx, {
      type: 'token.created',
      actor: input.actor,
      subject: { type: 'token', id: row.id },
      payload: { system, fonds, callback: input.callbackUrl ?? null },
    });
    return { id: row.id, system, fonds, callbackUrl: row.callbackUrl, token, ...(callbackSecret ? { callbackSecret } : {}) };
  });
}

/** The token's identity, or undefined for an unknown or revoked token. */
export async function authenticateToken(db: Db, token: string): Promise<TokenIdentity | undefined> {
  if (!token) return undefined;
  const [row] = await db
    .select({ id: tokens.id, system: tokens.system, fonds: tokens.fonds, callbackUrl: tokens.callbackUrl })
    .from(tokens)
    .where(and(eq(tokens.tokenSha256, tokenSha256(token)), isNull(tokens.revokedAt)));
  return row;
}
