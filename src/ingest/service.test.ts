// The ingest service's queue policy reaches every job, also one queued by a process that runs no
// workers (`dangan serve --no-workers`) before any worker has started: a job keeps the policy it
// was created with, and one created under pg-boss's defaults would carry no heartbeat, so a job of
// a killed worker would wait for the 15-minute expiry instead of moving on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, expect, it } from 'vitest';
import { loadProfile } from '../config/profile.ts';
import { rowsOf } from '../db/index.ts';
import { describeEachDatabase } from '../db/testing.ts';
import { createQueue, keyedJobId, queueDatabaseOf } from '../jobs/index.ts';
import { createNoScanner } from '../scan/index.ts';
import { openStore } from '../store/index.ts';
import { createIngestService, INGEST_QUEUE } from './service.ts';

const dir = mkdtempSync(join(tmpdir(), 'dangan-ingest-service-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEachDatabase('ingest service queue policy', (t) => {
  it('creates jobs with the configured heartbeat and retry delay though no worker has defined the queue', async () => {
    const database = await t.open();
    const queue = createQueue(queueDatabaseOf(database), { onError: () => {} });
    await queue.start();
    try {
      const service = createIngestService({
        db: database.db,
        primary: openStore(pathToFileURL(join(dir, `store-${t.kind}`)).href, { name: 'primary', createIfMissing: true }),
        backups: [],
        scanner: createNoScanner(),
        profile: await loadProfile(undefined),
        tmpDir: join(dir, 'tmp'),
        tool: { name: 'dangan', version: 'test' },
        actor: 'api:test',
        queue,
        maxUploadBytes: 1 << 20,
        policy: { ingest: { heartbeatSeconds: 12, retryDelay: 3 } },
      });
      // No startWorkers(): this process only receives.
      const body = (async function* () {
        yield Buffer.from('PK not really a zip: it is never processed here');
      })();
      const r = await service.receive({ body, source: 'online', submitter: 'system' });
      expect(r.kind).toBe('created');
      const id = r.kind === 'created' ? r.submission.id : '';
      const [job] = rowsOf<{ heartbeat: number; delay: number; backoff: boolean; limit: number }>(
        await database.db.execute(
          sql`select heartbeat_seconds::int as heartbeat, retry_delay::int as delay, retry_backoff as backoff, retry_limit::int as limit from pgboss.job where name = ${INGEST_QUEUE} and id = ${keyedJobId(INGEST_QUEUE, id)}::uuid`,
        ),
      );
      expect(job).toEqual({ heartbeat: 12, delay: 3, backoff: true, limit: 8 });

      // A receipt's package is processed by its receiver alone, at stage YJ from its first row: no
      // job, so no worker checks it at another stage or beside the receiver.
      const own = await service.receive({ body: (async function* () { yield Buffer.from('PK a receipt'); })(), source: 'receipt', submitter: 'system', stage: 'transfer', queue: false });
      if (own.kind !== 'created') throw new Error(own.kind);
      expect(own.submission.stage).toBe('transfer');
      const jobs = rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from pgboss.job where name = ${INGEST_QUEUE} and id = ${keyedJobId(INGEST_QUEUE, own.submission.id)}::uuid`));
      expect(jobs).toEqual([{ n: 0 }]);
    } finally {
      await queue.stop({ graceful: false });
    }
  });
});
