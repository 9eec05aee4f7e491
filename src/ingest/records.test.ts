import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../db/testing.ts';
import { records } from '../db/schema.ts';
import type { Db } from '../db/index.ts';
import { listRecords, type RecordQuery } from './records.ts';

const TITLES = ['关于防汛工作的通知', '乡村振兴专项检查的报告', 'ISO9001认证的批复', '年度预算执行100%的通报', '关于会议纪要的函', '知识产权保护意见'];

interface Row {
  archivalCode: string;
  fonds: string;
  year: number;
  title: string;
}

function sample(): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < 240; i++) {
    const fonds = ['J001', 'J002', 'J003'][i % 3];
    const year = 2019 + (Math.floor(i / 3) % 3);
    const item = String(Math.floor(i / 9) + 1).padStart(4, '0');
    rows.push({ archivalCode: `${fonds}-WS·${year}-Y-${item}`, fonds, year, title: `${TITLES[(i * 7) % TITLES.length]}（第${i}号）` });
  }
  return rows;
}

async function seed(db: Db, rows: Row[]) {
  await db.insert(records).values(rows.map((r) => ({ ...r, categoryCode: 'WS', retention: 'Y', itemNumber: r.archivalCode.slice(-4), metadata: {} })));
  await db.execute(sql`analyze records`);
}

/** What a query should return, computed here from the rows. */
function expected(rows: Row[], q: RecordQuery) {
  const text = q.q?.trim() ?? '';
  const all = rows
    .filter((r) => (!q.allowedFonds || q.allowedFonds.includes(r.fonds)) && (!q.fonds || r.fonds === q.fonds) && (q.year === undefined || r.year === q.year))
    .filter((r) => !text || r.title.toLowerCase().includes(text.toLowerCase()) || r.archivalCode.toUpperCase().startsWith(text.toUpperCase()))
    .sort((a, b) => (a.fonds === b.fonds ? (a.archivalCode < b.archivalCode ? -1 : 1) : a.fonds < b.fonds ? -1 : 1));
  return all.map((r) => r.archivalCode);
}

/** Every page in turn (5 a page); a total that is not exact must be a lower bound. */
async function everyPage(db: Db, q: RecordQuery, limits: Parameters<typeof listRecords>[2], matches: number) {
  const codes: string[] = [];
  for (let page = 1; page < 100; page++) {
    const r = await listRecords(db, { ...q, page, pageSize: 5 }, limits);
    if (r.totalExact) expect(r.total).toBe(matches);
    else expect(r.total).toBeGreaterThanOrEqual(Math.min(matches, page * 5)), expect(r.total).toBeLessThanOrEqual(matches);
    if (r.items.length === 0) break;
    expect(r.items.length).toBeLessThanOrEqual(5);
    codes.push(...r.items.map((i) => i.archivalCode));
  }
  return codes;
}

describeEachDatabase('listRecords', (t) => {
  const rows = sample();
  const allowedFonds = ['J001', 'J002'];
  const queries: RecordQuery[] = [
    { allowedFonds },
    { allowedFonds, fonds: 'J002' },
    { allowedFonds, fonds: 'J001', year: 2020 },
    { allowedFonds, q: '通知' },
    { allowedFonds, q: '乡村振兴' },
    { allowedFonds, q: 'iso9001' },
    { allowedFonds, q: '100%' },
    { allowedFonds, q: '00%' },
    { allowedFonds, q: '知' },
    { allowedFonds, q: 'j001-ws·2020' },
    { allowedFonds, q: 'J002-WS·2019-Y-000' },
    { allowedFonds, q: '_' },
    { allowedFonds, fonds: 'J001', year: 2021, q: '的' },
    { allowedFonds, fonds: 'J002', year: 2019, q: '会议纪要' },
    { allowedFonds, q: '没有这个词' },
    { q: '报告' },
  ];

  it('pages through every match in catalogue order, whichever way a search is answered', async () => {
    const database = await t.open();
    await seed(database.db, rows);
    for (const q of queries) {
      const want = expected(rows, q);
      // A window of every record answers by walking alone; a small one leaves rarer words to the
      // text indexes and answers common ones with a lower-bound total; one of 1 always gathers.
      for (const window of [1_000_000, 10, 1]) {
        const codes = await everyPage(database.db, q, { window }, want.length);
        expect({ q, window, codes }).toEqual({ q, window, codes: want });
      }
    }
  });

  it('counts only up to the limit and says so, but still pages past it', async () => {
    const database = await t.open();
    await seed(database.db, rows);
    const all = expected(rows, { allowedFonds });
    const list = await listRecords(database.db, { allowedFonds, page: 3, pageSize: 10 }, { count: 25 });
    expect([list.total, list.totalExact]).toEqual([25, false]);
    expect(list.items.map((i) => i.archivalCode)).toEqual(all.slice(20, 30));
    const exact = await listRecords(database.db, { allowedFonds, pageSize: 10 }, { count: all.length });
    expect([exact.total, exact.totalExact]).toEqual([all.length, true]);

    const matches = expected(rows, { allowedFonds, q: '的' });
    const common = await listRecords(database.db, { allowedFonds, q: '的', page: 2, pageSize: 5 }, { window: 20 });
    expect(common.totalExact).toBe(false);
    expect(common.total).toBeGreaterThanOrEqual(10);
    expect(common.total).toBeLessThan(matches.length);
    expect(common.items.map((i) => i.archivalCode)).toEqual(matches.slice(5, 10));
    const one = expected(rows, { allowedFonds, q: '知' });
    const search = await listRecords(database.db, { allowedFonds, q: '知', page: 2, pageSize: 5 }, { window: 1, searchCount: 12 });
    expect([search.total, search.totalExact]).toEqual([12, false]);
    expect(search.items.map((i) => i.archivalCode)).toEqual(one.slice(5, 10));
    const returned = search.items[0];
    expect(Object.keys(returned).sort()).toEqual(['access', 'archivalCode', 'createdAt', 'date', 'fonds', 'responsible', 'retention', 'title', 'volumeCode', 'year']);
  });
});
