// Verifying the event log end to end, page by page, against its hash chain and its head.
import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../db/index.ts';
import { eventChainHead, events } from '../db/schema.ts';
import type { JsonValue } from './canonical-json.ts';
import { eventHash, GENESIS_HASH } from './chain.ts';

export type BrokenReason =
  /** The entry's content no longer matches its own hash. */
  | 'edited'
  /** The entry's predecessor is missing: entries before it were deleted (or rewritten with new hashes). */
  | 'removed'
  /** The entry's predecessor exists but elsewhere: entries were moved or swapped. */
  | 'reordered'
  /** Entries at the end of the chain are missing (fewer entries than the chain head counts). */
  | 'truncated'
  /** The chain ends somewhere other than the recorded head (entries added around appendEvent). */
  | 'head-mismatch';

export interface BrokenEntry {
  seq: number;
  reason: BrokenReason;
  /** Chinese-first, for people. */
  message: string;
}

export type VerifyResult = { ok: true; count: number; lastHash: string } | { ok: false; count: number; firstBad: BrokenEntry };

export interface VerifyOptions {
  /** Rows per page (default 1000). */
  pageSize?: number;
  /** Called after each page with the number of entries checked so far (progress bars). */
  onProgress?: (checked: number) => void;
}

/**
 * Walks the log in seq order in pages (constant memory), checking that each entry links to the
 * previous one and matches its own hash, then that the chain ends at the recorded head. Entries
 * appended while it runs are left for the next run (it checks up to the head it read first).
 */
export async function verifyEventLog(db: Db, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const pageSize = opts.pageSize ?? 1000;
  const [head] = await db.select().from(eventChainHead).where(eq(eventChainHead.id, 1));
  if (!head) throw new Error('verifyEventLog: event_chain_head is missing (database not migrated?)');

  let prev = GENESIS_HASH;
  let lastSeq = 0;
  let count = 0;
  const fail = (seq: number, reason: BrokenReason, message: string): VerifyResult => ({
    ok: false,
    count,
    firstBad: { seq, reason, message },
  });

  for (;;) {
    const page = await db
      .select()
      .from(events)
      .where(and(gt(events.seq, lastSeq), lte(events.seq, head.lastSeq)))
      .orderBy(asc(events.seq))
      .limit(pageSize);
    for (const row of page) {
      count++;
      if (row.prevHash !== prev) {
        const [elsewhere] = await db
          .select({ seq: events.seq })
          .from(events)
          .where(eq(events.hash, row.prevHash))
          .limit(1);
        return elsewhere
          ? fail(row.seq, 'reordered', `事件 ${row.seq} 的前一条是事件 ${elsewhere.seq}，顺序被改动 (entries were reordered)`)
          : fail(row.seq, 'removed', `事件 ${row.seq} 之前的事件缺失或被改写 (entries before it were removed or rewritten)`);
      }
      const content = { ...row, payload: row.payload as JsonValue };
      if (eventHash(row.prevHash, content) !== row.hash) {
        return fail(row.seq, 'edited', `事件 ${row.seq} 的内容与其摘要不符，已被修改 (entry was edited)`);
      }
      prev = row.hash;
      lastSeq = row.seq;
    }
    opts.onProgress?.(count);
    if (page.length < pageSize) break;
  }

  if (count < head.count) {
    return fail(
      head.lastSeq,
      'truncated',
      `事件日志应有 ${head.count} 条，只找到 ${count} 条，末尾事件（至 ${head.lastSeq}）缺失 (entries at the end were removed)`,
    );
  }
  if (count !== head.count || prev !== head.hash || lastSeq !== head.lastSeq) {
    return fail(
      lastSeq,
      'head-mismatch',
      `事件链的末尾（事件 ${lastSeq}）与记录的链头（事件 ${head.lastSeq}）不符 (the chain does not end at its recorded head)`,
    );
  }
  // Rows beyond the current head are not part of the chain (inserted around appendEvent). One
  // statement, so a concurrent append (row and head commit together) cannot look like one.
  const stray = rowsOf<{ seq: string | number }>(
    await db.execute(
      sql`select seq from events where seq > (select last_seq from event_chain_head where id = 1) order by seq limit 1`,
    ),
  );
  if (stray.length > 0) {
    const seq = Number(stray[0].seq);
    return fail(seq, 'head-mismatch', `事件 ${seq} 不在事件链上（未经追加接口写入） (entry is outside the chain)`);
  }
  return { ok: true, count, lastHash: prev };
}
