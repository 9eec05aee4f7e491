// The web UI end to end: real headless Chromium (Debian's chromium via playwright-core) against the
// dangan app listening on 127.0.0.1 port 0 with PGlite and file stores: log in, upload the sample
// package with a progress bar, read its report, open a record, preview its PDF, download with a
// purpose (利用登记), add 利用效果反馈, see both in the event history, and be refused by role.
// DANGAN_UI_SCREENSHOTS=docs/screenshots writes the README's screenshots there.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { eq } from 'drizzle-orm';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases } from '../../src/db/testing.ts';
import { accesses, files, records, type Database } from '../../src/db/index.ts';
import { addUser } from '../../src/ui/index.ts';
import { openTestStore, startService, type TestService } from './ingest-support.ts';

const root = join(import.meta.dirname, '..', '..');
const SAMPLE = join(root, 'packages-samples', 'valid.zip');
const R1 = 'J001-WS·2024-Y-BGS-0001';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const PASSWORD = { receiver: 'receiver-pass-1', auditor: 'auditor-pass-22', admin: 'admin-pass-333' };
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const work = mkdtempSync(join(tmpdir(), 'dangan-ui-e2e-'));
const shots = process.env.DANGAN_UI_SCREENSHOTS ? resolve(root, process.env.DANGAN_UI_SCREENSHOTS) : join(work, "shots");
mkdirSync(shots, { recursive: true });
const dbs = createTestDatabases('pglite');
let database: Database;
let svc: TestService;
let browser: Browser;

beforeAll(async () => {
  database = await dbs.open();
  const dir = (n: string) => {
    const d = join(work, n);
    mkdirSync(d, { recursive: true });
    return d;
  };
  svc = await startService({
    database,
    tmpDir: dir('tmp'),
    primary: openTestStore(pathToFileURL(dir('primary')).href, 'primary'),
    backups: [openTestStore(pathToFileURL(dir('backup')).href, 'backup-1')],
  });
  for (const [name, role] of [['zhangsan', 'receiver'], ['lisi', 'auditor'], ['wangwu', 'admin']] as const) {
    const r = await addUser(database.db, { name, role, password: PASSWORD[role], actor: 'test' });
    expect(r.kind).toBe('created');
  }
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS, timeout: 60_000 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await svc?.close();
  await dbs.cleanup();
  rmSync(work, { recursive: true, force: true });
});

async function login(page: Page, name: string, password: string) {
  await page.goto(`${svc.url}/ui`);
  await page.waitForURL(/\/ui\/login\?next=/);
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(`${svc.url}/ui`), page.click('button[type=submit]')]);
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

