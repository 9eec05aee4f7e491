// The hash chain of the event log: what each entry's hash covers and how it is computed (SM3).
import { createDigester } from '../crypto/digest.ts';
import { canonicalJson, type JsonValue } from './canonical-json.ts';

/** prev_hash of the first entry: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** The part of an entry that its hash covers (seq is not covered: the chain links fix the order). */
export interface EventContent {
  at: Date;
  type: string;
  actor: string;
  subjectType: string | null;
  subjectId: string | null;
  payload: JsonValue;
}

/**
 * hash = lowercase hex SM3 over the UTF-8 bytes of `prev_hash + canonicalJson(o)`, where prev_hash is
 * the previous entry's hash (GENESIS_HASH for the first) as 64 lowercase hex characters, and o is
 * `{ v: 1, at: <ISO 8601 UTC with milliseconds, e.g. "2026-11-22T02:33:25.123Z">, type, actor,
 *    subject: { type, id } or null, payload }` (see canonical-json.ts for the serialisation).
 */
export function eventHash(prevHash: string, e: EventContent): string {
  const o = {
    v: 1,
    at: e.at.toISOString(),
    type: e.type,
    actor: e.actor,
    subject: e.subjectType === null && e.subjectId === null ? null : { type: e.subjectType, id: e.subjectId },
    payload: e.payload,
  };
  const d = createDigester();
  d.update(Buffer.from(prevHash + canonicalJson(o), 'utf8'));
  return d.digest().sm3;
}
