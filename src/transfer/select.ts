// Which archived records a transfer takes: by fonds, year, retention, volumes or an explicit 档号
// list; a record filed in a volume brings its whole volume (volumes are transferred whole).
import { and, asc, count, eq, inArray, or, type SQL } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { files, records, volumes } from '../db/schema.ts';

export interface TransferSelection {
  /** 全宗号 */
  fonds: string;
  /** 年度 */
  year?: number;
  /** 保管期限: Y, D30, D10 */
  retention?: string;
  /** 案卷档号 */
  volumes?: string[];
  /** 档号 */
  records?: string[];
}

export type RecordRow = typeof records.$inferSelect;
export type VolumeRow = typeof volumes.$inferSelect;
export type FileRow = typeof files.$inferSelect;

export interface Selected {
  records: (RecordRow & { files: FileRow[] })[];
  volumes: VolumeRow[];
}

function whereOf(sel: TransferSelection): SQL[] {
  const where: SQL[] = [eq(records.fonds, sel.fonds)];
  if (sel.year !== undefined) where.push(eq(records.year, sel.year));
  if (sel.retention !== undefined) where.push(eq(records.retention, sel.retention));
  const named: SQL[] = [];
  if (sel.records?.length) named.push(inArray(records.archivalCode, sel.records));
  if (sel.volumes?.length) named.push(inArray(records.volumeCode, sel.volumes));
  if (named.length) where.push(or(...named)!);
  return where;
}

/** How many records the selection names (before whole volumes are added): zero is a bad request. */
export async function countSelected(db: Db, sel: TransferSelection): Promise<number> {
  const [r] = await db.select({ n: count() }).from(records).where(and(...whereOf(sel)));
  return Number(r?.n ?? 0);
}

export async function selectRecords(db: Db, sel: TransferSelection): Promise<Selected> {
  const where = whereOf(sel);
  let rows = await db.select().from(records).where(and(...where)).orderBy(asc(records.archivalCode));
  // whole volumes
  const volumeCodes = [...new Set(rows.map((r) => r.volumeCode).filter((v): v is string => v !== null))];
  if (volumeCodes.length) {
    const inVolumes = await db.select().from(records).where(inArray(records.volumeCode, volumeCodes));
    const have = new Set(rows.map((r) => r.id));
    rows = [...rows, ...inVolumes.filter((r) => !have.has(r.id))].sort((a, b) => (a.archivalCode < b.archivalCode ? -1 : a.archivalCode > b.archivalCode ? 1 : 0));
  }
  const vols = volumeCodes.length ? await db.select().from(volumes).where(inArray(volumes.archivalCode, volumeCodes)).orderBy(asc(volumes.archivalCode)) : [];
  const fileRows: FileRow[] = [];
  const ids = rows.map((r) => r.id);
  for (let i = 0; i < ids.length; i += 1000) fileRows.push(...(await db.select().from(files).where(inArray(files.recordId, ids.slice(i, i + 1000)))));
  const byRecord = new Map<string, FileRow[]>();
  for (const f of fileRows) byRecord.set(f.recordId, [...(byRecord.get(f.recordId) ?? []), f]);
  return {
    records: rows.map((r) => ({ ...r, files: (byRecord.get(r.id) ?? []).sort((a, b) => a.sequence - b.sequence) })),
    volumes: vols,
  };
}
