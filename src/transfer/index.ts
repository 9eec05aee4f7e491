// The transfer service's public face: build transfer packages (移交) with verified backups, and
// receive them (接收) with the 交接登记表.
export { createTransfer, openTransferPackage, getTransfer, withAccessOpinion, transferKey, TransferRequestError, type TransferDeps, type TransferRequest, type TransferOutcome, type Transfer, type AccessOpinion } from './build.ts';
export { receiveTransfer, type ReceiptDeps, type ReceiptInput, type ReceiptOutcome, type Handover } from './receive.ts';
export { selectRecords, type TransferSelection } from './select.ts';
export * from './register.ts';
export { createTransferService, type TransferService } from './service.ts';
