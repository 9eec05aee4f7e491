// A transfer is a durable job: POST /api/v1/transfers answers 202 (pending) over real HTTP; a service
// killed with -9 mid-build leaves the transfer building (no package recorded, none at its key), and
// the next service takes the job over once the heartbeat stops, builds it once and cleans its scratch.
import { existsSync, mkdirSync, createReadStream } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../src/config/profile.ts';
import { openDatabase } from '../../src/db/index.ts';
import { events, transfers } from '../../src/db/schema.ts';
import { testDatabaseKinds } from '../../src/db/testing.ts';
import { verifyEventLog } from '../../src/events/index.ts';
import { createIngestService, createToken } from '../../src/ingest/index.ts';
import { createNoScanner } from '../../src/scan/index.ts';
import { openStore } from '../../src/store/index.ts';
import { transferKey } from '../../src/transfer/index.ts';
import { processSuite, spawnWatched } from './ingest-support.ts';
import { SAMPLE } from './transfer-support.ts';

const SERVICE = join(import.meta.dirname, 'fixtures', 'transfer-service.ts');
const { work, children, dbs } = processSuite('dangan-transfer-jobs-');

const startService = (args: string[]) => spawnWatched(SERVICE, args, children, 'service');

interface TransferJson {
  id: string;
  status: string;
  progress: { phase: string; totalBytes: number; attempt: number } | null;
  failureReason: string | null;
  package: { sha256: string; size: number } | null;
}

describe.runIf(testDatabaseKinds().includes('postgres'))('transfer jobs over HTTP (postgres)', () => {
  it('answers 202 pending; after kill -9 mid-build nothing is recorded as stored, and the next service builds it once', async () => {
    const place = await dbs.place();
    const database = await openDatabase(place);
    const primaryDir = join(work, 'primary');
    const backupDir = join(work, 'backup');
    const tmp = join(work, 'tmp');
    mkdirSync(tmp, { recursive: true });
    try {
      const primary = openStore(pathToFileURL(primaryDir).href, { name: 'primary', createIfMissing: true });
      const backup = openStore(pathToFileURL(backupDir).href, { name: 'backup', createIfMissing: true });
      const ingest = createIngestService({ db: database.db, primary, backups: [backup], scanner: createNoScanner(), profile: await loadProfile(undefined), tmpDir: tmp, tool: { name: 'dangan', version: 'test' }, actor: 'worker:test', log: pino({ level: 'silent' }), maxUploadBytes: 1 << 30 });
      const r = await ingest.receive({ body: createReadStream(SAMPLE), source: 'import', submitter: 'system', packageName: 'valid.zip' });
      if (r.kind !== 'created') throw new Error(r.kind);
      expect((await ingest.process(r.submission.id)).status).toBe('archived');
      const { token } = await createToken(database.db, { system: 'agency', fonds: ['J001'], role: 'admin', actor: 'test' });
      const auth = { authorization: `Bearer ${token}` };
      const args = [place.url!, primaryDir, backupDir, tmp];

      const first = startService([...args, 'hang']);
      const base1 = `http://127.0.0.1:${(await first.line(/READY (\d+)/))[1]}`;
      const res = await fetch(`${base1}/api/v1/transfers`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ fonds: 'J001', receivingUnit: '某某县档案馆' }) });
      expect(res.status).toBe(202);
      const created = (await res.json()) as TransferJson;
      expect(created.status).toBe('pending');
      expect(res.headers.get('location')).toBe(`/api/v1/transfers/${created.id}`);
      const id = created.id;

      // mid-build: the backup store has taken the first bytes of the package and stopped
      expect((await first.line(/HANG (\S+)/))[1]).toBe(transferKey(id));
      const building = (await (await fetch(`${base1}/api/v1/transfers/${id}`, { headers: auth })).json()) as TransferJson;
      expect(building.status).toBe('building');
      expect(building.progress?.attempt).toBe(1);
      expect(building.progress?.totalBytes).toBeGreaterThan(0);
      expect(existsSync(join(tmp, `transfer-${id}`))).toBe(true);
      first.child.kill('SIGKILL');
      await new Promise((done) => first.child.once('exit', done));
      const [mid] = await database.db.select().from(transfers).where(eq(transfers.id, id));
      expect(mid.status).toBe('building');
      expect(mid.objectKey).toBeNull();
      expect(await primary.head(transferKey(id))).toBeUndefined();
      expect(await backup.head(transferKey(id))).toBeUndefined();

      const second = startService([...args, 'normal']);
      const base2 = `http://127.0.0.1:${(await second.line(/READY (\d+)/))[1]}`;
      let t: TransferJson | undefined;
      for (const until = Date.now() + 90_000; Date.now() < until; await new Promise((w) => setTimeout(w, 500))) {
        t = (await (await fetch(`${base2}/api/v1/transfers/${id}`, { headers: auth })).json()) as TransferJson;
        if (t.status === 'stored' || t.status === 'failed') break;
      }
      expect(t?.failureReason ?? null).toBeNull();
      expect(t?.status).toBe('stored');
      expect(t?.progress).toBeNull();
      const pkg = Buffer.from(await (await fetch(`${base2}/api/v1/transfers/${id}/package`, { headers: auth })).arrayBuffer());
      expect(createHash('sha256').update(pkg).digest('hex')).toBe(t!.package!.sha256);
      for (const s of [primary, backup]) expect((await s.head(transferKey(id)))?.size).toBe(pkg.length);
      expect(existsSync(join(tmp, `transfer-${id}`))).toBe(false);
      const stored = await database.db.select().from(events).where(and(eq(events.subjectId, id), eq(events.type, 'transfer.stored')));
      expect(stored).toHaveLength(1);
      expect((await verifyEventLog(database.db)).ok).toBe(true);
      second.child.kill('SIGTERM');
    } finally {
      await database.close();
    }
  }, 150_000);
});
