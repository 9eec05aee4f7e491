// The transfer service as the CLI and the HTTP routes use it: build, look up, open, receive.
import type { IngestService } from '../ingest/index.ts';
import { createTransfer, getTransfer, openTransferPackage, type Transfer, type TransferDeps, type TransferOutcome, type TransferRequest } from './build.ts';
import { receiveTransfer, type ReceiptInput, type ReceiptOutcome } from './receive.ts';

export interface TransferService {
  create(req: TransferRequest): Promise<TransferOutcome>;
  get(id: string): Promise<Transfer | undefined>;
  /** The stored package's bytes (from the first store holding a copy); undefined when not stored. */
  open(id: string): ReturnType<typeof openTransferPackage>;
  receive(input: ReceiptInput): Promise<ReceiptOutcome>;
}

export function createTransferService(deps: TransferDeps & { ingest: IngestService }): TransferService {
  return {
    create: (req) => createTransfer(deps, req),
    get: (id) => getTransfer(deps.db, id),
    open: (id) => openTransferPackage(deps, id),
    receive: (input) => receiveTransfer(deps, input),
  };
}
