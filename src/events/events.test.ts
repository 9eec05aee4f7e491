// Event log tests on both backends: chaining, append-only triggers, tampering found, concurrent appends.
import { tmpdir } from 'node:os';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase, rowsOf, type Db } from '../db/index.ts';
import { describeEachDatabase } from '../db/testing.ts';
import { appendEvent, appendEvents, eventHash, GENESIS_HASH, listEvents, verifyEventLog } from './index.ts';

async function appendSome(db: Db, n: number, from = 0) {
  const out = [];
  for (let i = from; i < from + n; i++) {
    out.push(
      await appendEvent(db, {
        type: i % 2 ? 'record.archived' : 'submission.received',
        actor: 'system',
        subject: { type: 'record', id: `J001-WS·2024-Y-BGS-${String(i + 1).padStart(4, '0')}` },
        payload: { n: i, 题名: `关于第${i}号的通知`, nested: { b: [1, 2.5, 'x'], a: null }, skip: undefined },
      }),
    );
  }
  return out;
}

/** Runs raw SQL with user triggers disabled, as a superuser tampering with the table could. */
async function tamper(db: Db, ...statements: ReturnType<typeof sql>[]) {
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    for (const s of statements) await tx.execute(s);
  });
}

async function contentColumns(db: Db, seq: number) {
  const [row] = rowsOf<Record<string, unknown>>(
    await db.execute(sql`select at::text as at, type, actor, subject_type, subject_id, payload::text as payload, prev_hash, hash from events where seq = ${seq}`),
  );
  return row;
}

