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

export interface Selection {
  /** The records, in 档号 order: ids only (a transfer of 100,000 records keeps ~10 MB here, not their metadata). */
  records: { id: string; archivalCode: string }[];
  volumes: VolumeRow[];
}

const byCode = <T extends { archivalCode: string }>(a: T, b: T) => (a.archivalCode < b.archivalCode ? -1 : a.archivalCode > b.archivalCode ? 1 : 0);

/** Which records and volumes the selection takes (a record in a volume brings the whole volume). */
export async function selectRecords(db: Db, sel: TransferSelection): Promise<Selection> {
  const light = { id: records.id, archivalCode: records.archivalCode, volumeCode: records.volumeCode };
  let rows = await db.select(light).from(records).where(and(...whereOf(sel))).orderBy(asc(records.archivalCode));
  const volumeCodes = [...new Set(rows.map((r) => r.volumeCode).filter((v): v is string => v !== null))];
  if (volumeCodes.length) {
    const have = new Set(rows.map((r) => r.id));
    for (let i = 0; i < volumeCodes.length; i += 1000) {
      const inVolumes = await db.select(light).from(records).where(inArray(records.volumeCode, volumeCodes.slice(i, i + 1000)));
      for (const r of inVolumes) if (!have.has(r.id)) rows.push(r);
    }
    rows.sort(byCode);
  }
  const vols: VolumeRow[] = [];
  for (let i = 0; i < volumeCodes.length; i += 1000) vols.push(...(await db.select().from(volumes).where(inArray(volumes.archivalCode, volumeCodes.slice(i, i + 1000)))));
  vols.sort(byCode);
  return { records: rows.map((r) => ({ id: r.id, archivalCode: r.archivalCode })), volumes: vols };
}

/** The selected records with their files, a page at a time, in the selection's order. */
export async function* recordPages(db: Db, selected: Selection['records'], pageSize = 500): AsyncGenerator<(RecordRow & { files: FileRow[] })[]> {
  for (let i = 0; i < selected.length; i += pageSize) {
    const ids = selected.slice(i, i + pageSize).map((r) => r.id);
    const rows = await db.select().from(records).where(inArray(records.id, ids));
    const fileRows = await db.select().from(files).where(inArray(files.recordId, ids));
    const byRecord = new Map<string, FileRow[]>();
    for (const f of fileRows) {
      const list = byRecord.get(f.recordId);
      if (list) list.push(f);
      else byRecord.set(f.recordId, [f]);
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    yield ids.map((id) => {
      const r = byId.get(id);
      if (!r) throw new Error(`选定的档案在生成移交信息包时已不在目录中 (a selected record left the catalogue during the build): ${id}`);
      return { ...r, files: (byRecord.get(id) ?? []).sort((a, b) => a.sequence - b.sequence) };
    });
  }
}
