// The ingest service: receive (stage + row + job), the workers (ingest, callback), resuming
// unfinished work at start, and metrics. Everything it touches is handed in.
import { and, eq, inArray, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { submissions } from '../db/schema.ts';
import { queueDefiner, type JobPolicy, type Queue } from '../jobs/index.ts';
import { deliverCallback } from './callbacks.ts';
import { createMetrics, renderMetrics, type IngestMetrics } from './metrics.ts';
import { isPermanent, processSubmission, recordFailure, type ProcessDeps, type ProcessOutcome } from './process.ts';
import { receivePackage, type ReceiveInput, type ReceiveResult } from './receive.ts';
import { sweepLeftovers, sweepOrphanStaging } from './staging-sweep.ts';

export const INGEST_QUEUE = 'ingest';
export const CALLBACK_QUEUE = 'callback';

export const DEFAULT_INGEST_POLICY: JobPolicy = { retryLimit: 8, retryDelay: 10, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 6 * 3600, heartbeatSeconds: 30 };
export const DEFAULT_CALLBACK_POLICY: JobPolicy = { retryLimit: 30, retryDelay: 10, retryBackoff: true, retryDelayMax: 3600, expireInSeconds: 120 };

export interface IngestServiceOptions extends Omit<ProcessDeps, 'metrics'> {
  /** The job queue; without one, submissions are processed only by process() (batch import). */
  queue?: Queue;
  metrics?: IngestMetrics;
  maxUploadBytes: number;
  policy?: { ingest?: JobPolicy; callback?: JobPolicy };
  /** Ingest jobs run at once in this process (default 2). */
  concurrency?: number;
  pollingIntervalSeconds?: number;
  fetch?: typeof fetch;
  /** How long a rejected or failed package stays staged (for a look at what was sent), hours; default 7 days. */
  stagingRetentionHours?: number;
  /** How old a staged object no submission refers to must be before it is removed, hours; default 24. */
  stagingOrphanGraceHours?: number;
}

export interface IngestService {
  readonly metrics: IngestMetrics;
  readonly maxUploadBytes: number;
  /** Stages the package and, when it is new, queues its job. */
  /**
   * Stages a package and records its submission; queued for the workers unless `queue: false` (the
   * caller processes it itself, as a receipt does: one process, never a worker beside it).
   */
  receive(input: Omit<ReceiveInput, 'maxBytes'> & { maxBytes?: number; queue?: boolean }): Promise<ReceiveResult>;
  /**
   * Processes one submission here and now (batch import, receipts, tests), recording a failure as
   * final; with `retry`, a failure that may pass is recorded as such and thrown (the caller's job retries).
   */
  process(id: string, opts?: { signal?: AbortSignal; retry?: boolean }): Promise<ProcessOutcome>;
  /** Starts this process's ingest and callback workers and queues any unfinished submission. */
  startWorkers(): Promise<void>;
  /** Queues every submission not yet final but receipts (their own queue: src/transfer), and undelivered callbacks; returns how many. */
  resumeUnfinished(): Promise<number>;
  renderMetrics(): Promise<string>;
  /**
   * Removes staged packages of submissions finished before the retention, and staged objects no
   * submission refers to (left by a crash between upload and row) once past their grace; returns how many.
   */
  sweepStaging(now?: Date): Promise<number>;
}

/** The defaults overridden; a cap on the back-off only when backing off (pg-boss refuses it otherwise). */
function policyOf(defaults: JobPolicy, over: JobPolicy | undefined): JobPolicy {
  const p = { ...defaults, ...over };
  if (!p.retryBackoff) delete p.retryDelayMax;
  return p;
}

export function createIngestService(opts: IngestServiceOptions): IngestService {
  const metrics = opts.metrics ?? createMetrics();
  const deps: ProcessDeps = { ...opts, metrics };
  const db: Db = opts.db;
  const ingestPolicy = policyOf(DEFAULT_INGEST_POLICY, opts.policy?.ingest);
  const callbackPolicy = policyOf(DEFAULT_CALLBACK_POLICY, opts.policy?.callback);

  // Policies set before the first send, also by a process without workers (serve --no-workers): see queueDefiner.
  const defineQueues = queueDefiner([
    [INGEST_QUEUE, ingestPolicy],
    [CALLBACK_QUEUE, callbackPolicy],
  ]);
  /** `resume`: the submission is unfinished though its job may have ended (its last retry killed): queue it again. */
  const enqueue = async (id: string, resume = false) => {
    if (!opts.queue) return;
    await defineQueues(opts.queue);
    await opts.queue.send(INGEST_QUEUE, { id }, { singletonKey: id, replaceFinished: resume });
  };
  const enqueueCallback = async (id: string) => {
    if (!opts.queue) return;
    await defineQueues(opts.queue);
    const [s] = await db.select({ url: submissions.callbackUrl }).from(submissions).where(eq(submissions.id, id));
    if (s?.url) await opts.queue.send(CALLBACK_QUEUE, { id }, { singletonKey: `callback:${id}` });
  };

  const service: IngestService = {
    metrics,
    maxUploadBytes: opts.maxUploadBytes,
    async receive(input) {
      const r = await receivePackage({ db, primary: opts.primary, onBytes: (n) => (metrics.bytesReceived += n) }, { ...input, maxBytes: input.maxBytes ?? opts.maxUploadBytes });
      if (r.kind === 'created' && input.queue !== false) await enqueue(r.submission.id);
      return r;
    },
    async process(id, o = {}) {
      try {
        return await processSubmission(deps, id, o.signal);
      } catch (e) {
        metrics.jobFailures++;
        const final = !o.retry || isPermanent(e);
        await recordFailure(deps, id, e, final);
        if (!final) throw e;
        const [s] = await db.select().from(submissions).where(eq(submissions.id, id));
        return s ? { status: 'failed', submission: s } : { status: 'gone' };
      }
    },
    async startWorkers() {
      const q = opts.queue;
      if (!q) throw new Error('ingest: workers need a queue');
      await defineQueues(q);
      const polling = { pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 1 };
      await q.work<{ id: string }>(INGEST_QUEUE, { ...polling, localConcurrency: opts.concurrency ?? 2 }, async (job) => {
        const id = job.data.id;
        // Which process took which submission (and which attempt): with many workers, the log says who.
        opts.log?.info({ submission: id, attempt: job.retryCount + 1 }, 'ingest attempt started');
        try {
          const out = await processSubmission(deps, id, job.signal);
          if (out.status !== 'gone') await enqueueCallback(id);
          return { status: out.status };
        } catch (e) {
          metrics.jobFailures++;
          const final = isPermanent(e) || job.retryCount >= (ingestPolicy.retryLimit ?? 2);
          opts.log?.warn({ submission: id, attempt: job.retryCount + 1, final, err: (e as Error).message }, 'ingest attempt failed');
          await recordFailure(deps, id, e, final);
          if (final) {
            await enqueueCallback(id);
            return { status: 'failed' };
          }
          throw e;
        }
      });
      await q.work<{ id: string }>(CALLBACK_QUEUE, polling, async (job) => {
        try {
          const outcome = await deliverCallback({ db, fetch: opts.fetch, now: opts.now }, job.data.id);
          if (outcome === 'delivered') metrics.callbacksDelivered++;
          return { outcome };
        } catch (e) {
          metrics.callbackFailures++;
          throw e;
        }
      });
      await service.resumeUnfinished();
      const sweep = () => void service.sweepStaging().catch((e: unknown) => opts.log?.warn({ err: (e as Error).message }, 'staging sweep failed'));
      sweep();
      setInterval(sweep, 3600_000).unref();
    },
    async sweepStaging(now = new Date()) {
      const before = new Date(now.getTime() - (opts.stagingRetentionHours ?? 7 * 24) * 3600_000);
      const old = await db
        .select({ id: submissions.id, key: submissions.stagingKey, status: submissions.status, updatedAt: submissions.updatedAt })
        .from(submissions)
        .where(and(inArray(submissions.status, ['archived', 'rejected', 'failed']), isNotNull(submissions.stagingKey)));
      let removed = 0;
      for (const s of old) {
        if (s.status !== 'archived' && s.updatedAt > before) continue;
        await opts.primary.delete(s.key!);
        await db.update(submissions).set({ stagingKey: null }).where(eq(submissions.id, s.id));
        removed++;
      }
      const orphans = await sweepOrphanStaging({ db, primary: opts.primary, log: opts.log }, { now, graceHours: opts.stagingOrphanGraceHours });
      const leftovers = await sweepLeftovers({ db, stores: [opts.primary, ...opts.backups], log: opts.log }, { now, graceHours: opts.stagingOrphanGraceHours });
      return removed + orphans.length + leftovers;
    },
    async resumeUnfinished() {
      // A receipt is resumed by the receipt jobs, which also write its 交接登记表.
      const open = await db
        .select({ id: submissions.id })
        .from(submissions)
        .where(and(inArray(submissions.status, ['received', 'checking', 'accepted']), ne(submissions.source, 'receipt')));
      for (const s of open) await enqueue(s.id, true);
      const calls = await db
        .select({ id: submissions.id })
        .from(submissions)
        .where(and(inArray(submissions.status, ['archived', 'rejected', 'failed']), isNotNull(submissions.callbackUrl), isNull(submissions.callbackDeliveredAt)));
      for (const s of calls) await enqueueCallback(s.id);
      return open.length + calls.length;
    },
    async renderMetrics() {
      const subs = await db
        .select({ status: submissions.status, verdict: submissions.verdict, n: sql<number>`count(*)::int` })
        .from(submissions)
        .groupBy(submissions.status, submissions.verdict);
      const [bytes] = await db.select({ n: sql<string | null>`sum(${submissions.packageSize})` }).from(submissions).where(eq(submissions.status, 'archived'));
      const queues = [];
      if (opts.queue) {
        // every queue on the database: a transfer or receipt waiting shows here too
        for (const name of [...new Set([INGEST_QUEUE, CALLBACK_QUEUE, ...(await opts.queue.names())])].sort()) {
          const c = await opts.queue.counts(name);
          queues.push({ name, depth: c.created + c.retry, active: c.active });
        }
      }
      return renderMetrics(metrics, { submissions: subs.map((r) => ({ ...r, n: Number(r.n) })), archivedBytes: Number(bytes?.n ?? 0), queues });
    },
  };
  return service;
}
