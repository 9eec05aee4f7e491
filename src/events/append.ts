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
  const [stored] = await appendEvents(db, [event], opts);
  return stored;
}

/**
 * Appends several events in order under one lock and one transaction (e.g. one per record of a
 * package), in batches of 500 rows per INSERT. All or none are appended.
 */
export async function appendEvents(db: Db, list: readonly NewEvent[], opts: AppendOptions = {}): Promise<StoredEvent[]> {
  const clock = opts.now ?? (() => new Date());
  const contents = list.map((event) => {
    for (const [name, v] of [['type', event.type], ['actor', event.actor]] as const) {
      if (typeof v !== 'string' || !v || v.includes('\u0000')) {
        throw new TypeError(`appendEvent: ${name} must be a non-empty string without U+0000`);
      }
    }
    return {
      at: new Date(clock().getTime()),
      type: event.type,
      actor: event.actor,
      subjectType: event.subject?.type ?? null,
      subjectId: event.subject?.id ?? null,
      payload: normalizeJson(event.payload ?? {}) as JsonValue,
    };
  });
  if (contents.length === 0) return [];

  return db.transaction(async (tx) => {
    const [head] = await tx.select().from(eventChainHead).where(eq(eventChainHead.id, 1)).for('update');
    if (!head) throw new Error('appendEvent: event_chain_head is missing (database not migrated?)');
    const stored: StoredEvent[] = [];
    let prevHash = head.hash;
    for (let i = 0; i < contents.length; i += 500) {
      const batch = contents.slice(i, i + 500).map((c) => {
        const hash = eventHash(prevHash, c);
        const row = { ...c, prevHash, hash };
        prevHash = hash;
        return row;
      });
      // Identity values are handed out in VALUES order within one INSERT, and the head lock keeps
      // other appenders out, so seq order is chain order.
      const seqs = await tx.insert(events).values(batch).returning({ seq: events.seq });
      seqs.sort((a, b) => a.seq - b.seq);
      batch.forEach((row, j) => stored.push({ seq: seqs[j].seq, ...row }));
    }
    const last = stored[stored.length - 1];
    await tx
      .update(eventChainHead)
      .set({ lastSeq: last.seq, count: head.count + stored.length, hash: last.hash })
      .where(eq(eventChainHead.id, 1));
    return stored;
  });
}
