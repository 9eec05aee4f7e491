// 提交: the filterable list, one submission with its live status and report (JSON, print), its status JSON.
import { and, count, desc, eq, gte, ilike, inArray, type SQL } from 'drizzle-orm';
import { html, raw } from 'hono/html';
import type { Report } from '../../checks/report.ts';
import { renderReportHtml, reportSection } from '../../checks/report-html.ts';
import { records, SUBMISSION_SOURCES, SUBMISSION_STATUSES, submissions } from '../../db/schema.ts';
import { formatBytes, formatTime, tr, type Tr } from '../i18n.ts';
import { emptyState, page, pager, statusLabel } from '../layout.ts';
import { intOr, UUID, type UiContext, type UiDeps } from '../deps.ts';

const FINAL = ['archived', 'rejected', 'failed'];
const OPEN = ['received', 'checking', 'accepted'] as const;
const sourceLabel = (t: Tr, s: string) =>
  ({ online: t('在线', 'online'), offline: t('离线（人工上传）', 'offline (staff upload)'), import: t('批量导入', 'import'), receipt: t('移交接收', 'transfer receipt') })[s] ?? s;

export async function submissionsPage(c: UiContext, deps: UiDeps) {
  const t = tr(c);
  const q = c.req.query();
  const where: SQL[] = [];
  if (q.status === 'open') where.push(inArray(submissions.status, [...OPEN]));
  else if ((SUBMISSION_STATUSES as readonly string[]).includes(q.status ?? '')) where.push(eq(submissions.status, q.status as (typeof SUBMISSION_STATUSES)[number]));
  if (q.verdict === 'accepted' || q.verdict === 'rejected') where.push(eq(submissions.verdict, q.verdict));
  if ((SUBMISSION_SOURCES as readonly string[]).includes(q.source ?? '')) where.push(eq(submissions.source, q.source as (typeof SUBMISSION_SOURCES)[number]));
  if (q.fonds) where.push(eq(submissions.fonds, q.fonds));
  if (q.since && /^\d{4}-\d{2}-\d{2}$/.test(q.since)) where.push(gte(submissions.createdAt, new Date(`${q.since}T00:00:00+08:00`)));
  if (q.q) where.push(ilike(submissions.packageName, `%${q.q.replace(/[\\%_]/g, (x) => `\\${x}`)}%`));
  const cond = where.length ? and(...where) : undefined;
  const pageNo = intOr(q.page, 1)!;
  const size = 50;
  const [{ n }] = await deps.db.select({ n: count() }).from(submissions).where(cond);
  const rows = await deps.db
    .select()
    .from(submissions)
    .where(cond)
    .orderBy(desc(submissions.createdAt))
    .limit(size)
    .offset((pageNo - 1) * size);
  const opt = (v: string, label: string, cur: string | undefined) => html`<option value="${v}" ${v === (cur ?? '') ? 'selected' : ''}>${label}</option>`;
  return page(
    c,
    t('提交', 'Submissions'),
    html`<h1>${t('提交的信息包', 'Submitted packages')}</h1>
    <form class="filters" method="get">
      <label>${t('状态', 'Status')}<select name="status">${opt('', t('全部', 'all'), q.status)}${opt('open', t('处理中', 'in progress'), q.status)}${SUBMISSION_STATUSES.map((s) => opt(s, statusLabel(t, s), q.status))}</select></label>
      <label>${t('结论', 'Verdict')}<select name="verdict">${opt('', t('全部', 'all'), q.verdict)}${opt('accepted', t('通过', 'accepted'), q.verdict)}${opt('rejected', t('不通过', 'rejected'), q.verdict)}</select></label>
      <label>${t('来源', 'Source')}<select name="source">${opt('', t('全部', 'all'), q.source)}${SUBMISSION_SOURCES.map((s) => opt(s, sourceLabel(t, s), q.source))}</select></label>
      <label>${t('全宗号', 'Fonds')}<input name="fonds" size="8" value="${q.fonds ?? ''}" /></label>
      <label>${t('起始日期', 'Since')}<input type="date" name="since" value="${q.since ?? ''}" /></label>
      <label>${t('包名', 'Package name')}<input name="q" value="${q.q ?? ''}" /></label>
      <button type="submit">${t('筛选', 'Filter')}</button>
    </form>
    ${rows.length === 0
      ? emptyState(t('没有符合条件的提交。', 'No submission matches.'))
      : html`<table><thead><tr><th>${t('提交时间', 'Submitted')}</th><th>${t('信息包', 'Package')}</th><th>${t('全宗', 'Fonds')}</th><th>${t('来源', 'Source')}</th><th>${t('提交者', 'Submitter')}</th><th>${t('大小', 'Size')}</th><th>${t('状态', 'Status')}</th></tr></thead><tbody>
        ${rows.map(
          (s) => html`<tr><td><a href="/ui/submissions/${s.id}">${formatTime(s.createdAt)}</a></td><td><a href="/ui/submissions/${s.id}">${s.packageName ?? s.id.slice(0, 8)}</a></td><td>${s.fonds ?? '—'}</td><td>${sourceLabel(t, s.source)}</td><td>${s.submitter}</td><td>${formatBytes(s.packageSize)}</td><td class="status-${s.status}">${statusLabel(t, s.status)}</td></tr>`,
        )}</tbody></table>`}
    ${pager(c, t, pageNo, size, Number(n))}`,
  );
}

