// The transfer service's public face: build transfer packages (移交) with verified backups, and
// receive them (接收) with the 交接登记表.
export { createTransfer, requestTransfer, buildTransfer, failTransfer, openTransferPackage, getTransfer, withAccessOpinion, transferKey, TransferRequestError, type TransferDeps, type TransferRequest, type TransferOutcome, type Transfer, type AccessOpinion } from './build.ts';
export { receiveTransfer, stageReceipt, settleReceipt, getReceipt, openHandover, unsettledReceipts, RECEIPT_RECEIVED, RECEIPT_REGISTERED, RECEIPT_REJECTED, type ReceiptDeps, type ReceiptInput, type ReceiptOutcome, type ReceiptView, type StagedReceipt, type Handover } from './receive.ts';
export { createReceiptJobs, RECEIPT_QUEUE, DEFAULT_RECEIPT_POLICY, type ReceiptJobs } from './receipt-jobs.ts';
export { selectRecords, type TransferSelection } from './select.ts';
export * from './register.ts';
export { createTransferService, TRANSFER_QUEUE, DEFAULT_TRANSFER_POLICY, type TransferService, type TransferServiceOptions } from './service.ts';
