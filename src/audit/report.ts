// An audit run's report: the four-property report of checks.md at stage preservation (BC codes),
// built from the findings the run logged as events, with the run's counts; as JSON and HTML.
import { and, asc, eq, gt } from 'drizzle-orm';
import { html, raw } from 'hono/html';
import type { Finding, ItemNumber } from '../checks/finding.ts';
import { REPORT_CSS, reportSection } from '../checks/report-html.ts';
import { buildReport, type Report } from '../checks/report.ts';
import type { Db } from '../db/index.ts';
import { audits, events } from '../db/schema.ts';
import { auditFailed, summaryOf, type Audit, type AuditSummary } from './run.ts';

export interface AuditReport {
  audit: {
    id: string;
    status: Audit['status'];
    store: string | null;
    samplePercent: number;
    repair: boolean;
    requestedBy: string;
    checked: number;
    ok: number;
    missing: number;
    corrupt: number;
    repaired: number;
    errors: number;
    /** Anything failed: what makes `dangan audit` exit 1. */
    failed: boolean;
    startedAt: string;
    finishedAt: string | null;
    summary: AuditSummary;
  };
  report: Report;
}

/** At most this many finding events go into one report (the event log keeps them all). */
const MAX_REPORT_FINDINGS = 10_000;

export async function auditFindings(db: Db, id: string): Promise<Finding[]> {
  const out: Finding[] = [];
  let after = 0;
  while (out.length < MAX_REPORT_FINDINGS) {
    const rows = await db
      .select({ seq: events.seq, payload: events.payload })
      .from(events)
      .where(and(eq(events.subjectType, 'audit'), eq(events.subjectId, id), eq(events.type, 'audit.finding'), gt(events.seq, after)))
      .orderBy(asc(events.seq))
      .limit(1000);
    if (!rows.length) break;
    for (const r of rows) {
      const p = r.payload as { item: ItemNumber; status: string; target: string; message: string; expected?: string; actual?: string; repaired?: boolean };
      const message = p.repaired ? `${p.message}；已从完好副本修复 (repaired from a good copy)` : p.message;
      out.push({ item: p.item, target: p.target, message, ...(p.status === 'warn' ? { severity: 'warn' as const } : {}), ...(p.expected ? { expected: p.expected } : {}), ...(p.actual ? { actual: p.actual } : {}) });
    }
    after = rows[rows.length - 1].seq;
  }
  return out;
}

export async function auditReport(db: Db, id: string, tool: { name: string; version: string }, primaryName?: string): Promise<AuditReport | undefined> {
  const [a] = await db.select().from(audits).where(eq(audits.id, id));
  if (!a) return undefined;
  const s = summaryOf(a);
  const findings = await auditFindings(db, id);
  const stores = Object.keys(s.stores);
  const hasPrimary = primaryName === undefined ? true : stores.includes(primaryName);
  const backups = stores.filter((n) => n !== primaryName);
  const ran = new Set<ItemNumber>(['2-1']);
  const skipped = new Map<ItemNumber, string>();
  if (hasPrimary) ran.add('1-1');
  else skipped.set('1-1', '本次未稽核主存储 (the primary store was not in this run)');
  if (backups.length) ran.add('3-4');
  else skipped.set('3-4', '本次没有备份存储 (no backup store in this run)');
  if (s.packages.checked > 0) ran.add('1-5');
  else skipped.set('1-5', '本次抽检未含信息包清单或签名 (no package manifest or seal among the copies checked)');
  if (s.scanned > 0) ran.add('4-2');
  else skipped.set('4-2', '未配置病毒扫描或本次未重新扫描 (no scanner configured, or nothing rescanned)');
  const report = buildReport({
    stage: 'preservation',
    package: { name: `稽核 ${a.id}（${stores.join('、') || '—'}）`, layout: 'native', records: 0, files: a.checked, bytes: stores.reduce((n, k) => n + s.stores[k].bytes, 0) },
    findings,
    ran,
    skipped,
    modes: () => 'fail',
    startedAt: a.startedAt,
    finishedAt: a.finishedAt ?? new Date(),
    tool,
  });
  return {
    audit: {
      id: a.id,
      status: a.status,
      store: a.store,
      samplePercent: a.samplePercent,
      repair: a.repair,
      requestedBy: a.requestedBy,
      checked: a.checked,
      ok: a.ok,
      missing: a.missing,
      corrupt: a.corrupt,
      repaired: a.repaired,
      errors: a.errors,
      failed: auditFailed(a),
      startedAt: a.startedAt.toISOString(),
      finishedAt: a.finishedAt?.toISOString() ?? null,
      summary: s,
    },
    report,
  };
}

const STATUS_LABEL = { running: '进行中', done: '已完成', failed: '未能完成' } as const;

/** A whole printable page: the run's counts per store, then the BC report. */
export function renderAuditHtml(r: AuditReport): string {
  const a = r.audit;
  return html`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8" /><title>保存阶段稽核报告 — ${a.id}</title>
<style>${raw(REPORT_CSS)}</style></head>
<body>
<section class="audit">
  <h1>长期保存稽核（固定性检测）</h1>
  <table class="meta">
    <tr><td>稽核编号</td><td class="code">${a.id}</td></tr>
    <tr><td>状态</td><td>${STATUS_LABEL[a.status]}${a.failed ? html`，<strong class="fail">发现问题</strong>` : html`，<span class="pass">未发现问题</span>`}</td></tr>
    <tr><td>范围</td><td>${a.store ?? '全部存储'}，抽检 ${a.samplePercent}%${a.repair ? '，自动修复' : ''}</td></tr>
    <tr><td>发起</td><td>${a.requestedBy}</td></tr>
    <tr><td>结果</td><td>检查 ${a.checked} · 完好 ${a.ok} · 缺失 ${a.missing} · 损坏 ${a.corrupt} · 已修复 ${a.repaired} · 读取错误 ${a.errors} · 无完好副本 ${a.summary.unrepairable}</td></tr>
    <tr><td>时间</td><td>${a.startedAt} — ${a.finishedAt ?? '…'}</td></tr>
  </table>
  <h2>各存储</h2>
  <table><thead><tr><th>存储</th><th>副本总数</th><th>本次应查</th><th>已查</th><th>读取字节</th><th>存储对象（未登记）</th></tr></thead>
  <tbody>${Object.entries(a.summary.stores).map(
    ([name, p]) => html`<tr><td>${name}</td><td>${p.total}</td><td>${p.target}</td><td>${p.done}</td><td>${p.bytes.toLocaleString('zh-CN')}</td><td>${p.listed ? `${p.listed.objects}（${p.listed.untracked}）` : '—'}</td></tr>`,
  )}</tbody></table>
</section>
${reportSection(r.report)}
</body></html>`.toString();
}
