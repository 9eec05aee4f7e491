// The audit service: start a run now (queued for a worker, or here), run one to its end (the CLI),
// read a run's report, and the workers' schedule — every tick, each store's policy decides whether
// a run is due (and in its hours); unfinished runs are picked up again, so a killed worker's run resumes.
import { and, desc, eq } from 'drizzle-orm';
import { audits } from '../db/schema.ts';
import { queueDefiner, type Queue } from '../jobs/index.ts';
import { policyFor, runIntervalDays, withinHours } from './policy.ts';
import { auditReport, type AuditReport } from './report.ts';
import { createAudit, findRunningAudit, runAudit, type Audit, type AuditDeps, type AuditRequest, type RunOptions, type RunOutcome } from './run.ts';

export const AUDIT_QUEUE = 'audit';
export const AUDIT_TICK_QUEUE = 'audit-tick';
export const SCHEDULER = 'schedule';

/** A run's job: a killed worker's run moves on after its heartbeat stops; retried with back-off for a day. */
export const AUDIT_JOB_POLICY = { retryLimit: 20, retryDelay: 30, retryBackoff: true, retryDelayMax: 3600, expireInSeconds: 24 * 3600, heartbeatSeconds: 60 } as const;
/** A scheduling tick: never retried (the next tick comes anyway). */
export const AUDIT_TICK_POLICY = { retryLimit: 0, expireInSeconds: 600 } as const;

export interface AuditServiceOptions extends AuditDeps {
  queue?: Queue;
  tool: { name: string; version: string };
  /** How often workers look at the policies (default 300 s). */
  tickSeconds?: number;
  pollingIntervalSeconds?: number;
}

export interface AuditService {
  /** Creates a run and hands it to the workers (or, without a queue, runs it in the background here). */
  start(req: AuditRequest): Promise<Audit>;
  /** Resumes the running audit of the same scope, or creates one, and works on it until it ends here. */
  runNow(req: AuditRequest, opts?: RunOptions): Promise<RunOutcome & { resumed: boolean }>;
  get(id: string): Promise<Audit | undefined>;
  report(id: string): Promise<AuditReport | undefined>;
  /** One scheduling pass: resumes unfinished runs and starts the runs the policies say are due. */
  tick(): Promise<string[]>;
  /** Registers the audit and tick workers on the queue and starts the timer. */
  startWorkers(): Promise<void>;
  stop(): Promise<void>;
}

export function createAuditService(opts: AuditServiceOptions): AuditService {
  const { db } = opts;
  const clock = opts.now ?? (() => new Date());
  const tickMs = (opts.tickSeconds ?? 300) * 1000;
  let timer: NodeJS.Timeout | undefined;
  const background = new Set<Promise<unknown>>();

  // Policies set before the first send, also by a process without workers (serve --no-workers
  // answering POST /api/v1/audits): see queueDefiner.
  const defineQueues = queueDefiner([
    [AUDIT_QUEUE, AUDIT_JOB_POLICY],
    [AUDIT_TICK_QUEUE, AUDIT_TICK_POLICY],
  ]);

  const enqueue = async (id: string, scheduled: boolean) => {
    if (!opts.queue) {
      const p = runAudit(opts, id, { respectHours: scheduled })
        .catch((e: unknown) => opts.log?.warn({ audit: id, err: (e as Error).message }, 'audit failed'))
        .finally(() => background.delete(p));
      background.add(p);
      return;
    }
    // One job per run and tick window: a run paused outside its hours is queued again later.
    await defineQueues(opts.queue);
    await opts.queue.send(AUDIT_QUEUE, { id, scheduled }, { singletonKey: `${id}:${Math.floor(clock().getTime() / tickMs)}` });
  };

  const service: AuditService = {
    async start(req) {
      const a = await createAudit(opts, req);
      await enqueue(a.id, false);
      return a;
    },
    async runNow(req, runOpts = {}) {
      const existing = await findRunningAudit(db, req);
      const a = existing ?? (await createAudit(opts, req));
      const out = await runAudit(opts, a.id, runOpts);
      return { ...out, resumed: !!existing };
    },
    async get(id) {
      const [a] = await db.select().from(audits).where(eq(audits.id, id));
      return a;
    },
    report(id) {
      return auditReport(db, id, opts.tool, opts.stores[0]?.name);
    },
    async tick() {
      const now = clock();
      const queued: string[] = [];
      const running = await db.select().from(audits).where(eq(audits.status, 'running'));
      for (const a of running) {
        await enqueue(a.id, a.requestedBy === SCHEDULER);
        queued.push(a.id);
      }
      for (const store of opts.stores) {
        const policy = policyFor(opts.policies, store.name);
        if (!withinHours(policy, now, opts.policies.timezone)) continue;
        if (running.some((a) => a.store === store.name && a.requestedBy === SCHEDULER)) continue;
        const [last] = await db
          .select({ startedAt: audits.startedAt })
          .from(audits)
          .where(and(eq(audits.store, store.name), eq(audits.requestedBy, SCHEDULER)))
          .orderBy(desc(audits.startedAt))
          .limit(1);
        const dueMs = runIntervalDays(policy) * 86_400_000;
        if (last && now.getTime() - last.startedAt.getTime() < dueMs) continue;
        const a = await createAudit(opts, { store: store.name, samplePercent: policy.sharePerRun, repair: policy.repair, requestedBy: SCHEDULER });
        await enqueue(a.id, true);
        queued.push(a.id);
      }
      return queued;
    },
    async startWorkers() {
      const q = opts.queue;
      if (!q) throw new Error('audit: workers need a queue');
      await defineQueues(q);
      const polling = { pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 2 };
      await q.work<{ id: string; scheduled: boolean }>(AUDIT_QUEUE, polling, async (job) => {
        const out = await runAudit(opts, job.data.id, { signal: job.signal, respectHours: job.data.scheduled });
        return { status: out.status };
      });
      await q.work(AUDIT_TICK_QUEUE, polling, async () => ({ queued: await service.tick() }));
      // Every worker ticks; the singleton key lets one tick per window through.
      const sendTick = () =>
        q.send(AUDIT_TICK_QUEUE, {}, { singletonKey: `tick:${Math.floor(clock().getTime() / tickMs)}` }).catch((e: unknown) => opts.log?.warn({ err: (e as Error).message }, 'audit tick'));
      await sendTick();
      timer = setInterval(() => void sendTick(), tickMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await Promise.allSettled([...background]);
    },
  };
  return service;
}
