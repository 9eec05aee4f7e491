// 移交 and 审计: lists and detail pages over the transfers and audits tables; copies needing care; staff users.
import { and, count, desc, eq, type SQL } from 'drizzle-orm';
import { html } from 'hono/html';
import { audits, copies, files, records, TRANSFER_STATUSES, transfers, users } from '../../db/schema.ts';
import { formatBytes, formatTime, tr } from '../i18n.ts';
import { emptyState, page, pager, ROLE_NAMES, statusLabel } from '../layout.ts';
import { intOr, UUID, type UiContext, type UiDeps } from '../deps.ts';
import { BAD_COPY } from './dashboard.ts';

const json = (v: unknown) => (v === null || v === undefined ? '—' : JSON.stringify(v, null, 1));

export async function transfersPage(c: UiContext, deps: UiDeps) {
  const t = tr(c);
  const status = c.req.query('status');
  const cond = (TRANSFER_STATUSES as readonly string[]).includes(status ?? '') ? eq(transfers.status, status as (typeof TRANSFER_STATUSES)[number]) : undefined;
  const rows = await deps.db.select().from(transfers).where(cond).orderBy(desc(transfers.createdAt)).limit(200);
  return page(
    c,
    t('移交', 'Transfers'),
    html`<h1>${t('移交', 'Transfers')}</h1>
    ${rows.length === 0
      ? emptyState(t('尚无移交记录。移交信息包生成后在此列出。', 'No transfer yet. Transfer packages are listed here once built.'))
      : html`<table><thead><tr><th>${t('创建时间', 'Created')}</th><th>${t('全宗', 'Fonds')}</th><th>${t('年度', 'Year')}</th><th>${t('档案/文件', 'Records/files')}</th><th>${t('大小', 'Size')}</th><th>${t('状态', 'Status')}</th><th>${t('申请人', 'Requested by')}</th></tr></thead><tbody>
        ${rows.map((r) => html`<tr><td><a href="/ui/transfers/${r.id}">${formatTime(r.createdAt)}</a></td><td>${r.fonds}</td><td>${r.year ?? '—'}</td><td>${r.recordCount ?? '—'} / ${r.fileCount ?? '—'}</td><td>${formatBytes(r.size ?? r.totalBytes)}</td><td class="status-${r.status === 'failed' ? 'failed' : 'archived'}">${statusLabel(t, r.status)}</td><td>${r.requestedBy}</td></tr>`)}
        </tbody></table>`}`,
  );
}

export async function transferPage(c: UiContext, deps: UiDeps) {
  const t = tr(c);
  const id = c.req.param('id') ?? '';
  const [r] = UUID.test(id) ? await deps.db.select().from(transfers).where(eq(transfers.id, id)) : [];
  if (!r) return page(c, t('未找到', 'Not found'), html`<h1>${t('没有这次移交', 'No such transfer')}</h1>`, { status: 404 });
  const stored = r.objectKey ? await deps.db.select().from(copies).where(eq(copies.objectKey, r.objectKey)) : [];
  return page(
    c,
    t('移交详情', 'Transfer'),
    html`<h1>${t('移交', 'Transfer')} ${r.fonds}${r.year ? ` · ${r.year}` : ''}</h1>
    <table class="kv">
      <tr><th>${t('状态', 'Status')}</th><td>${statusLabel(t, r.status)}</td></tr>
      <tr><th>${t('编号', 'ID')}</th><td class="mono">${r.id}</td></tr>
      <tr><th>${t('范围', 'Selection')}</th><td class="mono">${json(r.selection)}</td></tr>
      <tr><th>${t('档案 / 文件 / 字节', 'Records / files / bytes')}</th><td>${r.recordCount ?? '—'} / ${r.fileCount ?? '—'} / ${formatBytes(r.totalBytes)}</td></tr>
      <tr><th>SM3</th><td class="mono">${r.sm3 ?? '—'}</td></tr>
      <tr><th>SHA-256</th><td class="mono">${r.sha256 ?? '—'}</td></tr>
      <tr><th>${t('申请人 / 时间', 'Requested by / when')}</th><td>${r.requestedBy} · ${formatTime(r.createdAt)} → ${formatTime(r.completedAt)}</td></tr>
      ${r.failureReason ? html`<tr><th>${t('失败原因', 'Failure')}</th><td class="bad">${r.failureReason}</td></tr>` : ''}
      <tr><th>${t('存储副本', 'Copies')}</th><td>${stored.length ? stored.map((k) => html`<div>${k.store}: ${statusLabel(t, k.status)} · ${formatTime(k.verifiedAt)}</div>`) : '—'}</td></tr>
      <tr><th>${t('移交登记表', 'Register')}</th><td class="mono">${json(r.register)}</td></tr>
    </table>`,
  );
}

