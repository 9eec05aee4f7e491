// The bundled sample package, ingested at start-up by `npm start` so a newcomer sees an archived
// record, its report and its events at once (and a demo token to read them over the API).
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq, inArray, or, and } from 'drizzle-orm';
import { events, records, submissions } from '../db/schema.ts';
import type { Report } from '../checks/report.ts';
import { createToken, type IngestService } from '../ingest/index.ts';
import { humanSummary } from './check.ts';
import type { Runtime } from './runtime.ts';

export const SAMPLE_PACKAGE = join(fileURLToPath(new URL('../../packages-samples', import.meta.url)), 'valid.zip');

/** Ingests the sample (once: later starts find the first submission) and describes the result. */
export async function ingestSample(runtime: Runtime, ingest: IngestService, baseUrl: string, timeoutMs = 120_000): Promise<string> {
  const db = runtime.database.db;
  const r = await ingest.receive({
    body: createReadStream(SAMPLE_PACKAGE),
    source: 'import',
    submitter: 'system:sample',
    idempotencyKey: 'packages-samples/valid.zip',
    packageName: 'valid.zip',
    fonds: 'J001',
    maxBytes: Number.MAX_SAFE_INTEGER,
  });
  if (r.kind !== 'created' && r.kind !== 'existing') throw new Error(`sample: ${r.kind}`);
  const id = r.submission.id;
  const deadline = Date.now() + timeoutMs;
  let s = r.submission;
  while (!['archived', 'rejected', 'failed'].includes(s.status) && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 300));
    [s] = await db.select().from(submissions).where(eq(submissions.id, id));
  }
  const lines = [`\n样例信息包 (sample package) ${SAMPLE_PACKAGE}`, `提交 (submission) ${id}: ${s.status}${s.failureReason ? ` — ${s.failureReason}` : ''}`];
  if (s.report) lines.push(humanSummary(s.report as Report).trimEnd());
  const recs = await db.select({ code: records.archivalCode, title: records.title }).from(records).where(eq(records.submissionId, id));
  if (recs.length) {
    lines.push('已归档的档案 (archived records):', ...recs.map((x) => `  ${x.code}  ${x.title}`));
    const ev = await db
      .select({ seq: events.seq, type: events.type, subject: events.subjectId })
      .from(events)
      .where(or(and(eq(events.subjectType, 'submission'), eq(events.subjectId, id)), and(eq(events.subjectType, 'record'), inArray(events.subjectId, recs.map((x) => x.code)))))
      .orderBy(events.seq)
      .limit(20);
    lines.push('事件 (events):', ...ev.map((e) => `  #${e.seq} ${e.type} ${e.subject ?? ''}`));
  }
  const demo = await createToken(db, { system: 'npm-start-demo', fonds: ['J001'], role: 'admin', actor: 'system:sample' }); // admin: the demo reads the event log too
  const code = encodeURIComponent(recs[0]?.code ?? '');
  lines.push(
    '试试 API (try the API) with this demo token:',
    `  curl -H 'Authorization: Bearer ${demo.token}' ${baseUrl}/api/v1/submissions/${id}`,
    `  curl -H 'Authorization: Bearer ${demo.token}' '${baseUrl}/api/v1/records/${code}'`,
    `  curl -H 'Authorization: Bearer ${demo.token}' ${baseUrl}/api/v1/events/verify`,
    `  ${baseUrl}/api/v1/openapi.json · ${baseUrl}/metrics · ${baseUrl}/healthz`,
  );
  return `${lines.join('\n')}\n`;
}
