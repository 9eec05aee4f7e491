// Reading the catalogue: records by fonds/year/text (paged), one record with files, copies and
// events, and a file's bytes delivered only with a purpose, registered as an access (利用登记).
import type { Readable } from 'node:stream';
import { and, asc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
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
  /**
   * A search first reads this many records in catalogue order (from an index holding 题名): a
   * common word fills the page there. A rarer one (or a page further on) is then gathered through
   * the text indexes instead, every match, sorted.
   */
  window: 10_000,
  /** A one-character search (no index serves it) walks the catalogue and counts its matches up to here. */
  searchCount: 1_000,
};

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * A page of records in catalogue order (全宗号, 档号). The page's 档号 are found first, from an
 * index alone where possible (so a late page costs index entries, not table rows), then their rows.
 * Text search (q): the 题名 contains q, or the 档号 starts with q (case-insensitive). See
 * LIST_LIMITS for how a search is answered; `totalExact` is false where `total` is only a lower
 * bound (a common word: the matches among the first `window` records).
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

  let found: { codes: string[]; total: number; totalExact: boolean };
  if (!q) {
    const cond = base.length ? and(...base) : undefined;
    const [total, totalExact] = await cappedCount(db, cond, lim.count);
    found = { codes: await pageCodes(db, cond, pageSize, offset), total, totalExact };
  } else {
    const titleHas = sql`strpos(lower(${records.title}), ${q.toLowerCase()}) > 0`;
    const codeStarts = sql`upper(${records.archivalCode}) like ${`${escapeLike(q.toUpperCase())}%`}`;
    const indexed = [...q].length >= 2; // the bigram index serves 2+ characters (drizzle/0009)
    const window = await searchWindow(db, base, or(titleHas, codeStarts)!, lim.window, pageSize, offset);
    if (window) found = window;
    else if (indexed) found = await gather(db, base, titleHas, codeStarts, q, pageSize, offset);
    else {
      const cond = and(...base, or(titleHas, codeStarts));
      const [total, totalExact] = await cappedCount(db, cond, lim.searchCount);
      found = { codes: await pageCodes(db, cond, pageSize, offset), total, totalExact };
    }
  }
  const items = found.codes.length
    ? await db.select(summaryColumns).from(records).where(inArray(records.archivalCode, found.codes)).orderBy(asc(records.fonds), asc(records.archivalCode))
    : [];
  return { items, page, pageSize, total: found.total, totalExact: found.totalExact };
}

/**
 * The matches among the first `window` records in catalogue order (index-only on (fonds, 档号, 题名)
 * or (fonds, year, 档号, 题名)):
 * the answer when they fill the page or when the window held every record; else undefined.
 */
async function searchWindow(db: Db, base: SQL[], match: SQL, window: number, pageSize: number, offset: number) {
  const w = db
    .select({ fonds: records.fonds, code: records.archivalCode, hit: sql<boolean>`${match}`.as('hit') })
    .from(records)
    .where(base.length ? and(...base) : undefined)
    .orderBy(asc(records.fonds), asc(records.archivalCode))
    .limit(window)
    .as('w');
  const [r] = await db
    .select({
      seen: sql<number>`count(*)::int`,
      hits: sql<number>`(count(*) filter (where ${w.hit}))::int`,
      codes: sql<string[] | null>`(array_agg(${w.code} order by ${w.fonds}, ${w.code}) filter (where ${w.hit}))[${sql.raw(String(offset + 1))}:${sql.raw(String(offset + pageSize))}]`,
    })
    .from(w);
  const seen = Number(r.seen);
  const hits = Number(r.hits);
  if (seen < window) return { codes: r.codes ?? [], total: hits, totalExact: true };
  if (hits >= offset + pageSize) return { codes: r.codes ?? [], total: hits, totalExact: false };
  return undefined;
}

/**
 * Every match through the text indexes — 题名 by the bigram GIN index, 档号 by the prefix index,
 * each query on its own (one OR would re-check the bigrams of every row found) — sorted; exact count.
 */
async function gather(db: Db, base: SQL[], titleHas: SQL, codeStarts: SQL, q: string, pageSize: number, offset: number) {
  const cols = { fonds: records.fonds, archivalCode: records.archivalCode };
  const matches = db
    .select(cols)
    .from(records)
    .where(and(...base, sql`dangan_bigrams(${records.title}) @> dangan_bigrams(${q})`, titleHas))
    .union(db.select(cols).from(records).where(and(...base, codeStarts)))
    .as('matches');
  const rows = await db
    .select({ code: matches.archivalCode, n: sql<number>`(count(*) over ())::int` })
    .from(matches)
    .orderBy(asc(matches.fonds), asc(matches.archivalCode))
    .limit(pageSize)
    .offset(offset);
  if (rows.length) return { codes: rows.map((r) => r.code), total: Number(rows[0].n), totalExact: true };
  const [{ n }] = await db.select({ n: sql<number>`count(*)::int` }).from(matches);
  return { codes: [], total: Number(n), totalExact: true };
}

/** The number of records matching, counted up to `limit` (then `[limit, false]`). */
async function cappedCount(db: Db, cond: SQL | undefined, limit: number): Promise<[number, boolean]> {
  const some = db.select({ one: sql`1` }).from(records).where(cond).limit(limit + 1).as('some');
  const [{ n }] = await db.select({ n: sql<number>`count(*)::int` }).from(some);
  return Number(n) > limit ? [limit, false] : [Number(n), true];
}

/** The 档号 of one page in catalogue order: from the (fonds, year, 档号, 题名) or (fonds, 档号, 题名) index alone when it covers the conditions. */
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
