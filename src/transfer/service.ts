// The transfer service as the CLI and the HTTP routes use it: request a transfer (a durable job on
// the queue) or build one here and now, look it up, open its package, receive one.
import { inArray } from 'drizzle-orm';
import { transfers } from '../db/schema.ts';
import type { IngestService } from '../ingest/index.ts';
import type { JobPolicy, Queue } from '../jobs/index.ts';
import { buildTransfer, createTransfer, failTransfer, getTransfer, openTransferPackage, requestTransfer, TransferRequestError, type Transfer, type TransferDeps, type TransferOutcome, type TransferRequest } from './build.ts';
import { createReceiptJobs } from './receipt-jobs.ts';
import { getReceipt, openHandover, receiveTransfer, type ReceiptInput, type ReceiptOutcome, type ReceiptView, type StagedReceipt } from './receive.ts';

export const TRANSFER_QUEUE = 'transfer';
/** A build that dies (kill -9, a lost machine) is retried once its heartbeat stops; a build that keeps failing is recorded as failed. */
export const DEFAULT_TRANSFER_POLICY: JobPolicy = { retryLimit: 3, retryDelay: 10, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 12 * 3600, heartbeatSeconds: 30 };

export interface TransferService {
  /** Builds here and now (the CLI): the transfer as recorded once stored or failed. */
  create(req: TransferRequest): Promise<TransferOutcome>;
  /** Records the transfer as pending and queues its build (the API); needs a queue. */
  request(req: TransferRequest): Promise<Transfer>;
  get(id: string): Promise<Transfer | undefined>;
  /** The stored package's bytes (from the first store holding a copy); undefined when not stored. */
  open(id: string): ReturnType<typeof openTransferPackage>;
  /** Receives a transfer package here and now (the CLI): its verdict and, when archived, the 交接登记表. */
  receive(input: ReceiptInput): Promise<ReceiptOutcome>;
  /** Stages a transfer package and queues its check, archiving and 交接登记表 (the API); needs a queue. */
  requestReceipt(input: ReceiptInput): Promise<StagedReceipt>;
  getReceipt(id: string): Promise<ReceiptView | undefined>;
  /** A receipt's 交接登记表 (or its seal) once written. */
  openHandover(id: string, part?: 'xml' | 'seal'): Promise<Buffer | undefined>;
  /** Starts this process's transfer and receipt workers and queues every transfer or receipt not yet finished (after a crash). */
  startWorkers(): Promise<void>;
}

export interface TransferServiceOptions extends TransferDeps {
  ingest: IngestService;
  queue?: Queue;
  policy?: JobPolicy;
  pollingIntervalSeconds?: number;
}

export function createTransferService(deps: TransferServiceOptions): TransferService {
  const policy: JobPolicy = { ...DEFAULT_TRANSFER_POLICY, ...deps.policy };
  if (!policy.retryBackoff) delete policy.retryDelayMax; // pg-boss refuses a cap without back-off
  let defined: Promise<void> | undefined;
  const define = (q: Queue) =>
    (defined ??= q.define(TRANSFER_QUEUE, policy).catch((e: unknown) => {
      defined = undefined;
      throw e;
    }));
  const enqueue = async (id: string) => {
    const q = deps.queue;
    if (!q) throw new Error('transfer: queuing a build needs the job queue');
    await define(q);
    await q.send(TRANSFER_QUEUE, { id }, { singletonKey: id });
  };
  const receipts = createReceiptJobs(deps);
  return {
    create: (req) => createTransfer(deps, req),
    async request(req) {
      const t = await requestTransfer(deps, req);
      await enqueue(t.id);
      return t;
    },
    get: (id) => getTransfer(deps.db, id),
    open: (id) => openTransferPackage(deps, id),
    receive: (input) => receiveTransfer(deps, input),
    requestReceipt: (input) => receipts.request(input),
    getReceipt: (id) => getReceipt(deps.db, id),
    openHandover: (id, part) => openHandover(deps, id, part),
    async startWorkers() {
      const q = deps.queue;
      if (!q) throw new Error('transfer: workers need a queue');
      await define(q);
      await q.work<{ id: string }>(TRANSFER_QUEUE, { pollingIntervalSeconds: deps.pollingIntervalSeconds ?? 1 }, async (job) => {
        const id = job.data.id;
        try {
          const out = await buildTransfer(deps, id, { signal: job.signal, attempt: job.retryCount });
          return { status: out.transfer.status };
        } catch (e) {
          const final = e instanceof TransferRequestError || job.retryCount >= (policy.retryLimit ?? 2);
          deps.log?.warn({ transfer: id, attempt: job.retryCount + 1, final, err: (e as Error).message }, 'transfer attempt failed');
          if (final) {
            await failTransfer(deps, id, `移交信息包生成失败 (building the package failed after ${job.retryCount + 1} attempts): ${(e as Error).message}`);
            return { status: 'failed' };
          }
          throw e;
        }
      });
      // transfers left unfinished (their job lost with the table, or never queued): queued again;
      // one whose job is still there keeps it (same key)
      const open = await deps.db.select({ id: transfers.id }).from(transfers).where(inArray(transfers.status, ['pending', 'building']));
      for (const t of open) await enqueue(t.id);
      await receipts.startWorkers();
    },
  };
}
