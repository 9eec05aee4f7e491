// Bearer tokens of submitting systems and auditors: created once (only the SHA-256 is kept),
// looked up per request, listed and revoked; every change is on the event log.
import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, isNull, like, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { TOKEN_ROLES, tokens, type TokenRole } from '../db/schema.ts';
import { appendEvent } from '../events/index.ts';

export { TOKEN_ROLES, type TokenRole };

export interface TokenIdentity {
  id: string;
  system: string;
  fonds: string[];
  role: TokenRole;
  callbackUrl: string | null;
}

export interface CreatedToken extends TokenIdentity {
  /** The bearer token itself: shown once, never stored. */
  token: string;
  /** The HMAC key callbacks are signed with (only when a callback URL was given). */
  callbackSecret?: string;
}

export interface TokenInfo extends TokenIdentity {
  createdAt: Date;
  revokedAt: Date | null;
}

const FONDS = /^[A-Za-z0-9]{1,16}$/;

export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export const isTokenRole = (r: string): r is TokenRole => (TOKEN_ROLES as readonly string[]).includes(r);

/** Creates a token for a system and its fonds; `actor` is who asked (event log). The role defaults to submitter. */
export async function createToken(
  db: Db,
  input: { system: string; fonds: string[]; role?: string; callbackUrl?: string; actor: string },
): Promise<CreatedToken> {
  const system = input.system.trim();
  if (!system) throw new TypeError('token: --system 不能为空 (system name required)');
  const role = input.role ?? 'submitter';
  if (!isTokenRole(role)) throw new TypeError(`token: 角色应为 ${TOKEN_ROLES.join('、')} 之一 (--role must be one of ${TOKEN_ROLES.join(', ')}): ${role}`);
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
      .values({ system, fonds, role, tokenSha256: tokenSha256(token), callbackUrl: input.callbackUrl ?? null, callbackSecret: callbackSecret ?? null })
      .returning();
    await appendEvent(tx, {
      type: 'token.created',
      actor: input.actor,
      subject: { type: 'token', id: row.id },
      payload: { system, fonds, role, callback: input.callbackUrl ?? null },
    });
    return { id: row.id, system, fonds, role, callbackUrl: row.callbackUrl, token, ...(callbackSecret ? { callbackSecret } : {}) };
  });
}

/** The token's identity, or undefined for an unknown or revoked token. */
export async function authenticateToken(db: Db, token: string): Promise<TokenIdentity | undefined> {
  if (!token) return undefined;
  const [row] = await db
    .select({ id: tokens.id, system: tokens.system, fonds: tokens.fonds, role: tokens.role, callbackUrl: tokens.callbackUrl })
    .from(tokens)
    .where(and(eq(tokens.tokenSha256, tokenSha256(token)), isNull(tokens.revokedAt)));
  return row;
}

const infoColumns = {
  id: tokens.id,
  system: tokens.system,
  fonds: tokens.fonds,
  role: tokens.role,
  callbackUrl: tokens.callbackUrl,
  createdAt: tokens.createdAt,
  revokedAt: tokens.revokedAt,
};

/** Every token (never its secret), oldest first; revoked ones too unless `active`. */
export async function listTokens(db: Db, opts: { active?: boolean } = {}): Promise<TokenInfo[]> {
  return db
    .select(infoColumns)
    .from(tokens)
    .where(opts.active ? isNull(tokens.revokedAt) : undefined)
    .orderBy(asc(tokens.createdAt), asc(tokens.id));
}

export type RevokeResult =
  | { kind: 'revoked'; token: TokenInfo }
  | { kind: 'already_revoked'; token: TokenInfo }
  | { kind: 'not_found' }
  | { kind: 'ambiguous'; matches: TokenInfo[] };

const UUID_PREFIX = /^[0-9a-f-]{4,36}$/i;

/**
 * Revokes the token whose id is `idOrPrefix` or starts with it (at least 4 characters, as `token list`
 * shows them). From the moment this commits, the token gets 401; the revocation is an event.
 */
export async function revokeToken(db: Db, idOrPrefix: string, opts: { actor: string; now?: Date }): Promise<RevokeResult> {
  const p = idOrPrefix.trim().toLowerCase();
  if (!UUID_PREFIX.test(p)) return { kind: 'not_found' };
  const matches = await db
    .select(infoColumns)
    .from(tokens)
    .where(like(sql`${tokens.id}::text`, `${p}%`))
    .orderBy(asc(tokens.createdAt));
  if (matches.length === 0) return { kind: 'not_found' };
  if (matches.length > 1) return { kind: 'ambiguous', matches };
  const t = matches[0];
  if (t.revokedAt) return { kind: 'already_revoked', token: t };
  const at = opts.now ?? new Date();
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(tokens)
      .set({ revokedAt: at })
      .where(and(eq(tokens.id, t.id), isNull(tokens.revokedAt)))
      .returning(infoColumns);
    // Revoked by someone else in the meantime: nothing to log twice.
    if (!row) return { kind: 'already_revoked', token: t } as const;
    await appendEvent(tx, { type: 'token.revoked', actor: opts.actor, subject: { type: 'token', id: t.id }, payload: { system: t.system, fonds: t.fonds, role: t.role } }, { now: () => at });
    return { kind: 'revoked', token: row } as const;
  });
}