async function findSubmission(deps: UiDeps, id: string) {
  if (!UUID.test(id)) return undefined;
  const [s] = await deps.db.select().from(submissions).where(eq(submissions.id, id));
  return s;
}

export async function submissionStatusJson(c: UiContext, deps: UiDeps) {
  const s = await findSubmission(deps, c.req.param('id') ?? '');
  if (!s) return c.json({ error: { code: 'not_found', message: '没有这个提交 (no such submission)' } }, 404);
  const t = tr(c);
  return c.json({ id: s.id, status: s.status, label: statusLabel(t, s.status), verdict: s.verdict, final: FINAL.includes(s.status), failureReason: s.failureReason, attempts: s.attempts });
}

export async function submissionPage(c: UiContext, deps: UiDeps) {
  const t = tr(c);
  const s = await findSubmission(deps, c.req.param('id') ?? '');
  if (!s) return page(c, t('未找到', 'Not found'), html`<h1>${t('没有这个提交', 'No such submission')}</h1>`, { status: 404 });
  const archived = await deps.db
    .select({ code: records.archivalCode, title: records.title })
    .from(records)
    .where(eq(records.submissionId, s.id))
    .orderBy(records.archivalCode)
    .limit(500);
  const report = s.report as Report | null;
  const final = FINAL.includes(s.status);
  return page(
    c,
    t('提交详情', 'Submission'),
    html`<h1>${t('提交', 'Submission')} ${s.packageName ?? s.id}</h1>
    <table class="kv">
      <tr><th>${t('状态', 'Status')}</th><td><strong id="status" class="status-${s.status}" data-final="${final ? '1' : '0'}">${statusLabel(t, s.status)}</strong>
        ${final ? '' : html` <span class="muted noprint" id="live">${t('（自动刷新中）', '(updating live)')}</span>`}</td></tr>
      <tr><th>${t('编号', 'ID')}</th><td class="mono">${s.id}</td></tr>
      <tr><th>${t('来源 / 提交者', 'Source / submitter')}</th><td>${sourceLabel(t, s.source)} · ${s.submitter}</td></tr>
      <tr><th>${t('全宗号', 'Fonds')}</th><td>${s.fonds ?? '—'}</td></tr>
      <tr><th>${t('大小', 'Size')}</th><td>${formatBytes(s.packageSize)}</td></tr>
      <tr><th>SM3</th><td class="mono">${s.packageSm3 ?? '—'}</td></tr>
      <tr><th>SHA-256</th><td class="mono">${s.packageSha256 ?? '—'}</td></tr>
      <tr><th>${t('时间', 'Times')}</th><td>${t('接收', 'received')} ${formatTime(s.createdAt)} · ${t('检测', 'checked')} ${formatTime(s.checkedAt)} · ${t('归档', 'archived')} ${formatTime(s.archivedAt)}</td></tr>
      ${s.failureReason ? html`<tr><th>${t('失败原因', 'Failure')}</th><td class="bad">${s.failureReason}</td></tr>` : ''}
    </table>
    ${report
      ? html`<div class="actions">
          <a class="button" href="/ui/submissions/${s.id}/report.json" download>${t('下载报告 JSON', 'Download report JSON')}</a>
          <a class="button secondary" href="/ui/submissions/${s.id}/print" target="_blank">${t('打印视图', 'Print view')}</a>
        </div>`
      : ''}
    ${archived.length
      ? html`<h2>${t(`归档的档案（${archived.length} 件）`, `Archived records (${archived.length})`)}</h2>
        <table><tbody>${archived.map((r) => html`<tr><td class="mono"><a href="/ui/records/${encodeURIComponent(r.code)}">${r.code}</a></td><td>${r.title}</td></tr>`)}</tbody></table>`
      : ''}
    ${report ? html`<style>${raw(reportScopedCss)}</style>${reportSection(report)}` : final ? '' : html`<p class="muted">${t('检测完成后在此显示四性检测报告。', 'The four-property report appears here once checked.')}</p>`}
    ${final ? '' : html`<script>${raw(LIVE_STATUS_JS)}</script>`}`,
  );
}

/** The report's own table styles, scoped to the report section. */
const reportScopedCss = `.report .meta td:first-child { width: 120px; background: #fafafa; } .report th, .report td { border: 1px solid #ccd; } .report .code { white-space: nowrap; font-family: ui-monospace, monospace; }`;

/** Polls the status once a second; reloads when it becomes final so the report shows. */
const LIVE_STATUS_JS = `
(function () {
  var el = document.getElementById('status');
  var url = location.pathname.replace(/\\/$/, '') + '/status.json';
  function tick() {
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (s) {
      el.textContent = s.label; el.className = 'status-' + s.status;
      if (s.final) location.reload(); else setTimeout(tick, 1000);
    }).catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 1000);
})();`;

export async function reportJson(c: UiContext, deps: UiDeps) {
  const s = await findSubmission(deps, c.req.param('id') ?? '');
  if (!s?.report) return c.json({ error: { code: 'not_found', message: '尚无检测报告 (no report yet)' } }, 404);
  c.header('content-disposition', `attachment; filename="report-${s.id}.json"`);
  return c.json(s.report);
}

export async function reportPrint(c: UiContext, deps: UiDeps) {
  const s = await findSubmission(deps, c.req.param('id') ?? '');
  if (!s?.report) return c.text('尚无检测报告 (no report yet)', 404);
  return c.html(renderReportHtml(s.report as Report));
}

