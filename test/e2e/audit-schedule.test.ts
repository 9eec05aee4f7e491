// Scheduled audits in the workers: on the job queue (pg-boss), each store's policy decides when a
// run is due and how large it is; sampled runs take the oldest-audited copies first, so two runs of
// half cover everything within the period; nothing starts outside the policy's hours.
import { pathToFileURL } from 'node:url';
import { eq, isNull } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, expect, it } from 'vitest';
import { createAuditService, parseAuditPolicies, SCHEDULER } from '../../src/audit/index.ts';
import { describeEachDatabase } from '../../src/db/testing.ts';
import { audits, copies } from '../../src/db/schema.ts';
import { createQueue, queueDatabaseOf } from '../../src/jobs/index.ts';
import { archive, scratch } from './audit-support.ts';
import { openTestStore, waitFor } from './ingest-support.ts';

const dirs = scratch('dangan-audit-schedule-');
const fresh = dirs.fresh;
afterAll(() => dirs.cleanup());

describeEachDatabase('scheduled audits', (t) => {
  it('runs the policy share per store on the queue, oldest-audited first, within its hours', async () => {
    const database = await t.open();
    const db = database.db;
    const stores = [openTestStore(pathToFileURL(fresh('primary')).href, 'primary'), openTestStore(pathToFileURL(fresh('backup')).href, 'backup-1')];
    const pkg = await archive(db, stores, fresh('pkg'), { division: 'SCH', count: 3 });
    const objects = pkg.objects.size;
    let now = new Date('2026-03-02T04:00:00Z'); // 12:00 in Shanghai
    const clock = () => new Date(now);
    const queue = createQueue(queueDatabaseOf(database), { superviseIntervalSeconds: 1, onError: () => {} });
    await queue.start();
    const options = { db, stores, actor: 'worker:test', log: pino({ level: 'silent' }), tool: { name: 'dangan', version: 'test' }, now: clock, queue, pollingIntervalSeconds: 0.5, tickSeconds: 3600 };
    const service = createAuditService({ ...options, policies: parseAuditPolicies({ stores: [{ store: '*', periodDays: 10, sharePerRun: 50, hours: { from: 8, to: 20 } }] }) });
    try {
      const scheduledDone = async (count: number) =>
        waitFor(`${count} scheduled runs`, async () => {
          const rows = await db.select().from(audits).where(eq(audits.requestedBy, SCHEDULER));
          return rows.length === count && rows.every((a) => a.status === 'done') ? rows : undefined;
        });

      await service.startWorkers(); // ticks at once
      const first = await scheduledDone(2);
      expect(first.map((a) => [a.store, a.samplePercent, a.checked]).sort()).toEqual([
        ['backup-1', 50, Math.ceil(objects / 2)],
        ['primary', 50, Math.ceil(objects / 2)],
      ]);
      expect((await db.select().from(copies).where(isNull(copies.lastAuditedAt))).length).toBe(2 * (objects - Math.ceil(objects / 2)));

      now = new Date(now.getTime() + 86_400_000); // a day later: not due (every 5 days)
      expect(await service.tick()).toEqual([]);

      now = new Date(now.getTime() + 5 * 86_400_000);
      expect((await service.tick()).length).toBe(2);
      await scheduledDone(4);
      expect((await db.select().from(copies).where(isNull(copies.lastAuditedAt))).length).toBe(0);

      now = new Date(now.getTime() + 10 * 86_400_000 + 12 * 3_600_000); // 00:00 in Shanghai: outside 8-20
      expect(await service.tick()).toEqual([]);
    } finally {
      await service.stop();
      await queue.stop({ graceful: false, timeoutMs: 2000 });
    }
  }, 120_000);
});
