// Reading the catalogue: records by fonds/year/text (paged), one record with files, copies and
// events, and a file's bytes delivered only with a purpose, registered as an access (利用登记).
import type { Readable } from 'node:stream';
import { and, asc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Db } from '../db/index.ts';
import { accesses, copies, files, records } from '../db/schema.ts';
import { appendEvent, listEvents } from '../events/index.ts';
import type { ObjectStore } from '../store/index.ts';

export interface RecordQuery {
  /** Only these fonds (a token's); undefined means every fonds. */
  allowedFonds?: readonly string[];
  fonds?: string;
  year?: number;
  /** Text in 题名 (anywhere), or the beginning of a 档号; case-insensitive. */
  q?: string;
  page?: number;
  pageSize?: number;
}

const summaryColumns = {
  archivalCode: records.archivalCode,
  fonds: records.fonds,
  year: records.year,
  title: records.title,
  responsible: records.responsible,
  date: records.date,
  retention: records.retention,
  volumeCode: records.volumeCode,
  access: records.access,
  createdAt: records.createdAt,
};

export const LIST_LIMITS = {
  /** Counting stops here (`totalExact: false` beyond): counting every record of a large catalogue costs more than the page. */
  count: 10_000,
  /** A search expected to match at most this many records gathers them all through the indexes; more, and it walks the catalogue in order. */
  gather: 5_000,
  /** A search that walks the catalogue counts its matches up to here. */
  searchCount: 1_000,
};

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * A page of records in catalogue order (全宗号, 档号). The page's 档号 are found first, from an
 * index alone where possible (so a late page costs index entries, not table rows), then their rows.
 * Text search (q): the 题名 contains q, or the 档号 starts with q. A search expected to match few
 * records gathers them through the indexes (GIN over title bigrams, 档号 prefix btree) and sorts
 * them; one expected to match many walks the catalogue in order and stops at the page, and counts
 * only up to LIST_LIMITS.searchCount. The expectation is the planner's estimate (EXPLAIN).
 */
export async function listRecords(db: Db, query: RecordQuery, limits: Partial<typeof LIST_LIMITS> = {}) {
  const lim = { ...LIST_LIMITS, ...limits };
  const page = Math.max(1, Math.floor(query.page ?? 1));
  const pageSize = Math.min(200, Math.max(1, Math.floor(query.pageSize ?? 50)));
  const offset = (page - 1) * pageSize;
  const base: SQL[] = [];
  if (query.allowedFonds) base.push(inArray(records.fonds, [...query.allowedFonds]));
  if (query.fonds) base.push(eq(records.fonds, query.fonds));
  if (query.year !== undefined) base.push(eq(records.year, query.year));
  const q = query.q?.trim() ?? '';

  let codes: string[];
  let total: number;
  let totalExact: boolean;
  if (!q) {
    const cond = base.length ? and(...base) : undefined;
    [total, totalExact] = await cappedCount(db, cond, lim.count);
    codes = await pageCodes(db, cond, pageSize, offset);
  } else {
    const lower = q.toLowerCase();
    const titleHas = sql`strpos(lower(${records.title}), ${lower}) > 0`;
    const codeStarts = sql`upper(${records.archivalCode}) like ${`${escapeLike(q.toUpperCase())}%`}`;
    // The bigram index narrows the titles for search strings of 2+ characters (drizzle/0009).
    const titleIndexed = [...q].length >= 2 ? and(sql`dangan_bigrams(${records.title}) @> dangan_bigrams(${q})`, titleHas) : undefined;
    const byTitle = titleIndexed ? and(...base, titleIndexed) : undefined;
    const byCode = and(...base, codeStarts);
    const expected = byTitle ? await estimateRows(db, or(byTitle, byCode)!) : Infinity;
    if (byTitle && expected <= lim.gather) {
      // Few: each way through its own index (one OR would re-check the bigrams of every row found), merged.
      const matches = db
        .select({ fonds: records.fonds, archivalCode: records.archivalCode })
        .from(records)
        .where(byTitle)
        .union(db.select({ fonds: records.fonds, archivalCode: records.archivalCode }).from(records).where(byCode))
        .as('matches');
      const [{ n }] = await db.select({ n: sql<number>`count(*)::int` }).from(matches);
      total = Number(n);
      totalExact = true;
      const rows = await db
        .select({ code: matches.archivalCode })
        .from(matches)
        .orderBy(asc(matches.fonds), asc(matches.archivalCode))
        .limit(pageSize)
        .offset(offset);
      codes = rows.map((r) => r.code);
    } else {
      // Many (or a one-character search): in catalogue order, the text tested as the walk goes.
      const cond = and(...base, or(titleHas, codeStarts));
      [total, totalExact] = await cappedCount(db, cond, lim.searchCount);
      codes = await pageCodes(db, cond, pageSize, offset);
    }
  }
  const items = codes.length
    ? await db.select(summaryColumns).from(records).where(inArray(records.archivalCode, codes)).orderBy(asc(records.fonds), asc(records.archivalCode))
    : [];
  return { items, page, pageSize, total, totalExact };
}

