// What the service already holds, for the engine's 件号 continuity and duplicate 档号 checks:
// read from the database for the fonds and record folders the package's listing names.
import { and, inArray, isNotNull, sql } from 'drizzle-orm';
import { groupKey, type HeldCatalogue } from '../checks/rules/package.ts';
import type { Db } from '../db/index.ts';
import { records, volumes } from '../db/schema.ts';
import { openPackage } from '../package/index.ts';

/** Folder names of a package (record folders are named by their 档号), from its listing only. */
export async function folderNamesOf(path: string): Promise<string[]> {
  const source = await openPackage(path);
  try {
    const names = new Set<string>();
    for (const e of source.entries) {
      const parts = e.path.split('/');
      for (const p of parts.slice(0, -1)) if (p) names.add(p);
    }
    return [...names];
  } finally {
    await source.close();
  }
}

const chunks = <T>(list: T[], n: number): T[][] => Array.from({ length: Math.ceil(list.length / n) }, (_, i) => list.slice(i * n, i * n + n));

/**
 * The held catalogue for a package: the highest 件号 of every group of the fonds concerned (few
 * rows: one per fonds, category, year, retention, division), and those of the package's 档号 and
 * volume codes already held. 电子文件号 duplicates are found only for records whose 档号 is held.
 */
export async function heldCatalogueFor(db: Db, folders: string[], fondsHint: readonly string[] = []): Promise<HeldCatalogue> {
  const held: HeldCatalogue = { maxItemNumber: new Map(), archivalCodes: new Set(), recordIds: new Set() };
  const fonds = new Set(fondsHint);
  for (const f of folders) {
    const m = /^([A-Za-z0-9]{1,16})-/.exec(f);
    if (m) fonds.add(m[1]);
  }
  if (fonds.size > 0) {
    const rows = await db
      .select({
        fonds: records.fonds,
        category: records.categoryCode,
        year: records.year,
        retention: records.retention,
        division: records.organization,
        max: sql<number | null>`max(case when ${records.itemNumber} ~ '^[0-9]+$' then ${records.itemNumber}::int end)`,
      })
      .from(records)
      .where(and(inArray(records.fonds, [...fonds]), isNotNull(records.categoryCode)))
      .groupBy(records.fonds, records.categoryCode, records.year, records.retention, records.organization);
    for (const r of rows) {
      if (r.max === null || r.category === null) continue;
      const key = groupKey({ fonds: r.fonds, category: r.category, year: String(r.year), retention: r.retention ?? '', division: r.division ?? undefined });
      held.maxItemNumber.set(key, Number(r.max));
    }
  }
  for (const part of chunks(folders, 1000)) {
    const rs = await db.select({ code: records.archivalCode, id: records.electronicFileNumber }).from(records).where(inArray(records.archivalCode, part));
    for (const r of rs) {
      held.archivalCodes.add(r.code);
      if (r.id) held.recordIds.add(r.id);
    }
    const vs = await db.select({ code: volumes.archivalCode }).from(volumes).where(inArray(volumes.archivalCode, part));
    for (const v of vs) held.archivalCodes.add(v.code);
  }
  return held;
}
