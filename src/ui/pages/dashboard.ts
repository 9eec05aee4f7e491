// 概览: submissions today by verdict, queue depth, the last audit and its failures, failed backups.
import { and, count, desc, gte, inArray, ne, or, sql } from 'drizzle-orm';
import { html } from 'hono/html';
import { audits, copies, submissions, transfers } from '../../db/schema.ts';
import { formatTime, tr } from '../i18n.ts';
import { page, statusLabel } from '../layout.ts';
import { startOfToday, type UiContext, type UiDeps } from '../deps.ts';

export const BAD_COPY = (primary: string) =>
  and(ne(copies.store, primary), or(inArray(copies.status, ['missing', 'corrupt']), inArray(copies.lastAuditResult, ['missing', 'corrupt', 'error'])));

export async function dashboardPage(c: UiContext, deps: UiDeps) {
  const t = tr(c);
  const db = deps.db;
  const now = deps.now?.() ?? new Date();
  const today = startOfToday(now);
  const rows = await db
    .select({ status: submissions.status, n: count() })
    .from(submissions)
    .where(gte(submissions.createdAt, today))
    .groupBy(submissions.status);
  const by = (...s: string[]) => rows.filter((r) => s.includes(r.status)).reduce((a, r) => a + Number(r.n), 0);
  const [{ n: queue }] = await db.select({ n: count() }).from(submissions).where(inArray(submissions.status, ['received', 'checking', 'accepted']));
  const [last] = await db.select().from(audits).orderBy(desc(audits.startedAt)).limit(1);
  const primary = deps.stores[0]?.name ?? 'primary';
  const [{ n: badCopies }] = await db.select({ n: count() }).from(copies).where(BAD_COPY(primary));
  const [{ n: transferCount }] = await db.select({ n: count() }).from(transfers);
  const [{ n: failedTransfers }] = await db.select({ n: count() }).from(transfers).where(sql`${transfers.status} = 'failed'`);
  const day = new Date(today.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  const card = (href: string, n: number, label: string, tone = '') => html`<a class="card ${tone}" href="${href}"><div class="n">${n}</div><div class="l">${label}</div></a>`;
  const failures = last ? last.missing + last.corrupt + last.errors : 0;

  return page(
    c,
    t('概览', 'Dashboard'),
    html`<h1>${t('概览', 'Dashboard')}</h1>
    <h2>${t(`今日提交（${day}）`, `Submissions today (${day})`)}</h2>
    <div class="cards" id="today">
      ${card(`/ui/submissions?since=${day}&status=archived`, by('archived'), t('已归档（检测通过）', 'archived (accepted)'), 'ok')}
      ${card(`/ui/submissions?since=${day}&status=rejected`, by('rejected'), t('不通过（退回）', 'rejected'), by('rejected') ? 'bad' : '')}
      ${card(`/ui/submissions?since=${day}&status=failed`, by('failed'), t('处理失败', 'failed'), by('failed') ? 'bad' : '')}
      ${card(`/ui/submissions?since=${day}&status=open`, by('received', 'checking', 'accepted'), t('处理中', 'in progress'))}
    </div>
    <h2>${t('队列与保存', 'Queue and preservation')}</h2>
    <div class="cards">
      ${card('/ui/submissions?status=open', Number(queue), t('待处理提交（队列深度）', 'submissions waiting (queue depth)'))}
      ${last
        ? html`<a class="card ${failures ? 'bad' : 'ok'}" href="/ui/audits/${last.id}"><div class="n">${failures}</div><div class="l">${t('最近一次审计的异常', 'failures in the last audit')}<br />${formatTime(last.startedAt)} · ${statusLabel(t, last.status)} · ${t(`已核对 ${last.checked}`, `${last.checked} checked`)}</div></a>`
        : html`<a class="card" href="/ui/audits"><div class="n">—</div><div class="l">${t('尚无审计记录', 'no audit yet')}</div></a>`}
      ${card('/ui/copies?state=bad', Number(badCopies), t('备份副本异常', 'failed backup copies'), Number(badCopies) ? 'bad' : 'ok')}
      ${card('/ui/transfers?status=failed', Number(failedTransfers), t(`移交失败（共 ${transferCount} 次移交）`, `failed transfers (of ${transferCount})`), Number(failedTransfers) ? 'bad' : '')}
    </div>`,
  );
}