export async function auditsPage(c: UiContext, deps: UiDeps) {
  const t = tr(c);
  const rows = await deps.db.select().from(audits).orderBy(desc(audits.startedAt)).limit(200);
  return page(
    c,
    t('固定性审计', 'Fixity audits'),
    html`<h1>${t('固定性审计', 'Fixity audits')}</h1>
    ${rows.length === 0
      ? emptyState(t('尚无审计记录。运行 dangan audit 后在此显示结果。', 'No audit yet. Results appear here after dangan audit runs.'))
      : html`<table><thead><tr><th>${t('开始时间', 'Started')}</th><th>${t('存储', 'Store')}</th><th>${t('抽样', 'Sample')}</th><th>${t('已核对', 'Checked')}</th><th>${t('正常', 'OK')}</th><th>${t('缺失', 'Missing')}</th><th>${t('损坏', 'Corrupt')}</th><th>${t('已修复', 'Repaired')}</th><th>${t('出错', 'Errors')}</th><th>${t('状态', 'Status')}</th></tr></thead><tbody>
        ${rows.map((a) => html`<tr><td><a href="/ui/audits/${a.id}">${formatTime(a.startedAt)}</a></td><td>${a.store ?? t('全部', 'all')}</td><td>${a.samplePercent}%</td><td>${a.checked}</td><td class="ok">${a.ok}</td><td class="${a.missing ? 'bad' : ''}">${a.missing}</td><td class="${a.corrupt ? 'bad' : ''}">${a.corrupt}</td><td>${a.repaired}</td><td class="${a.errors ? 'bad' : ''}">${a.errors}</td><td>${statusLabel(t, a.status)}</td></tr>`)}
        </tbody></table>`}`,
  );
}

export async function auditPage(c: UiContext, deps: UiDeps) {
  const t = tr(c);
  const id = c.req.param('id') ?? '';
  const [a] = UUID.test(id) ? await deps.db.select().from(audits).where(eq(audits.id, id)) : [];
  if (!a) return page(c, t('未找到', 'Not found'), html`<h1>${t('没有这次审计', 'No such audit')}</h1>`, { status: 404 });
  return page(
    c,
    t('审计详情', 'Audit'),
    html`<h1>${t('固定性审计', 'Fixity audit')} ${formatTime(a.startedAt)}</h1>
    <table class="kv">
      <tr><th>${t('状态', 'Status')}</th><td>${statusLabel(t, a.status)}</td></tr>
      <tr><th>${t('存储 / 抽样', 'Store / sample')}</th><td>${a.store ?? t('全部', 'all')} · ${a.samplePercent}% · ${a.repair ? t('自动修复', 'repair on') : t('不修复', 'no repair')}</td></tr>
      <tr><th>${t('结果', 'Results')}</th><td>${t('已核对', 'checked')} ${a.checked} · ${t('正常', 'ok')} ${a.ok} · ${t('缺失', 'missing')} ${a.missing} · ${t('损坏', 'corrupt')} ${a.corrupt} · ${t('已修复', 'repaired')} ${a.repaired} · ${t('出错', 'errors')} ${a.errors}</td></tr>
      <tr><th>${t('发起人 / 时间', 'Requested by / when')}</th><td>${a.requestedBy} · ${formatTime(a.startedAt)} → ${formatTime(a.finishedAt)}</td></tr>
      <tr><th>${t('摘要', 'Summary')}</th><td class="mono">${json(a.summary)}</td></tr>
    </table>
    <p><a href="/ui/copies?state=bad">${t('查看异常副本', 'Copies needing care')}</a></p>`,
  );
}

