// Test support for receipts: a receiving archive's transfer service on a queue of its own database
// (with its workers, unless asked not to), and following a queued receipt to its end.
import { createQueue, queueDatabaseOf, type Queue } from '../../src/jobs/index.ts';
import { createTransferService, type ReceiptInput, type ReceiptView, type TransferService } from '../../src/transfer/index.ts';
import type { Archive } from './transfer-support.ts';

export interface Receiver {
  service: TransferService;
  queue: Queue;
  /** Stops the queue (and so the workers); before the archive closes its database. */
  stop(): Promise<void>;
}

export async function openReceiver(a: Archive, opts: { workers?: boolean } = {}): Promise<Receiver> {
  const queue = createQueue(queueDatabaseOf(a.database), { superviseIntervalSeconds: 1, onError: () => {} });
  await queue.start();
  const service = createTransferService({ ...a.deps, ingest: a.ingest, queue, pollingIntervalSeconds: 0.5 });
  if (opts.workers !== false) await service.startWorkers();
  return { service, queue, stop: () => queue.stop({ graceful: false, timeoutMs: 2000 }) };
}

/** Polls the receipt until it is settled: registered (archived with its 交接登记表), rejected or failed, its staged package removed. */
export async function untilSettled(service: TransferService, id: string, timeoutMs = 90_000): Promise<ReceiptView> {
  let view: ReceiptView | undefined;
  for (const until = Date.now() + timeoutMs; Date.now() < until; await new Promise((w) => setTimeout(w, 200))) {
    view = await service.getReceipt(id);
    if (view?.settled) return view;
  }
  throw new Error(`receipt ${id} not settled in ${timeoutMs} ms: ${view?.status} ${view?.submission.failureReason ?? ''}`);
}

/** The async API as a client uses it: stage and queue, then follow it to its end. */
export async function receiveQueued(service: TransferService, input: ReceiptInput): Promise<ReceiptView> {
  const r = await service.requestReceipt(input);
  if (r.kind !== 'staged') throw new Error(`receipt: ${r.kind}`);
  expectQueued(r.submission.status);
  return untilSettled(service, r.submission.id);
}

function expectQueued(status: string) {
  if (status !== 'received') throw new Error(`a receipt just staged is received, not ${status}`);
}
