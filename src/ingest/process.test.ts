// Two workers on one submission: a worker that lost its job while checking (it stalled past its
// heartbeat and the job went to another worker, which archived the package) must leave the
// verdict reached meanwhile alone — no status turned back, no second verdict in the event log.
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { and, eq } from 'drizzle-orm';
import { afterAll, expect, it } from 'vitest';
import { loadProfile } from '../config/profile.ts';
import { events, records, submissions } from '../db/schema.ts';
import { describeEachDatabase } from '../db/testing.ts';
import { verifyEventLog } from '../events/index.ts';
import { createNoScanner, type Scanner } from '../scan/index.ts';
import { openStore } from '../store/index.ts';
import { createMetrics } from './metrics.ts';
import { processSubmission, type ProcessDeps } from './process.ts';
import { receivePackage } from './receive.ts';

const SAMPLE = join(import.meta.dirname, '..', '..', 'packages-samples', 'valid.zip');
const dir = mkdtempSync(join(tmpdir(), 'dangan-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEachDatabase('a stale worker', (t) => {
  it('does not overwrite the verdict another worker reached while it was checking', async () => {
    const { db } = await t.open();
    const base = join(dir, `${t.kind}-${Date.now()}`);
    const primary = openStore(pathToFileURL(join(base, 'primary')).href, { name: 'primary', createIfMissing: true });
    const backup = openStore(pathToFileURL(join(base, 'backup')).href, { name: 'backup', createIfMissing: true });
    const received = await receivePackage({ db, primary }, { body: createReadStream(SAMPLE), source: 'online', submitter: 'system', maxBytes: 1 << 30 });
    if (received.kind !== 'created') throw new Error(received.kind);
    const id = received.submission.id;

    const common = { db, primary, backups: [backup], profile: await loadProfile(undefined), tmpDir: join(base, 'tmp'), tool: { name: 'dangan', version: 'test' }, metrics: createMetrics() };
    const fresh: ProcessDeps = { ...common, scanner: createNoScanner(), actor: 'worker:fresh' };
    // The stale worker's check asks its scanner first; at that moment the job "moves" and the
    // other worker runs the whole submission to its end.
    let tookOver: Awaited<ReturnType<typeof processSubmission>> | undefined;
    const stallingScanner: Scanner = {
      name: 'stall',
      configured: true,
      async ping() {
        tookOver ??= await processSubmission(fresh, id);
      },
      async scan() {
        return { status: 'clean' };
      },
      startScan() {
        return { ended: false, async write() {}, async finish() { return { status: 'clean' } as const; }, abort() {} };
      },
    };
    const stale: ProcessDeps = { ...common, scanner: stallingScanner, actor: 'worker:stale' };

    const out = await processSubmission(stale, id);
    expect(tookOver?.status).toBe('archived');
    expect(out.status).toBe('archived');
    const [sub] = await db.select().from(submissions).where(eq(submissions.id, id));
    expect(sub.status).toBe('archived');
    expect(sub.verdict).toBe('accepted');
    // One verdict and one archiving in the log, both by the worker that finished; the records once.
    const verdicts = await db.select({ type: events.type, actor: events.actor }).from(events).where(and(eq(events.subjectType, 'submission'), eq(events.subjectId, id)));
    expect(verdicts.filter((e) => e.type === 'submission.accepted' || e.type === 'submission.rejected')).toEqual([{ type: 'submission.accepted', actor: 'worker:fresh' }]);
    expect(verdicts.filter((e) => e.type === 'submission.archived')).toEqual([{ type: 'submission.archived', actor: 'worker:fresh' }]);
    const held = await db.select({ code: records.archivalCode }).from(records).where(eq(records.submissionId, id));
    expect(held.length).toBeGreaterThan(0);
    expect(new Set(held.map((r) => r.code)).size).toBe(held.length);
    expect((await verifyEventLog(db)).ok).toBe(true);
  });
});
