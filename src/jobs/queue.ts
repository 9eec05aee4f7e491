// The durable job queue: a thin port over pg-boss (PGlite or PostgreSQL) so services never import pg-boss.
import { createHash } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import { PgBoss, fromPglite, type ConstructorOptions, type JobResult, type SendOptions as BossSendOptions } from 'pg-boss';

/** The database the queue lives in; the shape `openDatabase()` of src/db returns. */
export type QueueDatabase =
  | { kind: 'postgres'; url: string; /** connection pool size, default 10 */ max?: number }
  | { kind: 'pglite'; pglite: PGlite };

export interface QueueSettings {
  /** The schema for pg-boss's tables. Default `pgboss`. */
  schema?: string;
  /**
   * How often this instance looks for jobs whose worker died (past `expireInSeconds`, or no
   * heartbeat for `heartbeatSeconds`) and hands them back for retry. Default 60 s.
   */
  superviseIntervalSeconds?: number;
  /** Run the supervisor (expiry, retention) in this instance. Default true. */
  supervise?: boolean;
  /** pg-boss's background errors (a lost connection, a failed maintenance pass). Default: a process warning. */
  onError?: (err: Error) => void;
}

/** How jobs of one queue behave; set with `define()`, overridable per `send()`. */
export interface JobPolicy {
  /** Retries after the first attempt before the job is marked failed. pg-boss default 2. */
  retryLimit?: number;
  /** Seconds before a retry (the base of the back-off with `retryBackoff`). Default 0. */
  retryDelay?: number;
  /** Exponential back-off with jitter: about `retryDelay * 2^retryCount`. */
  retryBackoff?: boolean;
  /** Cap on the back-off delay, seconds. */
  retryDelayMax?: number;
  /** Longest a job may stay active (its handler running, or its worker dead) before it is retried or failed. Default 900. */
  expireInSeconds?: number;
  /** Workers refresh a heartbeat every half of this; a job whose heartbeat stops for this long is retried. ≥ 10; off by default. */
  heartbeatSeconds?: number;
  /** How long finished jobs stay in the table (and keep a singletonKey taken). Default 7 days. */
  deleteAfterSeconds?: number;
}

export interface SendOptions extends JobPolicy {
  /**
   * Makes the send idempotent: the job id is derived from the queue name and this key, so sending
   * again with the same key returns the same id and creates nothing while that job is still in the
   * table (any state, until `deleteAfterSeconds` after it finished).
   */
  singletonKey?: string;
  /**
   * With `singletonKey`: a job of that key that already finished (completed, failed — its last retry
   * killed with its process —, cancelled) is removed first, so the work is queued again. For
   * resuming work the database says is unfinished; a job still waiting or running is kept.
   */
  replaceFinished?: boolean;
  /** Not before this time (a Date) or this many seconds from now. */
  startAfter?: Date | number;
  priority?: number;
}

export interface WorkOptions {
  /** Jobs fetched at a time per worker; each job still succeeds or fails on its own. Default 1. */
  batchSize?: number;
  /** Idle poll interval, seconds (≥ 0.5). Default 2. */
  pollingIntervalSeconds?: number;
  /** Workers polling this queue in this process. Default 1. */
  localConcurrency?: number;
}

export interface QueueJob<T> {
  id: string;
  name: string;
  data: T;
  /** 0 on the first attempt, then 1, 2, … */
  retryCount: number;
  /** Aborted when the job's claim is lost (expired, taken by another worker) or the queue stops. */
  signal: AbortSignal;
}

/** Resolve to complete the job (an object return value is stored as its output); throw to fail this attempt. */
export type JobHandler<T> = (job: QueueJob<T>) => Promise<object | void>;

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

export interface JobInfo {
  id: string;
  name: string;
  state: JobState;
  retryCount: number;
  data: unknown;
  output: unknown;
  createdOn: Date;
  completedOn: Date | null;
}

export interface Queue {
  start(): Promise<void>;
  /** Stops fetching; with `graceful` (default) waits up to `timeoutMs` (default 30 s) for running handlers. */
  stop(opts?: { graceful?: boolean; timeoutMs?: number }): Promise<void>;
  /** Creates the queue if needed and sets its policy. `send` and `work` create undeclared queues with defaults. */
  define(name: string, policy?: JobPolicy): Promise<void>;
  /** Enqueues a job and returns its id (with `singletonKey`, the id of the job already there if any). */
  send<T extends object>(name: string, data: T, opts?: SendOptions): Promise<string>;
  /** Starts workers for a queue; returns the worker id. */
  work<T>(name: string, opts: WorkOptions, handler: JobHandler<T>): Promise<string>;
  /** Stops this process's workers of a queue (waiting for their current jobs). */
  stopWork(name: string): Promise<void>;
  /** Jobs waiting to run (created or waiting for a retry), for metrics. */
  depth(name: string): Promise<number>;
  /** Jobs of a queue still in the table, per state, for metrics (finished jobs until they are deleted). */
  counts(name: string): Promise<Record<JobState, number>>;
  getJob(name: string, id: string): Promise<JobInfo | null>;
  /** Every queue defined on this database (by any process: ingest, callbacks, transfers, receipts, audits), by name. */
  names(): Promise<string[]>;
}

