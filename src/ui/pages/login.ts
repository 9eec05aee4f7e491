// 登录 and 退出: the login form (double-submit CSRF cookie), checking the password, starting and ending sessions.
import { html } from 'hono/html';
import { checkLogin } from '../users.ts';
import { tr } from '../i18n.ts';
import { page } from '../layout.ts';
import { endSession, loginCsrf, LOGIN_CSRF_COOKIE, safeNext, sameToken, startSession } from '../session.ts';
import type { UiContext, UiDeps } from '../deps.ts';
import { getCookie } from 'hono/cookie';

function loginForm(c: UiContext, next: string, error?: string) {
  const t = tr(c);
  return page(
    c,
    t('登录', 'Log in'),
    html`<div style="max-width: 380px; margin: 40px auto;">
      <h1>${t('工作人员登录', 'Staff login')}</h1>
      ${error ? html`<div class="error" role="alert">${error}</div>` : ''}
      <form method="post" action="/ui/login" style="display:flex; flex-direction:column; gap:12px">
        <input type="hidden" name="_csrf" value="${loginCsrf(c)}" />
        <input type="hidden" name="next" value="${next}" />
        <label>${t('用户名', 'User name')}<input name="name" autocomplete="username" required autofocus /></label>
        <label>${t('密码', 'Password')}<input name="password" type="password" autocomplete="current-password" required /></label>
        <button type="submit">${t('登录', 'Log in')}</button>
      </form>
    </div>`,
    { status: error ? 400 : 200 },
  );
}

export function loginPage(c: UiContext) {
  return loginForm(c, safeNext(c.req.query('next')));
}

export async function loginPost(c: UiContext, deps: UiDeps) {
  const t = tr(c);
  const body = await c.req.parseBody();
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
  const next = safeNext(str('next'));
  if (!sameToken(str('_csrf'), getCookie(c, LOGIN_CSRF_COOKIE))) return loginForm(c, next, t('表单已过期，请重试', 'The form expired; please try again'));
  const user = await checkLogin(deps.db, str('name').trim(), str('password'));
  if (!user) return loginForm(c, next, t('用户名或密码不正确', 'Wrong user name or password'));
  await startSession(deps.db, c, user, deps.now?.() ?? new Date());
  return c.redirect(next, 303);
}

export async function logoutPost(c: UiContext, deps: UiDeps) {
  await endSession(deps.db, c);
  return c.redirect('/ui/login', 303);
}
