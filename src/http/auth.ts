// Bearer-token authentication for the API: resolves the token to its system, fonds and role, or
// 401; a route that needs another role answers 403. The roles (TOKEN_ROLES) and what they reach:
//   submitter  push packages (POST /submissions) and read its fonds' submissions and records
//   auditor    read its fonds' submissions and records, the event log, and start and read audits; read
//              its fonds' transfers and their packages (an auditor checks what left the archive); no pushing
//   admin      everything a submitter and an auditor may do, and alone creates transfers (POST /transfers)
//              and receives transfer packages (POST /receipts): both write records and stores in the
//              archive's name, so a submitting system may not, and an auditor only watches
import type { MiddlewareHandler } from 'hono';
import type { Db } from '../db/index.ts';
import { authenticateToken, TOKEN_ROLES, type TokenIdentity, type TokenRole } from '../ingest/index.ts';
import { errorResponse } from './errors.ts';

export type ApiEnv = { Variables: { requestId: string; token: TokenIdentity } };

/** Who may push packages. */
export const SUBMIT_ROLES: readonly TokenRole[] = ['submitter', 'admin'];
/** Who may read the whole event log and start or read fixity audits. */
export const AUDIT_ROLES: readonly TokenRole[] = ['auditor', 'admin'];

/** Who may build a transfer package (POST /transfers) or receive one (POST /receipts). */
export const ADMIN_ROLES: readonly TokenRole[] = ['admin'];
/** Who may read a transfer (status, register, report) and download its package. */
export const TRANSFER_READ_ROLES: readonly TokenRole[] = ['auditor', 'admin'];

/** The staff vocabulary of the UI (auditor, admin) plus the submitting system. */
export const TOKEN_ROLE_NAMES: Record<TokenRole, string> = { submitter: '提交系统', auditor: '审计人员', admin: '管理员' };

const named = (roles: readonly TokenRole[]) => roles.map((r) => `${TOKEN_ROLE_NAMES[r]} ${r}`).join(' / ');

/**
 * Requires `Authorization: Bearer <token>` of a token that exists and is not revoked (looked up on
 * every request, so a revocation holds from the next request on), and one of `roles`.
 */
export function bearerAuth(db: Db, roles: readonly TokenRole[] = TOKEN_ROLES): MiddlewareHandler<ApiEnv> {
  return gate(roles, async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = m ? await authenticateToken(db, m[1]) : undefined;
    if (!token) {
      c.header('WWW-Authenticate', 'Bearer realm="dangan"');
      return errorResponse(c, 'unauthorized', m ? '令牌无效或已吊销 (invalid or revoked token)' : '需要 Authorization: Bearer <令牌> (bearer token required)');
    }
    c.set('token', token);
    return forbidUnless(roles, c.get('token'), () => next(), (why) => errorResponse(c, 'forbidden', why));
  });
}

/** A second gate after bearerAuth, for one method of a path whose other methods are open to more roles. */
export function requireRole(roles: readonly TokenRole[]): MiddlewareHandler<ApiEnv> {
  return gate(roles, (c, next) => forbidUnless(roles, c.get('token'), () => next(), (why) => errorResponse(c, 'forbidden', why)));
}

// Each gate remembers the roles it admits, so the roles of every route can be read off the app's
// routes (openapi.test.ts compares them with the OpenAPI document) instead of being copied by hand.
const gates = new WeakMap<MiddlewareHandler<ApiEnv>, readonly TokenRole[]>();
function gate(roles: readonly TokenRole[], handler: MiddlewareHandler<ApiEnv>): MiddlewareHandler<ApiEnv> {
  gates.set(handler, roles);
  return handler;
}

/** The roles a gate of this module admits; undefined for any other handler. */
export const gateRoles = (handler: unknown): readonly TokenRole[] | undefined => gates.get(handler as MiddlewareHandler<ApiEnv>);

async function forbidUnless(roles: readonly TokenRole[], token: TokenIdentity, next: () => Promise<void>, forbid: (why: string) => Response): Promise<Response | void> {
  if (roles.includes(token.role)) return next();
  return forbid(
    `此令牌的角色为${TOKEN_ROLE_NAMES[token.role]} (${token.role})，无权执行此操作；需要${named(roles)} (this token's role ${token.role} may not do this; it needs ${roles.join(' or ')})`,
  );
}

/** The actor string of the event log for a token. */
export const tokenActor = (t: TokenIdentity) => `token:${t.id}`;