describe('web UI in headless Chromium', () => {
  it('a receiver logs in, uploads the sample, reads its report, previews and downloads a record file with a purpose', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, locale: 'zh-CN' });
    const page = await context.newPage();
    try {
      // A wrong password is refused; the login page is Chinese.
      await page.goto(`${svc.url}/ui/records`);
      await page.waitForURL(/\/ui\/login\?next=%2Fui%2Frecords/);
      expect(await page.textContent('h1')).toBe('工作人员登录');
      await shot(page, 'login');
      await page.fill('input[name=name]', 'zhangsan');
      await page.fill('input[name=password]', 'not-the-password');
      await page.click('button[type=submit]');
      expect(await page.textContent('[role=alert]')).toContain('用户名或密码不正确');

      await login(page, 'zhangsan', PASSWORD.receiver);
      const cookies = await context.cookies();
      const session = cookies.find((c) => c.name === 'dangan_session')!;
      expect(session.httpOnly).toBe(true);
      expect(session.sameSite).toBe('Lax');
      expect(await page.textContent('header.top .who')).toContain('zhangsan（接收人员）');

      // Upload with the progress bar; the page follows the statuses without a reload.
      await page.click('nav >> text=上传');
      await page.waitForURL(`${svc.url}/ui/upload`);
      await page.evaluate(() => ((globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true));
      await page.setInputFiles('#file', SAMPLE);
      await page.click('#send');
      await page.waitForSelector('#report-link', { timeout: 90_000 });
      expect(await page.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
      expect(await page.$eval('#progress', (p) => (p as unknown as { value: number }).value)).toBe(100);
      const steps = await page.$$eval('#steps li', (lis) => lis.map((l) => l.textContent));
      expect(steps.at(-1)).toBe('已归档');
      await shot(page, 'upload');

      // The report: verdict, four properties, items with code, name, status, target, message.
      await page.click('#report-link');
      await page.waitForSelector('section.report');
      expect(await page.textContent('#status')).toBe('已归档');
      const report = await page.textContent('section.report');
      expect(report).toContain('通过（接收）');
      for (const p of ['真实性', '完整性', '可用性', '安全性']) expect(report).toContain(`${p}检测`);
      expect(await page.locator('section.report td.code').count()).toBeGreaterThan(10);
      expect(await page.textContent('body')).toContain('离线（人工上传） · user:zhangsan');
      await shot(page, 'report');
      const json = await page.request.get(new URL(await page.getAttribute('a[href$="report.json"]', 'href') ?? '', svc.url).href);
      expect(json.headers()['content-disposition']).toMatch(/^attachment/);
      expect(((await json.json()) as { verdict: string }).verdict).toBe('accepted');
      const print = await page.request.get(new URL((await page.getAttribute('a[href$="/print"]', 'href')) ?? '', svc.url).href);
      expect(await print.text()).toContain('电子档案四性检测报告');

      // The list and the dashboard count it.
      await page.goto(`${svc.url}/ui/submissions?status=archived`);
      expect(await page.locator('tbody tr').count()).toBe(1);
      await shot(page, 'submissions');
      await page.goto(`${svc.url}/ui`);
      expect(await page.textContent('#today .card.ok .n')).toBe('1');
      await shot(page, 'dashboard');

      // Records: search by 题名 and fonds/year, open the record.
      await page.goto(`${svc.url}/ui/records`);
      await page.fill('input[name=q]', '工作');
      await page.fill('input[name=year]', '2024');
      await page.click('form.filters button');
      await page.click(`a:text("${R1}")`);
      await page.waitForURL(`${svc.url}/ui/records/${encodeURIComponent(R1)}`);
      expect(await page.locator('tr.copy').count()).toBeGreaterThanOrEqual(2);
      expect(await page.textContent('section#file-1')).toContain('backup-1');

      // Preview the PDF on the page: pdf.js fetches the stored bytes and draws its pages.
      const [rec] = await database.db.select().from(records).where(eq(records.archivalCode, R1));
      const [pdf] = await database.db.select().from(files).where(eq(files.recordId, rec.id)).orderBy(files.sequence);
      expect(pdf.name).toMatch(/\.pdf$/);
      const [previewRes] = await Promise.all([
        page.waitForResponse((r) => r.url().includes(`/files/${pdf.sequence}/preview`)),
        page.click(`#file-${pdf.sequence} .preview-btn`),
      ]);
      expect(previewRes.status()).toBe(200);
      expect(previewRes.headers()['content-type']).toBe('application/pdf');
      expect(previewRes.headers()['content-disposition']).toMatch(/^inline/);
      expect(Number(previewRes.headers()['content-length'])).toBe(pdf.size);
      expect(previewRes.headers().digest).toBe(`sha-256=${Buffer.from(pdf.sha256, 'hex').toString('base64')}`);
      await page.waitForSelector(`#file-${pdf.sequence} .preview-box[data-rendered]`, { timeout: 30_000 });
      const inked = await page.$eval(`#file-${pdf.sequence} canvas.pdf-page`, (el) => {
        // the page's canvas (tsconfig has no DOM lib): getContext('2d').getImageData(…).data
        const cv = el as unknown as { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
        const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
        let dark = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] + d[i + 1] + d[i + 2] < 300) dark++;
        return dark;
      });
      expect(inked).toBeGreaterThan(50);
      await shot(page, 'record');

      // Download asks for a purpose and registers it.
      await page.fill(`#file-${pdf.sequence} input[name=purpose]`, '编史修志');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#file-${pdf.sequence} form button`)]);
      expect(download.suggestedFilename()).toBe(pdf.name);
      expect(sha256(readFileSync((await download.path())!))).toBe(pdf.sha256);
      await page.reload();
      const uses = await database.db.select().from(accesses).where(eq(accesses.recordId, rec.id));
      expect(uses.map((u) => u.purpose).sort()).toEqual(['在线预览 (preview in the browser)', '编史修志']);
      expect(uses.every((u) => u.actor === 'user:zhangsan')).toBe(true);
      expect(await page.textContent('#accesses')).toContain('编史修志');
      const history = await page.textContent('#events');
      expect(history).toContain('利用（下载/预览）');
      expect(history).toContain('"purpose":"编史修志"');

      // 利用效果反馈 on that access.
      const row = page.locator('#accesses tr', { hasText: '编史修志' });
      await row.locator('textarea').fill('已用于编写本县大事记');
      await Promise.all([page.waitForURL(/#accesses$/), row.locator('button').click()]);
      expect(await page.textContent('#accesses')).toContain('已用于编写本县大事记');
      expect(await page.textContent('#events')).toContain('利用效果反馈');
      const [fed] = await database.db.select().from(accesses).where(eq(accesses.purpose, '编史修志'));
      expect(fed.feedback).toBe('已用于编写本县大事记');
      expect(fed.feedbackBy).toBe('user:zhangsan');

      // The empty states of transfers and audits, and English on request.
      await page.goto(`${svc.url}/ui/audits`);
      expect(await page.textContent('.empty')).toContain('尚无审计记录');
      await shot(page, 'audits');
      await page.goto(`${svc.url}/ui/transfers`);
      expect(await page.textContent('.empty')).toContain('尚无移交记录');
      await page.goto(`${svc.url}/ui?lang=en`);
      expect(await page.textContent('h1')).toBe('Dashboard');
      await page.goto(`${svc.url}/ui/submissions`);
      expect(await page.textContent('h1')).toBe('Submitted packages');
      await page.goto(`${svc.url}/ui?lang=zh`);

      // A page the role does not allow.
      const res = await page.goto(`${svc.url}/ui/users`);
      expect(res?.status()).toBe(403);
      expect(await page.textContent('#forbidden')).toContain('admin');

      // Forms without the session's CSRF token are refused.
      const forged = await page.request.post(`${svc.url}/ui/records/${encodeURIComponent(R1)}/files/${pdf.sequence}/download`, { form: { purpose: 'x' } });
      expect(forged.status()).toBe(403);

      // Logging out ends the session.
      await Promise.all([page.waitForURL(/\/ui\/login$/), page.click('header.top button.link')]);
      const after = await page.request.get(`${svc.url}/ui/records`, { maxRedirects: 0 });
      expect(after.status()).toBe(303);
    } finally {
      await context.close();
    }
  }, 180_000);

  it('an auditor may not upload, and the dashboard shows the audit figures', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    try {
      await login(page, 'lisi', PASSWORD.auditor);
      expect(await page.locator('nav a', { hasText: '上传' }).count()).toBe(0);
      const res = await page.goto(`${svc.url}/ui/upload`);
      expect(res?.status()).toBe(403);
      expect(await page.textContent('#forbidden')).toContain('receiver');
      const csrf = await page.getAttribute('header.top input[name=_csrf]', 'value');
      const post = await page.request.post(`${svc.url}/ui/upload`, { headers: { 'content-type': 'application/zip', 'x-csrf-token': csrf! }, data: readFileSync(SAMPLE) });
      expect(post.status()).toBe(403);
      await page.goto(`${svc.url}/ui`);
      expect(await page.textContent('body')).toContain('尚无审计记录');
    } finally {
      await context.close();
    }
  }, 120_000);
});
