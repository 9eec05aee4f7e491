// The event log against tampering in the database itself: rows edited, deleted and reordered (with
// the append-only triggers switched off, as a superuser could) are found by GET /api/v1/events/verify
// and by `dangan log verify`, each naming the first broken entry.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { asc, sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.ts';
import { openDatabase, type Db } from '../../src/db/index.ts';
import { events } from '../../src/db/schema.ts';
import { describeEachDatabase } from '../../src/db/testing.ts';
import { createToken } from '../../src/ingest/index.ts';
import { openTestStore, startService, waitForVerdict } from './ingest-support.ts';

const SAMPLE = join(import.meta.dirname, '..', '..', 'packages-samples', 'valid.zip');

async function tamper(db: Db, ...statements: ReturnType<typeof sql>[]) {
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    for (const s of statements) await tx.execute(s);
  });
}

describeEachDatabase('event log tampering', (t) => {
  it('names the first edited, removed or reordered entry over HTTP and on the command line', async () => {
    const place = await t.place();
    const database = await openDatabase(place);
    const db = database.db;
    const storeDir = join(place.dataDir, 'store');
    mkdirSync(storeDir, { recursive: true });
    const svc = await startService({ database, tmpDir: join(place.dataDir, 'tmp'), primary: openTestStore(pathToFileURL(storeDir).href, 'primary') });
    let closed = false;
    try {
      const { token } = await svc.token(['J001']);
      const res = await fetch(`${svc.url}/api/v1/submissions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip' }, body: readFileSync(SAMPLE) });
      const { id } = (await res.json()) as { id: string };
      expect((await waitForVerdict(svc.url, token, id)).status).toBe('archived');
      const auditor = (await createToken(db, { system: 'auditor', fonds: ['J001'], role: 'auditor', actor: 'test' })).token;

      const verify = async () => {
        const r = await fetch(`${svc.url}/api/v1/events/verify`, { headers: { authorization: `Bearer ${auditor}` } });
        return { status: r.status, body: (await r.json()) as { ok: boolean; firstBad?: { seq: number; reason: string; message: string } } };
      };
      expect(await verify()).toMatchObject({ status: 200, body: { ok: true } });
      const rows = await db.select().from(events).orderBy(asc(events.seq));
      expect(rows.length).toBeGreaterThanOrEqual(8);
      const [a, b, c] = [rows[3], rows[4], rows[5]];

      // Edited: a record.archived entry's payload.
      await tamper(db, sql`update events set payload = jsonb_set(payload, '{stores}', '["nowhere"]') where seq = ${b.seq}`);
      expect(await verify()).toMatchObject({ status: 409, body: { ok: false, firstBad: { seq: b.seq, reason: 'edited' } } });
      await tamper(db, sql`update events set payload = ${JSON.stringify(b.payload)}::jsonb where seq = ${b.seq}`);
      expect(await verify()).toMatchObject({ status: 200, body: { ok: true } });

      // Deleted: the entry after it names the gap.
      await tamper(db, sql`delete from events where seq = ${b.seq}`);
      expect(await verify()).toMatchObject({ status: 409, body: { ok: false, firstBad: { seq: c.seq, reason: 'removed' } } });
      await tamper(
        db,
        sql`insert into events (seq, at, type, actor, subject_type, subject_id, payload, prev_hash, hash) overriding system value
            values (${b.seq}, ${b.at.toISOString()}::timestamptz, ${b.type}, ${b.actor}, ${b.subjectType}, ${b.subjectId}, ${JSON.stringify(b.payload)}::jsonb, ${b.prevHash}, ${b.hash})`,
      );
      expect(await verify()).toMatchObject({ status: 200, body: { ok: true } });

      // Reordered: two entries swap places (each keeps its own content and hash).
      const put = (seq: number, r: typeof a) =>
        sql`update events set at = ${r.at.toISOString()}::timestamptz, type = ${r.type}, actor = ${r.actor}, subject_type = ${r.subjectType}, subject_id = ${r.subjectId},
            payload = ${JSON.stringify(r.payload)}::jsonb, prev_hash = ${r.prevHash}, hash = ${'tmp-' + seq} where seq = ${seq}`;
      await tamper(db, put(a.seq, b), put(b.seq, a), sql`update events set hash = ${b.hash} where seq = ${a.seq}`, sql`update events set hash = ${a.hash} where seq = ${b.seq}`);
      const reordered = await verify();
      expect(reordered.status).toBe(409);
      expect(reordered.body.firstBad?.seq).toBe(a.seq);
      expect(reordered.body.firstBad?.reason).toBe('reordered');

      await svc.close();
      await database.close();
      closed = true;
      // The command line, on the same database, names the same entry and exits 1.
      let out = '';
      const io = { env: { DANGAN_DATA: place.dataDir, ...(place.url ? { DATABASE_URL: place.url } : {}), DANGAN_LOG_LEVEL: 'silent' }, cwd: place.dataDir, out: (s: string) => (out += s), err: (s: string) => (out += s), isTTY: false };
      expect(await runCli(['log', 'verify'], io)).toBe(1);
      expect(out).toContain(`事件 ${a.seq}`);
      expect(out).toContain('reordered');
    } finally {
      if (!closed) {
        await svc.close();
        await database.close();
      }
    }
  });
});
