// The audit service's queue policy reaches every job, also one queued by a process that runs no
// workers (`dangan serve --no-workers` answering POST /api/v1/audits) before any worker has started:
// a job keeps the policy it was created with, and one created under pg-boss's defaults would carry
// no heartbeat, so the run of a killed worker would wait for the expiry instead of moving on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, expect, it } from 'vitest';
import { rowsOf } from '../db/index.ts';
import { describeEachDatabase } from '../db/testing.ts';
import { createQueue, queueDatabaseOf } from '../jobs/index.ts';
import { openStore } from '../store/index.ts';
import { parseAuditPolicies } from './policy.ts';
import { AUDIT_JOB_POLICY, AUDIT_QUEUE, createAuditService } from './service.ts';

const dir = mkdtempSync(join(tmpdir(), 'dangan-audit-service-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEachDatabase('audit service queue policy', (t) => {
  it('creates a run\'s job with the audit heartbeat and retries though no worker has defined the queue', async () => {
    const database = await t.open();
    const queue = createQueue(queueDatabaseOf(database), { onError: () => {} });
    await queue.start();
    try {
      const service = createAuditService({
        db: database.db,
        stores: [openStore(pathToFileURL(join(dir, `store-${t.kind}`)).href, { name: 'primary', createIfMissing: true })],
        policies: parseAuditPolicies({}),
        actor: 'api:test',
        queue,
        tool: { name: 'dangan', version: 'test' },
      });
      // No startWorkers(): this process only answers the API.
      const a = await service.start({ requestedBy: 'token:test' });
      const jobs = rowsOf<{ data: { id: string }; heartbeat: number; delay: number; backoff: boolean; limit: number; expire: number }>(
        await database.db.execute(
          sql`select data, heartbeat_seconds::int as heartbeat, retry_delay::int as delay, retry_backoff as backoff, retry_limit::int as limit, expire_seconds::int as expire from pgboss.job where name = ${AUDIT_QUEUE}`,
        ),
      );
      expect(jobs).toEqual([
        { data: { id: a.id, scheduled: false }, heartbeat: AUDIT_JOB_POLICY.heartbeatSeconds, delay: AUDIT_JOB_POLICY.retryDelay, backoff: true, limit: AUDIT_JOB_POLICY.retryLimit, expire: AUDIT_JOB_POLICY.expireInSeconds },
      ]);
      // the values themselves, so a policy quietly dropped to pg-boss's defaults (no heartbeat, 2 retries, 0 s delay) cannot pass
      expect(jobs[0]).toMatchObject({ heartbeat: 60, delay: 30, limit: 20 });
    } finally {
      await queue.stop({ graceful: false });
    }
  });
});