/** Copies in backup stores found missing, corrupt or unreadable (what the dashboard counts). */
export async function copiesPage(c: UiContext, deps: UiDeps) {
  const t = tr(c);
  const primary = deps.stores[0]?.name ?? 'primary';
  const store = c.req.query('store');
  const where: SQL[] = [BAD_COPY(primary)!];
  if (store) where.push(eq(copies.store, store));
  const pageNo = intOr(c.req.query('page'), 1)!;
  const size = 100;
  const [{ n }] = await deps.db.select({ n: count() }).from(copies).where(and(...where));
  const rows = await deps.db
    .select({ store: copies.store, key: copies.objectKey, status: copies.status, audited: copies.lastAuditedAt, result: copies.lastAuditResult, file: files.name, code: records.archivalCode })
    .from(copies)
    .leftJoin(files, eq(files.id, copies.fileId))
    .leftJoin(records, eq(records.id, files.recordId))
    .where(and(...where))
    .orderBy(copies.store, copies.objectKey)
    .limit(size)
    .offset((pageNo - 1) * size);
  return page(
    c,
    t('异常备份副本', 'Failed backup copies'),
    html`<h1>${t('异常备份副本', 'Failed backup copies')}</h1>
    ${rows.length === 0
      ? emptyState(t('所有备份副本正常。', 'Every backup copy is fine.'))
      : html`<table><thead><tr><th>${t('存储', 'Store')}</th><th>${t('档案', 'Record')}</th><th>${t('对象', 'Object')}</th><th>${t('状态', 'Status')}</th><th>${t('最近审计', 'Last audit')}</th></tr></thead><tbody>
        ${rows.map((k) => html`<tr><td>${k.store}</td><td>${k.code ? html`<a class="mono" href="/ui/records/${encodeURIComponent(k.code)}">${k.code}</a> ${k.file}` : '—'}</td><td class="mono">${k.key}</td><td class="bad">${statusLabel(t, k.status)}</td><td>${k.result ? statusLabel(t, k.result) : '—'} · ${formatTime(k.audited)}</td></tr>`)}
        </tbody></table>`}
    ${pager(c, t, pageNo, size, Number(n))}`,
  );
}

export async function usersPage(c: UiContext, deps: UiDeps) {
  const t = tr(c);
  const rows = await deps.db.select({ name: users.name, role: users.role, createdAt: users.createdAt, disabledAt: users.disabledAt }).from(users).orderBy(users.name);
  return page(
    c,
    t('用户', 'Users'),
    html`<h1>${t('工作人员账号', 'Staff users')}</h1>
    <p class="muted">${t('用 dangan user add 名称 --role receiver|auditor|admin 添加账号。', 'Add users with dangan user add NAME --role receiver|auditor|admin.')}</p>
    <table><thead><tr><th>${t('用户名', 'Name')}</th><th>${t('角色', 'Role')}</th><th>${t('创建时间', 'Created')}</th><th>${t('状态', 'State')}</th></tr></thead><tbody>
      ${rows.map((u) => html`<tr><td>${u.name}</td><td>${t(...ROLE_NAMES[u.role])}</td><td>${formatTime(u.createdAt)}</td><td>${u.disabledAt ? t('已停用', 'disabled') : t('启用', 'active')}</td></tr>`)}
    </tbody></table>`,
  );
}
