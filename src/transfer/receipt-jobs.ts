// Receipts as durable jobs: POST /api/v1/receipts stages the package and queues it here; a worker
// settles it (check at YJ, archive, 交接登记表). Receipts left unsettled by a crash — not yet final,
// or archived without their 交接登记表 — are taken up when the workers start, then hourly.
import { queueDefiner, type JobPolicy, type Queue } from '../jobs/index.ts';
import { settleReceipt, stageReceipt, unsettledReceipts, type ReceiptDeps, type ReceiptInput, type StagedReceipt } from './receive.ts';

export const RECEIPT_QUEUE = 'receipt';
/** As an ingest job (a receipt is one): a dead worker's job moves on after its heartbeat stops; retried with back-off. */
export const DEFAULT_RECEIPT_POLICY: JobPolicy = { retryLimit: 8, retryDelay: 10, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 6 * 3600, heartbeatSeconds: 30 };

export interface ReceiptJobs {
  /** Stages the package and queues its settling; needs the queue. */
  request(input: ReceiptInput): Promise<StagedReceipt>;
  /** Starts this process's receipt workers and takes up unsettled receipts (now and hourly). */
  startWorkers(): Promise<void>;
  /** Queues every receipt not yet final; settles here those final but unfinished (no 交接登记表 yet); returns how many. */
  resume(): Promise<number>;
}

export interface ReceiptJobOptions extends ReceiptDeps {
  queue?: Queue;
  /** Overrides of DEFAULT_RECEIPT_POLICY (the configured heartbeat and retry delay). */
  policy?: JobPolicy;
  pollingIntervalSeconds?: number;
  log?: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
}

export function createReceiptJobs(deps: ReceiptJobOptions): ReceiptJobs {
  const policy: JobPolicy = { ...DEFAULT_RECEIPT_POLICY, ...deps.policy };
  if (!policy.retryBackoff) delete policy.retryDelayMax;
  const define = queueDefiner([[RECEIPT_QUEUE, policy]]);
  /** `resume`: the receipt is unfinished though its job may have ended (its last retry killed): queue it again. */
  const enqueue = async (id: string, resume = false) => {
    const q = deps.queue;
    if (!q) throw new Error('receipt: queuing needs the job queue');
    await define(q);
    await q.send(RECEIPT_QUEUE, { id }, { singletonKey: id, replaceFinished: resume });
  };
  const jobs: ReceiptJobs = {
    async request(input) {
      if (!deps.queue) throw new Error('receipt: queuing needs the job queue');
      const r = await stageReceipt(deps, input);
      // a replay (same Idempotency-Key and bytes) queues nothing new while its job is in the table
      if (r.kind === 'staged' || r.kind === 'existing') await enqueue(r.submission.id);
      return r;
    },
    async startWorkers() {
      const q = deps.queue;
      if (!q) throw new Error('receipt: workers need a queue');
      await define(q);
      await q.work<{ id: string }>(RECEIPT_QUEUE, { pollingIntervalSeconds: deps.pollingIntervalSeconds ?? 1 }, async (job) => {
        const id = job.data.id;
        deps.log?.info({ submission: id, attempt: job.retryCount + 1 }, 'receipt attempt started');
        try {
          // the last attempt ends the submission as failed rather than throwing
          const out = await settleReceipt(deps, id, { signal: job.signal, retry: job.retryCount < (policy.retryLimit ?? 2) });
          if (out.status === 'failed') deps.log?.warn({ submission: id, reason: out.reason }, 'receipt failed');
          return { status: out.status };
        } catch (e) {
          deps.log?.warn({ submission: id, attempt: job.retryCount + 1, err: (e as Error).message }, 'receipt attempt failed');
          throw e;
        }
      });
      const resume = () => void jobs.resume().catch((e: unknown) => deps.log?.warn({ err: (e as Error).message }, 'receipt resume failed'));
      await jobs.resume().catch((e: unknown) => deps.log?.warn({ err: (e as Error).message }, 'receipt resume failed'));
      setInterval(resume, 3600_000).unref();
    },
    async resume() {
      const open = await unsettledReceipts(deps.db);
      for (const s of open) {
        if (s.status === 'archived' || s.status === 'rejected' || s.status === 'failed') {
          // Only the 交接登记表 or the cleanup is left: done here (idempotent, under the receipt's lock),
          // so a receipt whose job already finished is not left waiting for that job's key to expire.
          try {
            await settleReceipt(deps, s.id);
            deps.log?.info({ submission: s.id, status: s.status }, 'receipt settled after a restart');
          } catch (e) {
            deps.log?.warn({ submission: s.id, err: (e as Error).message }, 'could not settle the receipt; tried again within the hour');
          }
        } else await enqueue(s.id, true);
      }
      return open.length;
    },
  };
  return jobs;
}
