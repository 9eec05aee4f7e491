// Reading the event log in pages: by seq, optionally by type or subject (GET /api/v1/events).
import { and, asc, eq, gt, type SQL } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { events } from '../db/schema.ts';
import type { StoredEvent } from './append.ts';

export interface ListEventsQuery {
  /** Only entries with seq greater than this (keyset paging; default 0). */
  after?: number;
  type?: string;
  subject?: { type: string; id: string };
  /** Default 100, at most 1000. */
  limit?: number;
}

export async function listEvents(db: Db, q: ListEventsQuery = {}): Promise<StoredEvent[]> {
  const where: SQL[] = [gt(events.seq, q.after ?? 0)];
  if (q.type) where.push(eq(events.type, q.type));
  if (q.subject) where.push(eq(events.subjectType, q.subject.type), eq(events.subjectId, q.subject.id));
  const rows = await db
    .select()
    .from(events)
    .where(and(...where))
    .orderBy(asc(events.seq))
    .limit(Math.min(Math.max(q.limit ?? 100, 1), 1000));
  return rows as StoredEvent[];
}
