// Tests the job queue on both backends (PGlite and a real PostgreSQL server): delivery, retries, idempotent sends, graceful stop, dead workers.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../db/index.ts';
import { describeEachDatabase } from '../db/testing.ts';
import { createQueue, queueDatabaseOf, type Queue, type QueueDatabase, type QueueJob } from './index.ts';

const FAST = { superviseIntervalSeconds: 1 } as const;
const POLL = { pollingIntervalSeconds: 0.5 } as const;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const queueName = (label: string) => `t.${label}.${process.pid}.${++seq}`;

describeEachDatabase('job queue', (t) => {
  let database: Database;
  let qdb: QueueDatabase;
  let queue: Queue;
  const extra: Queue[] = [];

  beforeAll(async () => {
    database = await t.open();
    qdb = queueDatabaseOf(database);
    queue = createQueue(qdb, FAST);
    await queue.start();
  });
  afterAll(async () => {
    for (const q of [queue, ...extra]) await q?.stop({ graceful: false });
  });

  const sql = async (text: string, values: unknown[] = []) => {
    if (database.pglite) return (await database.pglite.query<Record<string, unknown>>(text, values)).rows;
    const { default: postgres } = await import('postgres');
    const c = postgres(database.url!, { max: 1, onnotice: () => {} });
    try {
      return (await c.unsafe(text, values as never[])) as unknown as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  };

  it('keeps its tables in the pgboss schema, beside the service tables', async () => {
    const rows = await sql(`select table_name from information_schema.tables where table_schema = 'pgboss' and table_name in ('job', 'queue')`);
    expect(rows.map((r) => r.table_name).sort()).toEqual(['job', 'queue']);
  });

  it('delivers a job once and stores its output', async () => {
    const name = queueName('once');
    const id = await queue.send(name, { record: 'A001-WS·2024-Y-0001' });
    expect(await queue.depth(name)).toBe(1);
    const seen: QueueJob<{ record: string }>[] = [];
    await queue.work<{ record: string }>(name, POLL, async (job) => {
      seen.push(job);
      return { checked: job.data.record };
    });
    const done = await waitFor('completion', async () => {
      const j = await queue.getJob(name, id);
      return j?.state === 'completed' ? j : undefined;
    });
    expect(done.output).toEqual({ checked: 'A001-WS·2024-Y-0001' });
    await sleep(1200); // a few more polls: nothing runs it again
    expect(seen.map((j) => [j.id, j.retryCount, j.data])).toEqual([[id, 0, { record: 'A001-WS·2024-Y-0001' }]]);
    expect(await queue.depth(name)).toBe(0);
    expect(await queue.counts(name)).toEqual({ created: 0, retry: 0, active: 0, completed: 1, cancelled: 0, failed: 0 });
  });

  it('retries a failing handler with back-off, then marks the job failed', async () => {
    const name = queueName('retry');
    const attempts: { at: number; retryCount: number }[] = [];
    const id = await queue.send(name, { n: 1 }, { retryLimit: 2, retryDelay: 1, retryBackoff: true });
    await queue.work(name, POLL, async (job) => {
      attempts.push({ at: Date.now(), retryCount: job.retryCount });
      throw new Error(`校验失败 attempt ${job.retryCount}`);
    });
    const failed = await waitFor('the job to fail', async () => {
      const j = await queue.getJob(name, id);
      return j?.state === 'failed' ? j : undefined;
    });
    expect(attempts.map((a) => a.retryCount)).toEqual([0, 1, 2]);
    expect(failed.retryCount).toBe(2);
    expect(failed.output).toMatchObject({ message: '校验失败 attempt 2' });
    // back-off: about retryDelay * 2^n with jitter, so at least 1 s and then at least 2 s
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(900);
    expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(1900);
    await sleep(1000);
    expect(attempts).toHaveLength(3);
  });

  it('names every queue defined on the database, by any queue object', async () => {
    const a = queueName('named-a');
    const b = queueName('named-b');
    await queue.define(a);
    const other = createQueue(qdb, FAST);
    extra.push(other);
    await other.start();
    await other.send(b, {});
    const names = await queue.names();
    expect(names).toEqual(expect.arrayContaining([a, b]));
    expect([...names].sort()).toEqual(names);
  });

  it('makes sends with the same singletonKey idempotent', async () => {
    const name = queueName('idem');
    const a = await queue.send(name, { v: 1 }, { singletonKey: 'submission-42' });
    const b = await queue.send(name, { v: 2 }, { singletonKey: 'submission-42' });
    const c = await queue.send(name, { v: 3 }, { singletonKey: 'submission-43' });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(await queue.depth(name)).toBe(2);
    const runs: unknown[] = [];
    await queue.work(name, POLL, async (job) => {
      runs.push(job.data);
    });
    await waitFor('both jobs', async () => (await queue.getJob(name, c))?.state === 'completed' && (await queue.getJob(name, a))?.state === 'completed');
    expect(await queue.send(name, { v: 4 }, { singletonKey: 'submission-42' })).toBe(a); // finished, still not repeated
    await sleep(1200);
    expect(runs.sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))).toEqual([{ v: 1 }, { v: 3 }]);
  });

  it('queues a finished job of a key again only when asked to (replaceFinished), never one still waiting', async () => {
    const name = queueName('again');
    const first = await queue.send(name, { v: 1 }, { singletonKey: 'submission-7', retryLimit: 0 });
    // still waiting: replaceFinished keeps it, creates nothing
    expect(await queue.send(name, { v: 2 }, { singletonKey: 'submission-7', replaceFinished: true })).toBe(first);
    expect(await queue.depth(name)).toBe(1);
    const runs: unknown[] = [];
    await queue.work(name, POLL, async (job) => {
      runs.push(job.data);
      if ((job.data as { v: number }).v === 1) throw new Error('the last attempt fails');
    });
    await waitFor('the job to fail', async () => (await queue.getJob(name, first))?.state === 'failed');
    expect(await queue.send(name, { v: 3 }, { singletonKey: 'submission-7' })).toBe(first); // still the failed one
    await sleep(1200);
    expect(runs).toEqual([{ v: 1 }]);
    expect(await queue.send(name, { v: 4 }, { singletonKey: 'submission-7', replaceFinished: true })).toBe(first);
    await waitFor('the job queued again to complete', async () => (await queue.getJob(name, first))?.state === 'completed');
    expect(runs).toEqual([{ v: 1 }, { v: 4 }]);
  });

  it('stops gracefully: a running handler finishes and its job completes', async () => {
    const name = queueName('graceful');
    const worker = createQueue(qdb, FAST);
    extra.push(worker);
    await worker.start();
    let started = false;
    let finished = false;
    await worker.work(name, POLL, async () => {
      started = true;
      await sleep(1500);
      finished = true;
      return { ok: true };
    });
    const id = await queue.send(name, {});
    await waitFor('the handler to start', () => started);
    await worker.stop({ graceful: true, timeoutMs: 10_000 });
    expect(finished).toBe(true);
    expect(await queue.getJob(name, id)).toMatchObject({ state: 'completed', output: { ok: true } });
  });

  it('uses per-job results in a batch: one failure does not fail its neighbours', async () => {
    const name = queueName('batch');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await queue.send(name, { i }, { retryLimit: 0 }));
    await queue.work<{ i: number }>(name, { ...POLL, batchSize: 4 }, async (job) => {
      if (job.data.i === 2) throw new Error('bad one');
    });
    const states = await waitFor('the batch', async () => {
      const s = await Promise.all(ids.map(async (id) => (await queue.getJob(name, id))?.state));
      return s.every((x) => x === 'completed' || x === 'failed') ? s : undefined;
    });
    expect(states).toEqual(['completed', 'completed', 'failed', 'completed']);
  });

  if (t.kind === 'postgres') {
    it('hands the job of a SIGKILLed worker process to another worker after expireInSeconds', async () => {
      const name = queueName('expiry');
      const id = await queue.send(name, { file: 'big.zip' }, { expireInSeconds: 2, retryLimit: 1 });
      const { startedJob, claimedAt } = await killWorkerHolding(database.url!, name);
      expect(startedJob).toBe(`${id} 0`);
      expect((await queue.getJob(name, id))?.state).toBe('active'); // the dead worker still holds it
      const seen: { retryCount: number; at: number }[] = [];
      await queue.work(name, POLL, async (job) => {
        seen.push({ retryCount: job.retryCount, at: Date.now() });
      });
      await waitFor('the retried job', async () => (await queue.getJob(name, id))?.state === 'completed', 20_000);
      expect(seen.map((s) => s.retryCount)).toEqual([1]);
      expect(seen[0].at - claimedAt).toBeGreaterThanOrEqual(1800); // not before its 2 s expiry
    });

    it('hands the job of a SIGKILLed worker back after its heartbeat stops (long expiry)', async () => {
      const name = queueName('heartbeat');
      const id = await queue.send(name, {}, { expireInSeconds: 3600, heartbeatSeconds: 10, retryLimit: 1 });
      await killWorkerHolding(database.url!, name);
      const seen: number[] = [];
      await queue.work(name, POLL, async (job) => {
        seen.push(job.retryCount);
      });
      const job = await waitFor('the retried job', async () => {
        const j = await queue.getJob(name, id);
        return j?.state === 'completed' ? j : undefined;
      }, 40_000);
      expect(seen).toEqual([1]);
      expect(job.retryCount).toBe(1);
    });

    it('several workers on one database process each job exactly once', async () => {
      const name = queueName('many');
      const workers = [0, 1, 2].map(() => createQueue(qdb, FAST));
      extra.push(...workers);
      const count = new Map<string, number>();
      const byWorker = [0, 0, 0];
      await Promise.all(workers.map((w) => w.start()));
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) ids.push(await queue.send(name, { i }));
      await Promise.all(
        workers.map((w, k) =>
          w.work(name, { ...POLL, localConcurrency: 2, batchSize: 2 }, async (job) => {
            count.set(job.id, (count.get(job.id) ?? 0) + 1);
            byWorker[k]++;
            await sleep(30);
          }),
        ),
      );
      await waitFor('all jobs', async () => (await queue.depth(name)) === 0 && count.size === 60 && [...count.values()].every((n) => n === 1) && byWorker.reduce((a, b) => a + b) === 60);
      await sleep(1500);
      expect([...count.keys()].sort()).toEqual([...ids].sort());
      expect([...count.values()].every((n) => n === 1)).toBe(true);
      expect(byWorker.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
      const rows = await sql(`select state, count(*)::int as n from pgboss.job where name = $1 group by state`, [name]);
      expect(rows).toEqual([{ state: 'completed', n: 60 }]);
    });
  }
});

/** Starts a worker process on `name`, waits until it holds a job, SIGKILLs it. */
async function killWorkerHolding(url: string, name: string): Promise<{ startedJob: string; claimedAt: number }> {
  const script = fileURLToPath(new URL('./test-worker.ts', import.meta.url));
  const child = spawn(process.execPath, [script, url, name], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = once(child, 'exit');
  try {
    const line = await waitFor('the worker process to claim the job', () => {
      if (child.exitCode !== null) throw new Error(`worker exited early (${child.exitCode}): ${err}`);
      return /^started (.+)$/m.exec(out)?.[1];
    });
    const claimedAt = Date.now();
    child.kill('SIGKILL');
    await exited;
    return { startedJob: line, claimedAt };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
