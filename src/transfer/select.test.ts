import { expect, it } from 'vitest';
import { describeEachDatabase } from '../db/testing.ts';
import { files, records, volumes } from '../db/schema.ts';
import type { Db } from '../db/index.ts';
import { countSelected, recordPages, selectRecords } from './select.ts';

// 23 loose records of 2021 and 2022 (J001), 2 volumes of 3 records each (one record of each volume is
// of 2021), 2 records of another fonds; each record has two files, inserted in reverse order.
async function seed(db: Db) {
  await db.insert(volumes).values(
    ['J001-001-0001', 'J001-001-0002'].map((code, i) => ({ archivalCode: code, fonds: 'J001', catalogueNumber: '001', volumeNumber: String(i + 1).padStart(4, '0'), title: `卷${i + 1}`, metadata: {} })),
  );
  const rows: (typeof records.$inferInsert)[] = [];
  for (let i = 23; i >= 1; i--) {
    const year = i % 2 ? 2021 : 2022;
    rows.push({ archivalCode: `J001-WS·${year}-Y-${String(i).padStart(4, '0')}`, fonds: 'J001', year, categoryCode: 'WS', retention: 'Y', itemNumber: String(i), title: '通知', metadata: { n: i } });
  }
  for (const v of [1, 2])
    for (let k = 1; k <= 3; k++) rows.push({ archivalCode: `J001-001-000${v}-00${k}`, fonds: 'J001', year: k === 1 ? 2021 : 2020, categoryCode: 'WS', retention: 'Y', itemNumber: String(k), volumeCode: `J001-001-000${v}`, title: '卷内文件', metadata: {} });
  for (let i = 1; i <= 2; i++) rows.push({ archivalCode: `J002-WS·2021-Y-000${i}`, fonds: 'J002', year: 2021, categoryCode: 'WS', retention: 'Y', itemNumber: String(i), title: '函', metadata: {} });
  const inserted = await db.insert(records).values(rows).returning({ id: records.id, code: records.archivalCode });
  await db.insert(files).values(
    inserted.flatMap((r) =>
      [2, 1].map((seq) => ({ recordId: r.id, sequence: seq, name: `${seq}.pdf`, size: seq, sha256: 'a'.repeat(64), sm3: 'b'.repeat(64), role: '主文档' as const, objectKey: `k/${r.code}/${seq}` })),
    ),
  );
}

describeEachDatabase('transfer selection', (t) => {
  it('pages through the records in 档号 order, with their files in sequence, and whole volumes', async () => {
    const { db } = await t.open();
    await seed(db);
    const sel = { fonds: 'J001', year: 2021 };
    expect(await countSelected(db, sel)).toBe(12 + 2);
    const selected = await selectRecords(db, sel);
    // 12 loose of 2021, plus both volumes whole (one of their records is of 2021)
    expect(selected.volumes.map((v) => v.archivalCode)).toEqual(['J001-001-0001', 'J001-001-0002']);
    const codes = selected.records.map((r) => r.archivalCode);
    expect(codes).toHaveLength(12 + 6);
    expect([...codes].sort()).toEqual(codes);
    expect(codes.filter((c) => c.startsWith('J001-001-'))).toHaveLength(6);
    expect(codes.some((c) => c.startsWith('J002'))).toBe(false);

    const paged: string[] = [];
    let pages = 0;
    for await (const page of recordPages(db, selected.records, 5)) {
      pages++;
      expect(page.length).toBeLessThanOrEqual(5);
      for (const r of page) {
        paged.push(r.archivalCode);
        expect(r.files.map((f) => f.sequence)).toEqual([1, 2]);
        expect(r.files.every((f) => f.objectKey.startsWith(`k/${r.archivalCode}/`))).toBe(true);
      }
    }
    expect(pages).toBe(4);
    expect(paged).toEqual(codes);
  });

  it('fails rather than skip a record that left the catalogue during the build', async () => {
    const { db } = await t.open();
    await seed(db);
    const selected = await selectRecords(db, { fonds: 'J002' });
    selected.records.push({ id: '00000000-0000-4000-8000-000000000000', archivalCode: 'J002-WS·2021-Y-0009' });
    const run = async () => {
      for await (const _ of recordPages(db, selected.records, 2)) void _;
    };
    await expect(run()).rejects.toThrow(/已不在目录中/);
  });
});