describeEachDatabase('event log', (t) => {
  it('appends chained entries and verifies them, in pages', async () => {
    const { db } = await t.open();
    expect(await verifyEventLog(db)).toEqual({ ok: true, count: 0, lastHash: GENESIS_HASH });
    const appended = await appendSome(db, 5);
    expect(appended[0].prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < appended.length; i++) expect(appended[i].prevHash).toBe(appended[i - 1].hash);
    for (const e of appended) expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(appended[0].payload).toEqual({ n: 0, 题名: '关于第0号的通知', nested: { b: [1, 2.5, 'x'], a: null } });

    const progress: number[] = [];
    const result = await verifyEventLog(db, { pageSize: 2, onProgress: (n) => progress.push(n) });
    expect(result).toEqual({ ok: true, count: 5, lastHash: appended[4].hash });
    expect(progress).toEqual([2, 4, 5]);

    // The stored row hashes to what appendEvent computed (what an outside verifier would do).
    const listed = await listEvents(db, { after: appended[1].seq, type: 'record.archived' });
    expect(listed.map((e) => e.seq)).toEqual([appended[3].seq]);
    expect(eventHash(listed[0].prevHash, listed[0])).toBe(listed[0].hash);
    const bySubject = await listEvents(db, { subject: { type: 'record', id: 'J001-WS·2024-Y-BGS-0002' } });
    expect(bySubject).toHaveLength(1);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on events, and keeps the head moving forward only', async () => {
    const { db } = await t.open();
    await appendSome(db, 2);
    const refused = async (q: ReturnType<typeof sql>) => {
      const e = await db.execute(q).then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      expect(e, String(q.queryChunks)).toBeInstanceOf(Error);
      expect(String((e as Error & { cause?: Error }).cause?.message ?? (e as Error).message)).toMatch(/只能追加|events is append-only|事件链头/);
    };
    await refused(sql`update events set payload = '{"x":1}'`);
    await refused(sql`delete from events where seq = 1`);
    await refused(sql`truncate events`);
    await refused(sql`delete from event_chain_head`);
    await refused(sql`update event_chain_head set count = 0`);
    expect(await verifyEventLog(db)).toMatchObject({ ok: true, count: 2 });
  });

  it('finds an edited payload', async () => {
    const { db } = await t.open();
    const ev = await appendSome(db, 5);
    await tamper(db, sql`update events set payload = jsonb_set(payload, '{n}', '99') where seq = ${ev[2].seq}`);
    expect(await verifyEventLog(db)).toMatchObject({ ok: false, firstBad: { seq: ev[2].seq, reason: 'edited' } });
  });

  it('finds an edited timestamp or actor', async () => {
    const { db } = await t.open();
    const ev = await appendSome(db, 3);
    await tamper(db, sql`update events set actor = 'user:mallory' where seq = ${ev[1].seq}`);
    expect(await verifyEventLog(db)).toMatchObject({ ok: false, firstBad: { seq: ev[1].seq, reason: 'edited' } });
  });

  it('finds a removed entry (and names the entry after the gap)', async () => {
    const { db } = await t.open();
    const ev = await appendSome(db, 5);
    await tamper(db, sql`delete from events where seq = ${ev[1].seq}`);
    const r = await verifyEventLog(db);
    expect(r).toMatchObject({ ok: false, firstBad: { seq: ev[2].seq, reason: 'removed' } });
    if (!r.ok) expect(r.firstBad.message).toMatch(/缺失/);
  });

  it('finds entries cut off the end of the chain', async () => {
    const { db } = await t.open();
    const ev = await appendSome(db, 4);
    await tamper(db, sql`delete from events where seq >= ${ev[2].seq}`);
    expect(await verifyEventLog(db)).toMatchObject({ ok: false, firstBad: { seq: ev[3].seq, reason: 'truncated' } });
  });

  it('finds two entries whose contents were swapped', async () => {
    const { db } = await t.open();
    const ev = await appendSome(db, 5);
    const a = await contentColumns(db, ev[1].seq);
    const b = await contentColumns(db, ev[3].seq);
    const put = (seq: number, r: Record<string, unknown>) =>
      sql`update events set at = ${r.at as string}::timestamptz, type = ${r.type as string}, actor = ${r.actor as string},
          subject_type = ${r.subject_type as string}, subject_id = ${r.subject_id as string},
          payload = ${r.payload as string}::jsonb, prev_hash = ${r.prev_hash as string}, hash = ${r.hash as string}
          where seq = ${seq}`;
    await tamper(db, sql`update events set hash = 'x' || hash where seq = ${ev[1].seq}`, put(ev[3].seq, a), put(ev[1].seq, b));
    expect(await verifyEventLog(db)).toMatchObject({ ok: false, firstBad: { seq: ev[1].seq, reason: 'reordered' } });
  });

  it('finds an entry inserted around appendEvent', async () => {
    const { db } = await t.open();
    const ev = await appendSome(db, 2);
    await db.execute(
      sql`insert into events (at, type, actor, payload, prev_hash, hash) values (now(), 'x', 'mallory', '{}', ${ev[1].hash}, ${'f'.repeat(64)})`,
    );
    expect(await verifyEventLog(db)).toMatchObject({ ok: false, firstBad: { reason: 'head-mismatch' } });
  });

  it('appends inside a caller transaction and rolls back with it', async () => {
    const { db } = await t.open();
    await appendSome(db, 1);
    await expect(
      db.transaction(async (tx) => {
        await appendEvent(tx, { type: 'submission.received', actor: 'system', payload: { a: 1 } });
        throw new Error('caller failed');
      }),
    ).rejects.toThrow('caller failed');
    const committed = await db.transaction(async (tx) => appendEvent(tx, { type: 'x.y', actor: 'system' }));
    expect(committed.seq).toBeGreaterThan(1); // the rolled-back seq is a gap, not a break
    expect(await verifyEventLog(db)).toMatchObject({ ok: true, count: 2 });
  });

  it('appends a batch in order under one lock, all or nothing', async () => {
    const { db } = await t.open();
    await appendSome(db, 1);
    const many = Array.from({ length: 1203 }, (_, i) => ({ type: 'record.archived', actor: 'system', payload: { i } }));
    const stored = await appendEvents(db, many);
    expect(stored.map((e) => (e.payload as { i: number }).i)).toEqual(many.map((_, i) => i));
    for (let i = 1; i < stored.length; i++) {
      expect(stored[i].seq).toBeGreaterThan(stored[i - 1].seq);
      expect(stored[i].prevHash).toBe(stored[i - 1].hash);
    }
    await expect(appendEvents(db, [{ type: 'ok', actor: 'system' }, { type: 'bad', actor: '' }])).rejects.toThrow(/actor/);
    expect(await verifyEventLog(db, { pageSize: 500 })).toMatchObject({ ok: true, count: 1204, lastHash: stored[1202].hash });
  });

  it('refuses values that could not verify', async () => {
    const { db } = await t.open();
    await expect(appendEvent(db, { type: 'x', actor: 'system', payload: { bad: 'a\u0000b' } })).rejects.toThrow(/U\+0000/);
    await expect(appendEvent(db, { type: 'x', actor: 'system', payload: { n: Number.NaN } })).rejects.toThrow(/finite/);
    await expect(appendEvent(db, { type: '', actor: 'system' })).rejects.toThrow(/type/);
    expect(await verifyEventLog(db)).toMatchObject({ ok: true, count: 0 });
  });

  it('keeps one chain when many appends run at once', async () => {
    const first = await t.open();
    // PostgreSQL: three separate pools (connections) on the same database; PGlite: one instance.
    const others =
      t.kind === 'postgres'
        ? await Promise.all([1, 2].map(() => openDatabase({ url: first.url, dataDir: tmpdir(), poolSize: 4 })))
        : [];
    try {
      const dbs = [first.db, ...others.map((o) => o.db)];
      await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          appendEvent(dbs[i % dbs.length], { type: 'c.test', actor: `worker:${i % dbs.length}`, payload: { i } }),
        ),
      );
      expect(await verifyEventLog(first.db)).toMatchObject({ ok: true, count: 60 });
      const [dups] = rowsOf<{ n: number | string }>(
        await first.db.execute(sql`select count(*) - count(distinct prev_hash) as n from events`),
      );
      expect(Number(dups.n)).toBe(0);
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  });
});

describe('eventHash', () => {
  it('is SM3 over prev_hash and the canonical JSON of the entry', async () => {
    const { createHash } = await import('node:crypto');
    const at = new Date('2026-11-22T02:33:25.123Z');
    const e = { at, type: 't', actor: 'a', subjectType: null, subjectId: null, payload: { b: 1, a: '中' } };
    const expected = createHash('sm3')
      .update(GENESIS_HASH + '{"actor":"a","at":"2026-11-22T02:33:25.123Z","payload":{"a":"中","b":1},"subject":null,"type":"t","v":1}')
      .digest('hex');
    expect(eventHash(GENESIS_HASH, e)).toBe(expected);
  });
});
