// Reading the catalogue: records by fonds/year/text (paged), one record with files, copies and
// events, and a file's bytes delivered only with a purpose, registered as an access (利用登记).
import type { Readable } from 'node:stream';
import { and, asc, count, eq, ilike, inArray, or, type SQL } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { accesses, copies, files, records } from '../db/schema.ts';
import { appendEvent, listEvents } from '../events/index.ts';
import type { ObjectStore } from '../store/index.ts';

export interface RecordQuery {
  /** Only these fonds (a token's); undefined means every fonds. */
  allowedFonds?: readonly string[];
  fonds?: string;
  year?: number;
  /** Text in 题名 or 档号. */
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

export async function listRecords(db: Db, query: RecordQuery) {
  const page = Math.max(1, Math.floor(query.page ?? 1));
  const pageSize = Math.min(200, Math.max(1, Math.floor(query.pageSize ?? 50)));
  const where: SQL[] = [];
  if (query.allowedFonds) where.push(inArray(records.fonds, [...query.allowedFonds]));
  if (query.fonds) where.push(eq(records.fonds, query.fonds));
  if (query.year !== undefined) where.push(eq(records.year, query.year));
  if (query.q) {
    const like = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(records.title, like), ilike(records.archivalCode, like))!);
  }
  const cond = where.length ? and(...where) : undefined;
  const [{ total }] = await db.select({ total: count() }).from(records).where(cond);
  const items = await db
    .select(summaryColumns)
    .from(records)
    .where(cond)
    .orderBy(asc(records.fonds), asc(records.archivalCode))
    .limit(pageSize)
    .offset((page - 1) * pageSize);
  return { items, page, pageSize, total: Number(total) };
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