const QUEUE_DEFAULTS_SCHEMA = 'pgboss';

export function createQueue(db: QueueDatabase, settings: QueueSettings = {}): Queue {
  const schema = settings.schema ?? QUEUE_DEFAULTS_SCHEMA;
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`jobs: invalid schema name ${JSON.stringify(schema)}`);
  const common: ConstructorOptions = {
    schema,
    supervise: settings.supervise ?? true,
    superviseIntervalSeconds: settings.superviseIntervalSeconds ?? 60,
    monitorIntervalSeconds: settings.superviseIntervalSeconds ?? 60,
    schedule: false,
  };
  const boss =
    db.kind === 'pglite'
      ? new PgBoss({ ...common, backend: 'pglite', db: fromPglite(db.pglite) })
      : new PgBoss({ ...common, connectionString: db.url, max: db.max ?? 10, application_name: 'dangan-jobs' });
  const onError = settings.onError ?? ((err: Error) => process.emitWarning(err));
  boss.on('error', onError);

  const known = new Set<string>();
  const ensure = async (name: string) => {
    if (known.has(name)) return;
    await boss.createQueue(name); // idempotent: ON CONFLICT DO NOTHING
    known.add(name);
  };

  return {
    async start() {
      await boss.start();
    },
    async stop(opts = {}) {
      // close: pg-boss closes the pool it opened for PostgreSQL; a PGlite instance belongs to the caller.
      await boss.stop({ graceful: opts.graceful ?? true, timeout: opts.timeoutMs ?? 30_000, close: true });
    },
    async define(name, policy = {}) {
      await boss.createQueue(name, policy);
      if (Object.keys(policy).length) await boss.updateQueue(name, policy);
      known.add(name);
    },
    async send(name, data, opts = {}) {
      await ensure(name);
      const { singletonKey, replaceFinished, ...rest } = opts;
      const options: BossSendOptions = { ...rest };
      if (singletonKey !== undefined) {
        options.id = keyedJobId(name, singletonKey);
        options.singletonKey = singletonKey;
        if (replaceFinished)
          await boss
            .getDb()
            .executeSql(`DELETE FROM ${schema}.job WHERE name = $1 AND id = $2 AND state IN ('completed', 'failed', 'cancelled')`, [name, options.id]);
      }
      const id = await boss.send(name, data, options);
      if (id) return id;
      // Not inserted: with a key that means the job with this id is already there; make sure of it.
      if (options.id && (await boss.getJobById(name, options.id))) return options.id;
      throw new Error(`jobs: pg-boss did not create a job in queue ${name} (a queue policy refused it?)`);
    },
    async work<T>(name: string, opts: WorkOptions, handler: JobHandler<T>) {
      await ensure(name);
      return boss.work<T>(name, { ...opts, perJobResults: true }, async (jobs) =>
        Promise.all(
          jobs.map(async (job): Promise<JobResult> => {
            try {
              const output = await handler({ id: job.id, name: job.name, data: job.data, retryCount: job.retryCount, signal: job.signal });
              return { id: job.id, status: 'completed', output: output ?? undefined };
            } catch (err) {
              return { id: job.id, status: 'failed', output: describeError(err) };
            }
          }),
        ),
      );
    },
    async stopWork(name) {
      await boss.offWork(name, { wait: true });
    },
    async names() {
      return (await boss.getQueues()).map((q) => q.name).sort();
    },
    async depth(name) {
      const { rows } = await boss
        .getDb()
        .executeSql(`SELECT count(*)::int AS n FROM ${schema}.job WHERE name = $1 AND state IN ('created', 'retry')`, [name]);
      return Number(rows[0]?.n ?? 0);
    },
    async counts(name) {
      const { rows } = await boss
        .getDb()
        .executeSql(`SELECT state::text AS state, count(*)::int AS n FROM ${schema}.job WHERE name = $1 GROUP BY state`, [name]);
      const out: Record<JobState, number> = { created: 0, retry: 0, active: 0, completed: 0, cancelled: 0, failed: 0 };
      for (const r of rows as { state: JobState; n: number }[]) out[r.state] = Number(r.n);
      return out;
    },
    async getJob(name, id) {
      const job = await boss.getJobById(name, id);
      if (!job) return null;
      return {
        id: job.id,
        name: job.name,
        state: job.state,
        retryCount: job.retryCount,
        data: job.data,
        output: job.output,
        createdOn: job.createdOn,
        completedOn: job.completedOn,
      };
    },
  };
}

/** A UUID (version-5 layout) from the queue name and an idempotency key. */
export function keyedJobId(name: string, key: string): string {
  const h = createHash('sha256').update(`dangan-job\0${name}\0${key}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function describeError(err: unknown): object {
  if (err instanceof Error) return { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  return { message: String(err) };
}
