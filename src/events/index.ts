// The tamper-evident event log: append (hash-chained, serialised), list, and verify end to end.
export { appendEvent, appendEvents, type AppendOptions, type NewEvent, type StoredEvent } from './append.ts';
export { verifyEventLog, type BrokenEntry, type BrokenReason, type VerifyOptions, type VerifyResult } from './verify.ts';
export { listEvents, type ListEventsQuery } from './list.ts';
export { canonicalJson, normalizeJson, type JsonValue } from './canonical-json.ts';
export { eventHash, GENESIS_HASH, type EventContent } from './chain.ts';
