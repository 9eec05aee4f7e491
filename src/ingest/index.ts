// The ingest service's public face: receive → stage → queue → check → store with verified copies → catalogue.
export { createIngestService, DEFAULT_CALLBACK_POLICY, DEFAULT_INGEST_POLICY, INGEST_QUEUE, CALLBACK_QUEUE, type IngestService, type IngestServiceOptions } from './service.ts';
export { receivePackage, stagingKey, type ReceiveInput, type ReceiveResult, type Submission } from './receive.ts';
export { processSubmission, recordFailure, type ProcessDeps, type ProcessOutcome } from './process.ts';
export { createToken, authenticateToken, listTokens, revokeToken, isTokenRole, tokenSha256, TOKEN_ROLES, type CreatedToken, type RevokeResult, type TokenIdentity, type TokenInfo, type TokenRole } from './tokens.ts';
export { deliverCallback, signCallback, SIGNATURE_HEADER, type CallbackBody } from './callbacks.ts';
export { createMetrics, type IngestMetrics } from './metrics.ts';
export { CatalogueConflict } from './catalogue.ts';
export { sweepOrphanStaging, DEFAULT_ORPHAN_GRACE_HOURS, type RemovedOrphan } from './staging-sweep.ts';
export { StoreCopyError } from './store-package.ts';
export { listRecords, getRecord, openRecordFile, type RecordQuery } from './records.ts';
