// Staff sessions: login/logout, the session cookie (HttpOnly, SameSite=Lax, Secure behind TLS),
// a CSRF token per session checked on every POST, and the role each page needs.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { and, eq, gt, lt } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { sessions, users, type UserRole } from '../db/schema.ts';
import type { Lang } from './i18n.ts';
import type { StaffUser } from './users.ts';

export const SESSION_COOKIE = 'dangan_session';
export const LOGIN_CSRF_COOKIE = 'dangan_login_csrf';
export const SESSION_HOURS = 12;

export type UiEnv = {
  Variables: {
    requestId: string;
    lang: Lang;
    user: StaffUser;
    csrfToken: string;
  };
};

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const token = () => randomBytes(32).toString('base64url');

/** Behind a TLS-terminating proxy the request arrives as http with X-Forwarded-Proto: https. */
export function isHttps(c: Context): boolean {
  const fwd = c.req.header('x-forwarded-proto')?.split(',')[0].trim().toLowerCase();
  return fwd === 'https' || new URL(c.req.url).protocol === 'https:';
}

const cookieOptions = (c: Context, maxAge?: number) => ({ path: '/ui', httpOnly: true, sameSite: 'Lax' as const, secure: isHttps(c), ...(maxAge ? { maxAge } : {}) });

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token of the login form (double-submit cookie: no session exists yet). */
export function loginCsrf(c: Context): string {
  let t = getCookie(c, LOGIN_CSRF_COOKIE);
  if (!t || !/^[A-Za-z0-9_-]{43}$/.test(t)) {
    t = token();
    setCookie(c, LOGIN_CSRF_COOKIE, t, cookieOptions(c));
  }
  return t;
}

export async function startSession(db: Db, c: Context, user: StaffUser, now: Date): Promise<void> {
  const t = token();
  await db.delete(sessions).where(lt(sessions.expiresAt, now));
  await db.insert(sessions).values({ tokenSha256: sha256(t), userId: user.id, csrfToken: token(), expiresAt: new Date(now.getTime() + SESSION_HOURS * 3600_000) });
  setCookie(c, SESSION_COOKIE, t, cookieOptions(c, SESSION_HOURS * 3600));
  deleteCookie(c, LOGIN_CSRF_COOKIE, { path: '/ui' });
}

export async function endSession(db: Db, c: Context): Promise<void> {
  const t = getCookie(c, SESSION_COOKIE);
  if (t) await db.delete(sessions).where(eq(sessions.tokenSha256, sha256(t)));
  deleteCookie(c, SESSION_COOKIE, { path: '/ui', secure: isHttps(c) });
}

const isForm = (c: Context) => /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(c.req.header('content-type') ?? '');

/** The CSRF token a POST carries: the X-CSRF-Token header (scripts) or the _csrf form field. */
export async function postedCsrf(c: Context): Promise<string | undefined> {
  const h = c.req.header('x-csrf-token');
  if (h) return h;
  if (!isForm(c)) return undefined;
  const body = await c.req.parseBody();
  return typeof body._csrf === 'string' ? body._csrf : undefined;
}

/**
 * Requires a live session: sets `user` and `csrfToken`, or sends the browser to the login page
 * (scripts get 401). Every non-GET request must carry the session's CSRF token, or 403.
 */
export function requireSession(db: Db, now: () => Date, forbidden: (c: Context<UiEnv>, why: string) => Response | Promise<Response>): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    const t = getCookie(c, SESSION_COOKIE);
    const row = t
      ? (
          await db
            .select({ csrfToken: sessions.csrfToken, id: users.id, name: users.name, role: users.role, disabledAt: users.disabledAt })
            .from(sessions)
            .innerJoin(users, eq(users.id, sessions.userId))
            .where(and(eq(sessions.tokenSha256, sha256(t)), gt(sessions.expiresAt, now())))
        )[0]
      : undefined;
    if (!row || row.disabledAt) {
      if (c.req.method !== 'GET' || c.req.header('accept')?.includes('application/json')) return c.json({ error: { code: 'unauthorized', message: '请先登录 (log in first)' } }, 401);
      const back = c.req.path + (new URL(c.req.url).search || '');
      return c.redirect(`/ui/login?next=${encodeURIComponent(back)}`, 303);
    }
    c.set('user', { id: row.id, name: row.name, role: row.role });
    c.set('csrfToken', row.csrfToken);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !sameToken(await postedCsrf(c), row.csrfToken)) {
      return forbidden(c, '表单已过期或来源不明，请刷新页面后重试 (CSRF token missing or wrong; reload the page)');
    }
    await next();
  };
}

/** Only these roles may go on; others get the 403 page. */
export function allow(roles: readonly UserRole[], forbidden: (c: Context<UiEnv>, why: string) => Response | Promise<Response>): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    if (!roles.includes(c.get('user').role)) return forbidden(c, `此页面需要角色 ${roles.join(' / ')} (this page needs role ${roles.join(' or ')})`);
    await next();
  };
}

/** A safe place to go after login: a path inside the UI, never another site. */
export function safeNext(next: string | undefined): string {
  return next && /^\/ui(\/|$|\?)/.test(next) && !next.startsWith('//') && !next.includes('\\') ? next : '/ui';
}
