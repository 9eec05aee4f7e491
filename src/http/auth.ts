// Bearer-token authentication for the API: resolves the token to its system and fonds, or 401.
import type { MiddlewareHandler } from 'hono';
import type { Db } from '../db/index.ts';
import { authenticateToken, type TokenIdentity } from '../ingest/index.ts';
import { errorResponse } from './errors.ts';

export type ApiEnv = { Variables: { requestId: string; token: TokenIdentity } };

/** Requires `Authorization: Bearer <token>` of a token that exists and is not revoked. */
export function bearerAuth(db: Db): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = m ? await authenticateToken(db, m[1]) : undefined;
    if (!token) {
      c.header('WWW-Authenticate', 'Bearer realm="dangan"');
      return errorResponse(c, 'unauthorized', m ? '令牌无效或已吊销 (invalid or revoked token)' : '需要 Authorization: Bearer <令牌> (bearer token required)');
    }
    c.set('token', token);
    await next();
  };
}

/** The actor string of the event log for a token. */
export const tokenActor = (t: TokenIdentity) => `token:${t.id}`;
