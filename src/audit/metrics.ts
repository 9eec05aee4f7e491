// Audit metrics in the Prometheus text format, from the database (so every process reports the same):
// copies per store and status, copies with no good copy left, and the last run's counts.
import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { audits, copies } from '../db/schema.ts';
import { summaryOf } from './run.ts';

export async function renderAuditMetrics(db: Db): Promise<string> {
  const rows = await db.select({ store: copies.store, status: copies.status, n: sql<number>`count(*)::int` }).from(copies).groupBy(copies.store, copies.status);
  const lines = [
    '# HELP dangan_copies Stored copies per store and status (ok, missing, corrupt, repaired).',
    '# TYPE dangan_copies gauge',
    ...rows.map((r) => `dangan_copies{store="${r.store}",status="${r.status}"} ${Number(r.n)}`),
  ];
  const [last] = await db.select().from(audits).where(eq(audits.status, 'done')).orderBy(desc(audits.finishedAt)).limit(1);
  lines.push('# HELP dangan_audit_last Counts of the last finished audit run.', '# TYPE dangan_audit_last gauge');
  if (last) {
    const s = summaryOf(last);
    for (const k of ['checked', 'ok', 'missing', 'corrupt', 'repaired', 'errors'] as const) lines.push(`dangan_audit_last{result="${k}"} ${last[k]}`);
    lines.push(`dangan_audit_last{result="unrepairable"} ${s.unrepairable}`);
    lines.push('# HELP dangan_audit_last_finished_seconds When the last audit run finished (Unix time).', '# TYPE dangan_audit_last_finished_seconds gauge');
    lines.push(`dangan_audit_last_finished_seconds ${Math.floor((last.finishedAt ?? last.startedAt).getTime() / 1000)}`);
  }
  const [{ n }] = await db.select({ n: sql<number>`count(*)::int` }).from(copies).where(sql`${copies.status} in ('missing', 'corrupt')`);
  lines.push('# HELP dangan_copies_damaged Copies last found missing or corrupt and not repaired.', '# TYPE dangan_copies_damaged gauge', `dangan_copies_damaged ${Number(n)}`);
  return lines.join('\n') + '\n';
}
