// A receipt is a durable job: POST /api/v1/receipts answers 202 over real HTTP; a service killed
// with -9 after the records are catalogued but while the 交接登记表 is being written leaves the
// receipt archived without it, and the next service writes it — once, though the killed job is
// also retried once its heartbeat stops.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.ts';
import { events, records, submissions } from '../../src/db/schema.ts';
import { testDatabaseKinds } from '../../src/db/testing.ts';
import { verifyEventLog } from '../../src/events/index.ts';
import { createToken } from '../../src/ingest/index.ts';
import { keyedJobId } from '../../src/jobs/index.ts';
import { openStore } from '../../src/store/index.ts';
import { createTransfer, openTransferPackage, RECEIPT_QUEUE, RECEIPT_REGISTERED } from '../../src/transfer/index.ts';
import { processSuite, spawnWatched } from './ingest-support.ts';
import { ingestFile, openArchive, readAll, SAMPLE, testPki } from './transfer-support.ts';

const SERVICE = join(import.meta.dirname, 'fixtures', 'receipt-service.ts');
const { work, children, dbs } = processSuite('dangan-receipt-jobs-');

interface ReceiptJson {
  id: string;
  status: string;
  settled: boolean;
  handover: { key: string; sealKey: string | null } | null;
  links: { self: string; handover: string; handoverSeal: string };
}

describe.runIf(testDatabaseKinds().includes('postgres'))('receipt jobs over HTTP (postgres)', () => {
  it('answers 202; after kill -9 between the catalogue and the 交接登记表 the next service writes it once', async () => {
    // the package, built at a sending archive
    const { pki, trust, signing } = testPki(join(work, 'pki'));
    const from = await openArchive({ trust, signing });
    let pkg: Buffer;
    try {
      await ingestFile(from, SAMPLE);
      const t = await createTransfer(from.deps, { fonds: 'J001', requestedBy: 'system' });
      if (t.status !== 'stored') throw new Error(t.reason);
      pkg = await readAll((await openTransferPackage(from.deps, t.transfer.id))!.stream);
    } finally {
      await from.close();
    }
    const pkiFile = join(work, 'pki.json');
    writeFileSync(pkiFile, JSON.stringify({ rootPem: pki.alg.rsa.root.certPem, intermediatePem: pki.alg.rsa.intermediate.certPem, ...signing }));

    const place = await dbs.place();
    const database = await openDatabase(place);
    const primaryDir = join(work, 'primary');
    const backupDir = join(work, 'backup');
    const tmp = join(work, 'tmp');
    mkdirSync(tmp, { recursive: true });
    try {
      // migrations run by openDatabase; the token before any service
      const { token } = await createToken(database.db, { system: 'archive', fonds: ['J001'], role: 'admin', actor: 'test' });
      const auth = { authorization: `Bearer ${token}` };
      const args = [place.url!, primaryDir, backupDir, tmp];

      const first = spawnWatched(SERVICE, [...args, 'hang-handover', pkiFile], children, 'service');
      const base1 = `http://127.0.0.1:${(await first.line(/READY (\d+)/))[1]}`;
      const res = await fetch(`${base1}/api/v1/receipts`, { method: 'POST', headers: { ...auth, 'content-type': 'application/zip', 'x-dangan-received-by': encodeURIComponent('王五') }, body: pkg });
      expect(res.status).toBe(202);
      const created = (await res.json()) as ReceiptJson;
      expect(created.status).toBe('received');
      const id = created.id;

      // the records are catalogued; the backup store holds the 交接登记表's put: kill -9 there
      await first.line(/HANG/);
      const mid = (await (await fetch(`${base1}/api/v1/receipts/${id}`, { headers: auth })).json()) as ReceiptJson;
      expect(mid.status).toBe('archived');
      expect(mid.settled).toBe(false);
      expect(mid.handover).toBeNull();
      first.child.kill('SIGKILL');
      await new Promise((done) => first.child.once('exit', done));
      const registered = () => database.db.select().from(events).where(and(eq(events.type, RECEIPT_REGISTERED), eq(events.subjectId, id)));
      expect(await registered()).toHaveLength(0);
      expect((await database.db.select().from(records)).length).toBe(4);

      const second = spawnWatched(SERVICE, [...args, 'normal', pkiFile], children, 'service');
      const base2 = `http://127.0.0.1:${(await second.line(/READY (\d+)/))[1]}`;
      let r: ReceiptJson | undefined;
      for (const until = Date.now() + 60_000; Date.now() < until; await new Promise((w) => setTimeout(w, 300))) {
        r = (await (await fetch(`${base2}/api/v1/receipts/${id}`, { headers: auth })).json()) as ReceiptJson;
        if (r.settled) break;
      }
      expect(r?.status).toBe('registered');
      const xml = await (await fetch(`${base2}${r!.links.handover}`, { headers: auth })).text();
      expect(xml).toContain('<接收人>王五</接收人>');
      expect((await fetch(`${base2}${r!.links.handoverSeal}`, { headers: auth })).status).toBe(200);
      const backup = openStore(pathToFileURL(backupDir).href, { name: 'backup' });
      expect((await readAll(await backup.get(r!.handover!.key))).toString('utf8')).toBe(xml);

      // the killed job comes back once its heartbeat stops; it finds the register written and adds nothing
      const jobId = keyedJobId(RECEIPT_QUEUE, id);
      let state = '';
      for (const until = Date.now() + 60_000; Date.now() < until && state !== 'completed'; await new Promise((w) => setTimeout(w, 500))) {
        const rows = (await database.db.execute(sql`select state from pgboss.job where name = ${RECEIPT_QUEUE} and id = ${jobId}::uuid`)) as unknown as { state: string }[] | { rows: { state: string }[] };
        state = (Array.isArray(rows) ? rows : rows.rows)[0]?.state ?? '';
      }
      expect(state).toBe('completed');
      expect(await registered()).toHaveLength(1);
      const [sub] = await database.db.select().from(submissions).where(eq(submissions.id, id));
      expect(sub.status).toBe('archived');
      expect((await verifyEventLog(database.db)).ok).toBe(true);
      second.child.kill('SIGTERM');
    } finally {
      await database.close();
    }
  }, 180_000);
});
