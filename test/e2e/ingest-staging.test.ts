// Orphaned staging objects: an upload that reached staging/<id> in the primary store when the process
// died before the submission's row was written. The sweep removes such an object once it is older
// than the grace period, keeps staged packages a submission refers to, logs what it removed, and runs
// when the workers start. On the file store and on S3 (s3rver), with PGlite and PostgreSQL. The same
// sweep removes, in every store, pending copies of finished submissions and temporary objects of
// writes a crash cut short.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadProfile } from '../../src/config/profile.ts';
import { submissions } from '../../src/db/schema.ts';
import { describeEachDatabase } from '../../src/db/testing.ts';
import { createIngestService, stagingKey, type IngestServiceOptions } from '../../src/ingest/index.ts';
import { createQueue, queueDatabaseOf } from '../../src/jobs/index.ts';
import { createNoScanner } from '../../src/scan/index.ts';
import type { ObjectStore } from '../../src/store/index.ts';
import { listAll, openTestStore, startS3rver, waitFor, type S3Server } from './ingest-support.ts';

const SAMPLE = readFileSync(join(import.meta.dirname, '..', '..', 'packages-samples', 'valid.zip'));
const work = mkdtempSync(join(tmpdir(), 'dangan-staging-'));
let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3rver(['staging-bucket']);
});
afterAll(async () => {
  await s3?.stop();
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
const STORES: [string, () => ObjectStore][] = [
  ['file store', () => openTestStore(pathToFileURL(join(work, `fs-${++n}`)).href, 'primary')],
  ['s3rver', () => openTestStore(`s3://staging-bucket/run-${process.pid}-${++n}`, 'primary', s3.endpoint)],
];

/** A log that keeps what was said. */
function memoryLog() {
  const lines: { level: string; o: Record<string, unknown>; m?: string }[] = [];
  return {
    lines,
    info: (o: object, m?: string) => void lines.push({ level: 'info', o: o as Record<string, unknown>, m }),
    warn: (o: object, m?: string) => void lines.push({ level: 'warn', o: o as Record<string, unknown>, m }),
  };
}

/** An ingest service over these stores (the first is the primary) without a queue. */
async function serviceOptions(db: IngestServiceOptions['db'], [primary, ...backups]: ObjectStore[], log: ReturnType<typeof memoryLog>): Promise<IngestServiceOptions> {
  return {
    db,
    primary,
    backups,
    scanner: createNoScanner(),
    profile: await loadProfile(undefined),
    tmpDir: join(work, `tmp-${++n}`),
    tool: { name: 'dangan', version: 'test' },
    actor: 'worker:test',
    log,
    maxUploadBytes: 1 << 30,
  };
}

/** Leaves what a crash after the upload's last byte leaves: the staged object, and no row. */
async function crashAfterUpload(primary: ObjectStore): Promise<string> {
  const key = stagingKey(randomUUID());
  await primary.put([SAMPLE], { key });
  return key;
}

describeEachDatabase('staging sweep', (t) => {
  for (const [label, makeStore] of STORES) {
    it(`removes orphaned staging objects past the grace, keeps referenced ones, logs them (${label})`, async () => {
      const database = await t.open();
      const primary = makeStore();
      const log = memoryLog();
      const base = await serviceOptions(database.db, [primary], log);
      const ingest = createIngestService({ ...base, stagingOrphanGraceHours: 2 });
      // A real submission waiting in staging (no queue: nobody processes it).
      const received = await ingest.receive({ body: (async function* () { yield SAMPLE; })(), source: 'offline', submitter: 'system' });
      expect(received.kind).toBe('created');
      const kept = received.kind === 'created' ? received.submission.stagingKey! : '';
      const orphan = await crashAfterUpload(primary);
      expect(await listAll(primary, 'staging/')).toEqual([kept, orphan].sort());

      // Young: an upload whose row may still be on its way is left alone.
      expect(await ingest.sweepStaging(new Date(Date.now() + 3600_000))).toBe(0);
      expect(await listAll(primary, 'staging/')).toEqual([kept, orphan].sort());

      // Past the grace: the orphan goes, the submission's staged package stays.
      expect(await ingest.sweepStaging(new Date(Date.now() + 3 * 3600_000))).toBe(1);
      expect(await listAll(primary, 'staging/')).toEqual([kept]);
      expect(log.lines.filter((l) => l.level === 'warn').map((l) => ({ key: l.o.key, size: l.o.size, store: l.o.store }))).toEqual([
        { key: orphan, size: SAMPLE.length, store: 'primary' },
      ]);
      expect(log.lines[0].m).toMatch(/暂存/);

      // At start-up of the workers (serve, worker) the sweep runs by itself.
      const second = await crashAfterUpload(primary);
      const queue = createQueue(queueDatabaseOf(database), { superviseIntervalSeconds: 1, onError: () => {} });
      await queue.start();
      try {
        const workers = createIngestService({ ...base, queue, stagingOrphanGraceHours: 0, pollingIntervalSeconds: 0.5 });
        await new Promise((r) => setTimeout(r, 1100)); // the object must be older than "now" at whole-second mtime resolution
        await workers.startWorkers();
        await waitFor('the start-up sweep', async () => ((await listAll(primary, 'staging/')).includes(second) ? undefined : true), 30_000);
      } finally {
        await queue.stop({ graceful: false, timeoutMs: 2000 });
      }
      expect(log.lines.some((l) => l.o.key === second)).toBe(true);
    });
  }

  it('removes pending copies of finished submissions and temporary objects of interrupted writes, in every store', async () => {
    const database = await t.open();
    const roots = [join(work, `lp-${++n}`), join(work, `lb-${++n}`)];
    const [primary, backup] = roots.map((r, i) => openTestStore(pathToFileURL(r).href, i === 0 ? 'primary' : 'backup'));
    const log = memoryLog();
    const ingest = createIngestService({ ...(await serviceOptions(database.db, [primary, backup], log)), stagingOrphanGraceHours: 2 });
    const receive = async () => {
      const r = await ingest.receive({ body: (async function* () { yield SAMPLE; })(), source: 'offline', submitter: 'system' });
      if (r.kind !== 'created') throw new Error(r.kind);
      return r.submission.id;
    };
    const running = await receive();
    const finished = await receive();
    await database.db.update(submissions).set({ status: 'failed' }).where(eq(submissions.id, finished));
    const unknown = randomUUID();
    for (const store of [primary, backup]) {
      for (const id of [running, finished, unknown]) await store.put([Buffer.from(`copy of ${id}`)], { key: `pending/${id}/a1b2/0` });
    }
    // what a put killed after its write leaves in each store's temporary area
    for (const r of roots) {
      mkdirSync(join(r, '.tmp'), { recursive: true });
      writeFileSync(join(r, '.tmp', randomUUID()), 'half-written');
    }

    // Young: nothing goes.
    await ingest.sweepStaging(new Date(Date.now() + 3600_000));
    for (const store of [primary, backup]) expect(await listAll(store, 'pending/')).toHaveLength(3);
    // Past the grace: the running submission's copies stay, the rest go, in both stores.
    await ingest.sweepStaging(new Date(Date.now() + 3 * 3600_000));
    for (const store of [primary, backup]) expect(await listAll(store, 'pending/'), store.name).toEqual([`pending/${running}/a1b2/0`]);
    for (const r of roots) expect(readdirSync(join(r, '.tmp'))).toEqual([]);
    const said = log.lines.filter((l) => l.level === 'warn').map((l) => `${l.o.store} ${l.o.submission ?? `temporary ${l.o.objects}`}`);
    expect(said.sort()).toEqual([`backup ${finished}`, `backup ${unknown}`, 'backup temporary 1', `primary ${finished}`, `primary ${unknown}`, 'primary temporary 1'].sort());
  });
});
