// Appending to the event log: one entry at a time, chained to the head under the head row's lock.
import { eq } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { eventChainHead, events } from '../db/schema.ts';
import { normalizeJson, type JsonValue } from './canonical-json.ts';
import { eventHash } from './chain.ts';

export interface NewEvent {
  /** What happened, dotted lowercase, e.g. 'submission.received', 'record.archived', 'audit.copy-corrupt'. */
  type: string;
  /** Who did it: 'token:<id>', 'user:<name>', 'system', 'worker:<host>'. */
  actor: string;
  /** What it happened to, e.g. { type: 'record', id: 'J001-WS·2024-Y-BGS-0001' }. */
  subject?: { type: string; id: string } | null;
  /** Details; a JSON object (see canonical-json.ts for what is accepted). */
  payload?: { [key: string]: JsonValue | undefined };
}

export interface StoredEvent {
  seq: number;
  at: Date;
  type: string;
  actor: string;
  subjectType: string | null;
  subjectId: string | null;
  payload: JsonValue;
  prevHash: string;
  hash: string;
}

export interface AppendOptions {
  /** The clock (default: the system clock). Kept to milliseconds, as stored. */
  now?: () => Date;
}

/**
 * Appends one event. Appends are serialised by the row lock on event_chain_head (SELECT … FOR
 * UPDATE), held until the surrounding transaction ends, so the chain cannot fork when several
 * processes append at once. Pass a transaction (`tx`) to make the event part of the caller's work:
 * it then commits or rolls back with it (append last in the transaction: the lock blocks other
 * appenders until commit).
 */
export async function appendEvent(db: Db, event: NewEvent, opts: AppendOptions = {}): Promise<StoredEvent> {
  for (const [name, v] of [['type', event.type], ['actor', event.actor]] as const) {
    if (!v || v.includes('\u0000')) throw new TypeError(`appendEvent: ${name} must be a non-empty string`);
  }
  const payload = normalizeJson(event.payload ?? {}) as JsonValue;
  const at = new Date((opts.now ?? (() => new Date()))().getTime());
  const subjectType = event.subject?.type ?? null;
  const subjectId = event.subject?.id ?? null;

  return db.transaction(async (tx) => {
    const [head] = await tx.select().from(eventChainHead).where(eq(eventChainHead.id, 1)).for('update');
    if (!head) throw new Error('appendEvent: event_chain_head is missing (database not migrated?)');
    const content = { at, type: event.type, actor: event.actor, subjectType, subjectId, payload };
    const hash = eventHash(head.hash, content);
    const [row] = await tx
      .insert(events)
      .values({ ...content, prevHash: head.hash, hash })
      .returning({ seq: events.seq });
    await tx
      .update(eventChainHead)
      .set({ lastSeq: row.seq, count: head.count + 1, hash })
      .where(eq(eventChainHead.id, 1));
    return { seq: row.seq, ...content, prevHash: head.hash, hash };
  });
}
