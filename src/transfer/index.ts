// The transfer service's public face: build transfer packages (移交) with verified backups, and
// receive them (接收) with the 交接登记表.
export { createTransfer, requestTransfer, buildTransfer, failTransfer, openTransferPackage, getTransfer, withAccessOpinion, transferKey, TransferRequestError, type TransferDeps, type TransferRequest, type TransferOutcome, type Transfer, type AccessOpinion } from './build.ts';
export { receiveTransfer, type ReceiptDeps, type ReceiptInput, type ReceiptOutcome, type Handover } from './receive.ts';
export { selectRecords, type TransferSelection } from './select.ts';
export * from './register.ts';
export { createTransferService, TRANSFER_QUEUE, DEFAULT_TRANSFER_POLICY, type TransferService, type TransferServiceOptions } from './service.ts';
