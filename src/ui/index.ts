// The web UI for archive staff under /ui: login, dashboard, submissions and upload, records, transfers, audits.
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { UserRole } from '../db/schema.ts';
import type { UiDeps } from './deps.ts';
import { langMiddleware, tr } from './i18n.ts';
import { page } from './layout.ts';
import { assetRoutes } from './assets.ts';
import { allow, requireSession, type UiEnv } from './session.ts';
import { dashboardPage } from './pages/dashboard.ts';
import { loginPage, loginPost, logoutPost } from './pages/login.ts';
import { auditPage, auditsPage, copiesPage, transferPage, transfersPage, usersPage } from './pages/preservation.ts';
import { accessFeedback, downloadFile, previewFile, recordPage, recordsPage } from './pages/records.ts';
import { reportJson, reportPrint, submissionPage, submissionStatusJson, submissionsPage } from './pages/submissions.ts';
import { uploadPage, uploadPost } from './pages/upload.ts';

export type { UiDeps } from './deps.ts';
export { addUser, checkLogin, isUserRole, MIN_PASSWORD_LENGTH, type AddUserResult, type StaffUser } from './users.ts';
export { hashPassword, verifyPassword } from './password.ts';

const STAFF: readonly UserRole[] = ['receiver', 'auditor', 'admin'];
const RECEIVE: readonly UserRole[] = ['receiver', 'admin'];
const ADMIN: readonly UserRole[] = ['admin'];

function forbidden(c: Context<UiEnv>, why: string) {
  const t = tr(c);
  if (c.req.method !== 'GET' || c.req.header('accept')?.includes('application/json')) return c.json({ error: { code: 'forbidden', message: why } }, 403);
  return page(c, t('无权访问', 'Forbidden'), html`<h1>${t('无权访问', 'Forbidden')}</h1><p class="error" id="forbidden">${why}</p><p><a href="/ui">${t('返回概览', 'Back to the dashboard')}</a></p>`, { status: 403 });
}

/** Staff pages; the role each page needs is stated beside its route. */
export function uiRoutes(deps: UiDeps): Hono<UiEnv> {
  const now = deps.now ?? (() => new Date());
  const app = new Hono<UiEnv>();
  app.use('/ui', langMiddleware());
  app.use('/ui/*', langMiddleware());
  app.use('/ui/*', async (c, next) => {
    await next();
    c.header('X-Frame-Options', 'SAMEORIGIN');
    c.header('Referrer-Policy', 'same-origin');
  });
  app.get('/ui/login', (c) => loginPage(c));
  app.post('/ui/login', (c) => loginPost(c, deps));

  const session = requireSession(deps.db, now, forbidden);
  app.use('/ui', session);
  app.use('/ui/*', async (c, next) => (c.req.path === '/ui/login' ? next() : session(c, next)));
  app.post('/ui/logout', (c) => logoutPost(c, deps));
  app.route('/', assetRoutes());

  const role = (roles: readonly UserRole[]) => allow(roles, forbidden);
  app.get('/ui', role(STAFF), (c) => dashboardPage(c, deps));
  app.get('/ui/submissions', role(STAFF), (c) => submissionsPage(c, deps));
  app.get('/ui/submissions/:id', role(STAFF), (c) => submissionPage(c, deps));
  app.get('/ui/submissions/:id/status.json', role(STAFF), (c) => submissionStatusJson(c, deps));
  app.get('/ui/submissions/:id/report.json', role(STAFF), (c) => reportJson(c, deps));
  app.get('/ui/submissions/:id/print', role(STAFF), (c) => reportPrint(c, deps));
  app.get('/ui/upload', role(RECEIVE), (c) => uploadPage(c, deps));
  app.post('/ui/upload', role(RECEIVE), (c) => uploadPost(c, deps));
  app.get('/ui/records', role(STAFF), (c) => recordsPage(c, deps));
  app.get('/ui/records/:code', role(STAFF), (c) => recordPage(c, deps));
  app.get('/ui/records/:code/files/:seq/preview', role(STAFF), (c) => previewFile(c, deps));
  app.post('/ui/records/:code/files/:seq/download', role(STAFF), (c) => downloadFile(c, deps));
  app.post('/ui/accesses/:id/feedback', role(STAFF), (c) => accessFeedback(c, deps));
  app.get('/ui/transfers', role(STAFF), (c) => transfersPage(c, deps));
  app.get('/ui/transfers/:id', role(STAFF), (c) => transferPage(c, deps));
  app.get('/ui/audits', role(STAFF), (c) => auditsPage(c, deps));
  app.get('/ui/audits/:id', role(STAFF), (c) => auditPage(c, deps));
  app.get('/ui/copies', role(STAFF), (c) => copiesPage(c, deps));
  app.get('/ui/users', role(ADMIN), (c) => usersPage(c, deps));
  return app;
}