/** The number of records matching, counted up to `limit` (then `[limit, false]`). */
async function cappedCount(db: Db, cond: SQL | undefined, limit: number): Promise<[number, boolean]> {
  const some = db.select({ one: sql`1` }).from(records).where(cond).limit(limit + 1).as('some');
  const [{ n }] = await db.select({ n: sql<number>`count(*)::int` }).from(some);
  return Number(n) > limit ? [limit, false] : [Number(n), true];
}

/** The 档号 of one page in catalogue order: from the (fonds, year, 档号) or (fonds, 档号, 题名) index alone when it covers the conditions. */
async function pageCodes(db: Db, cond: SQL | undefined, limit: number, offset: number): Promise<string[]> {
  const rows = await db
    .select({ code: records.archivalCode })
    .from(records)
    .where(cond)
    .orderBy(asc(records.fonds), asc(records.archivalCode))
    .limit(limit)
    .offset(offset);
  return rows.map((r) => r.code);
}

/** The planner's estimate of the rows matching `cond` (from the statistics, not by counting). */
async function estimateRows(db: Db, cond: SQL): Promise<number> {
  const res = await db.execute(sql`explain (format json) select 1 from ${records} where ${cond}`);
  const row = rowsOf<Record<string, unknown>>(res)[0] ?? {};
  let plan = Object.values(row)[0];
  if (typeof plan === 'string') plan = JSON.parse(plan);
  const rows = (plan as { Plan?: { 'Plan Rows'?: number } }[] | undefined)?.[0]?.Plan?.['Plan Rows'];
  return typeof rows === 'number' ? rows : Infinity;
}

export async function getRecord(db: Db, code: string) {
  const [rec] = await db.select().from(records).where(eq(records.archivalCode, code));
  if (!rec) return undefined;
  const fileRows = await db.select().from(files).where(eq(files.recordId, rec.id)).orderBy(asc(files.sequence));
  const copyRows = fileRows.length
    ? await db.select().from(copies).where(inArray(copies.objectKey, [...new Set(fileRows.map((f) => f.objectKey))]))
    : [];
  const events = await listEvents(db, { subject: { type: 'record', id: code }, limit: 1000 });
  return {
    record: rec,
    files: fileRows.map((f) => ({
      sequence: f.sequence,
      name: f.name,
      size: f.size,
      format: f.format,
      role: f.role,
      sha256: f.sha256,
      sm3: f.sm3,
      objectKey: f.objectKey,
      copies: copyRows
        .filter((c) => c.objectKey === f.objectKey)
        .map((c) => ({ store: c.store, status: c.status, verifiedAt: c.verifiedAt, lastAuditedAt: c.lastAuditedAt, lastAuditResult: c.lastAuditResult })),
    })),
    events,
  };
}

export type OpenFileResult =
  | { kind: 'ok'; name: string; size: number; sha256: string; format: string | null; body: Readable }
  | { kind: 'no-record' }
  | { kind: 'no-file' }
  | { kind: 'unavailable'; message: string };

/**
 * Registers the access (accesses row + `record.accessed` event, one transaction) and opens the
 * bytes from the first store that has them (primary first, then the backups).
 */
export async function openRecordFile(
  deps: { db: Db; stores: ObjectStore[] },
  input: { code: string; sequence: number; purpose: string; actor: string; allowedFonds?: readonly string[] },
): Promise<OpenFileResult> {
  const [rec] = await deps.db.select({ id: records.id, fonds: records.fonds }).from(records).where(eq(records.archivalCode, input.code));
  if (!rec || (input.allowedFonds && !input.allowedFonds.includes(rec.fonds))) return { kind: 'no-record' };
  const [file] = await deps.db.select().from(files).where(and(eq(files.recordId, rec.id), eq(files.sequence, input.sequence)));
  if (!file) return { kind: 'no-file' };
  let body: Readable | undefined;
  const problems: string[] = [];
  for (const s of deps.stores) {
    try {
      body = await s.get(file.objectKey);
      break;
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (!body) return { kind: 'unavailable', message: problems.join('; ') };
  await deps.db.transaction(async (tx) => {
    await tx.insert(accesses).values({ recordId: rec.id, fileId: file.id, purpose: input.purpose, actor: input.actor });
    await appendEvent(tx, {
      type: 'record.accessed',
      actor: input.actor,
      subject: { type: 'record', id: input.code },
      payload: { sequence: file.sequence, name: file.name, purpose: input.purpose },
    });
  });
  return { kind: 'ok', name: file.name, size: file.size, sha256: file.sha256, format: file.format, body };
}
