// The records page of the web UI lists through listRecords (as GET /api/v1/records): search on 题名
// (anywhere) and 档号 (its beginning), fonds and year filters, paging links that keep the filters,
// and a total that is shown as a lower bound where the count stopped at its cap (10,000).
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import type { Db } from '../../db/index.ts';
import { records, sessions } from '../../db/schema.ts';
import { describeEachDatabase } from '../../db/testing.ts';
import type { IngestService } from '../../ingest/index.ts';
import { uiRoutes } from '../index.ts';
import { addUser } from '../users.ts';

const COUNT = 10_060;
const RARE = new Set([7, 5003, 9998]);

interface Row {
  archivalCode: string;
  fonds: string;
  year: number;
  title: string;
}

const rows: Row[] = Array.from({ length: COUNT }, (_, i) => {
  const fonds = i % 2 ? 'J002' : 'J001';
  const year = 2019 + (i % 3);
  return { archivalCode: `${fonds}-WS·${year}-Y-${String(i).padStart(5, '0')}`, fonds, year, title: RARE.has(i) ? `关于防汛抗旱的报告（第${i}号）` : `工作通知（第${i}号）` };
});
const catalogueOrder = (a: Row, b: Row) => (a.fonds === b.fonds ? (a.archivalCode < b.archivalCode ? -1 : 1) : a.fonds < b.fonds ? -1 : 1);

async function seed(db: Db) {
  for (let i = 0; i < rows.length; i += 1000) {
    await db.insert(records).values(rows.slice(i, i + 1000).map((r) => ({ ...r, categoryCode: 'WS', retention: 'Y', itemNumber: r.archivalCode.slice(-4), metadata: {} })));
  }
  await db.execute(sql`analyze records`);
}

/** A logged-in staff member's cookie (a session row, as login writes it). */
async function staffCookie(db: Db): Promise<string> {
  const added = await addUser(db, { name: 'lisi', role: 'auditor', password: 'auditor-pass-22', actor: 'test' });
  if (added.kind !== 'created') throw new Error(added.kind);
  const token = randomBytes(32).toString('base64url');
  await db.insert(sessions).values({ tokenSha256: createHash('sha256').update(token).digest('hex'), userId: added.user.id, csrfToken: 'csrf', expiresAt: new Date(Date.now() + 3600_000) });
  return `dangan_session=${token}`;
}

const unescape = (s: string) => s.replace(/&amp;/g, '&');

describeEachDatabase('records page', (t) => {
  it('searches 题名 and 档号 with fonds and year through listRecords, pages with links that keep the filters, and shows a capped total as a lower bound', async () => {
    const database = await t.open();
    await seed(database.db);
    const cookie = await staffCookie(database.db);
    const app = uiRoutes({ db: database.db, ingest: {} as IngestService, stores: [] });
    const get = async (path: string) => {
      const res = await app.request(path, { headers: { cookie, 'accept-language': 'zh-CN' } });
      expect(res.status, path).toBe(200);
      const body = await res.text();
      return {
        body,
        codes: [...body.matchAll(/<a href="\/ui\/records\/[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]),
        pager: /<div class="pager">([\s\S]*?)<\/div>/.exec(body)![1],
        next: /<a href="([^"]+)" rel="next">/.exec(body)?.[1],
        prev: /<a href="([^"]+)" rel="prev">/.exec(body)?.[1],
      };
    };
    const sorted = [...rows].sort(catalogueOrder);

    // Everything: catalogue order, 50 a page, counted up to 10,000 and said so.
    const first = await get('/ui/records');
    expect(first.codes).toEqual(sorted.slice(0, 50).map((r) => r.archivalCode));
    expect(first.pager).toContain('至少 10000 条');
    expect(first.prev).toBeUndefined();
    expect(unescape(first.next!)).toBe('/ui/records?page=2');
    const second = await get(unescape(first.next!));
    expect(second.codes).toEqual(sorted.slice(50, 100).map((r) => r.archivalCode));
    expect(unescape(second.prev!)).toBe('/ui/records?page=1');
    // Past the counting cap the pages go on.
    const late = await get('/ui/records?page=201');
    expect(late.codes).toEqual(sorted.slice(10_000, 10_050).map((r) => r.archivalCode));
    expect(late.next).toBeDefined();

    // A word of the 题名: every match, counted exactly, no further page.
    const word = await get(`/ui/records?q=${encodeURIComponent('防汛')}`);
    expect(word.codes).toEqual(rows.filter((r) => r.title.includes('防汛')).sort(catalogueOrder).map((r) => r.archivalCode));
    expect(word.codes).toHaveLength(3);
    expect(word.pager).toContain('共 3 条');
    expect(word.next).toBeUndefined();
    // The earlier form's ?title= still searches.
    expect((await get(`/ui/records?title=${encodeURIComponent('防汛')}`)).codes).toEqual(word.codes);

    // The beginning of a 档号 (any case), with fonds and year: the links keep the filters.
    const prefix = 'j002-ws·2020-y-0';
    const query = `/ui/records?q=${encodeURIComponent(prefix)}&fonds=J002&year=2020`;
    const want = rows.filter((r) => r.fonds === 'J002' && r.year === 2020 && r.archivalCode.toUpperCase().startsWith(prefix.toUpperCase())).sort(catalogueOrder).map((r) => r.archivalCode);
    expect(want.length).toBeGreaterThan(50);
    const coded = await get(query);
    expect(coded.codes).toEqual(want.slice(0, 50));
    const next = new URL(unescape(coded.next!), 'http://x');
    expect(Object.fromEntries(next.searchParams)).toEqual({ q: prefix, fonds: 'J002', year: '2020', page: '2' });
    expect((await get(unescape(coded.next!))).codes).toEqual(want.slice(50, 100));

    // Filters that leave nothing: the empty state.
    const none = await get(`/ui/records?q=${encodeURIComponent('防汛')}&year=2019&fonds=J002`);
    expect(rows.filter((r) => r.title.includes('防汛') && r.year === 2019 && r.fonds === 'J002')).toEqual([]);
    expect(none.codes).toEqual([]);
    expect(none.body).toContain('没有符合条件的档案');
  }, 180_000);
});
