// kill -9 recovery: a worker process killed in the middle of the check (some copies written under
// pending/, some not) or after storing every copy but before cataloguing leaves no records; another
// worker takes the job over once the heartbeat stops, archives it exactly once and leaves nothing
// pending.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../src/db/testing.ts';
import { openDatabase } from '../../src/db/index.ts';
import { records, submissions } from '../../src/db/schema.ts';
import { verifyEventLog } from '../../src/events/index.ts';
import { writeIngestPackage } from './ingest-packages.ts';
import { listAll, openTestStore, processSuite, spawnWatched, startService, waitFor, waitForVerdict } from './ingest-support.ts';

const WORKER = join(import.meta.dirname, 'fixtures', 'ingest-worker.ts');
const { work, children, dbs } = processSuite('dangan-recovery-');

const startWorker = (args: string[]) => spawnWatched(WORKER, args, children, 'worker');

const CASES = [
  { mode: 'hang-check', at: 'in the middle of the check', signal: /HANG-CHECK/, status: 'checking' },
  { mode: 'hang', at: 'before cataloguing', signal: /HANG (\S+)/, status: 'accepted' },
] as const;

describe.runIf(testDatabaseKinds().includes('postgres'))('ingest recovery after kill -9 (postgres)', () => {
  it.each(CASES)('leaves no records when killed $at, and another worker archives the package once', async ({ mode, signal, status }) => {
    const place = await dbs.place();
    const database = await openDatabase(place);
    const primaryDir = join(work, mode, 'primary');
    const backupDir = join(work, mode, 'backup');
    const tmp = join(work, mode, 'tmp');
    mkdirSync(tmp, { recursive: true });
    const args = [place.url!, primaryDir, backupDir, tmp];
    const primary = openTestStore(pathToFileURL(primaryDir).href, 'primary');
    const backup = openTestStore(pathToFileURL(backupDir).href, 'backup');
    // The API alone in this process; the jobs run in the worker processes.
    const svc = await startService({ database, tmpDir: tmp, primary, workers: false });
    try {
      const first = startWorker([...args, mode]);
      await first.line(/READY/);
      const { token } = await svc.token(['J001']);
      const pkg = join(work, mode, 'p.zip');
      const codes = await writeIngestPackage(pkg, { division: 'KILL', count: 3, pdfBytes: 20_000 });
      const res = await fetch(`${svc.url}/api/v1/submissions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip' }, body: readFileSync(pkg) });
      const { id } = (await res.json()) as { id: string };

      const hung = await first.line(signal);
      if (mode === 'hang') {
        expect(hung[1]).toBe(id);
        // Every copy is stored, nothing is catalogued yet.
        expect((await listAll(backup, 'sha256/')).length).toBeGreaterThanOrEqual(7);
      } else {
        // Some copies wait under pending/ (their writes overlap the check's read), none is at its content key yet.
        for (const s of [primary, backup]) {
          await waitFor(`copies under pending/ in ${s.name}`, async () => ((await listAll(s, `pending/${id}/`)).length > 0 ? true : undefined), 10_000);
          expect(await listAll(s, 'sha256/'), s.name).toEqual([]);
        }
      }
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      const [mid] = await database.db.select().from(submissions).where(eq(submissions.id, id));
      expect(mid.status).toBe(status);
      expect(await database.db.select().from(records)).toEqual([]);

      const second = startWorker([...args, 'normal']);
      await second.line(/READY/);
      const done = await waitForVerdict(svc.url, token, id, 90_000);
      expect(done.status).toBe('archived');
      expect(done.attempts).toBe(2);
      const held = await database.db.select({ code: records.archivalCode }).from(records);
      expect(held.map((r) => r.code).sort()).toEqual(codes);
      expect((await verifyEventLog(database.db)).ok).toBe(true);
      for (const s of [primary, backup]) expect(await listAll(s, 'pending/'), s.name).toEqual([]);
      second.child.kill('SIGTERM');
    } finally {
      await svc.close();
      await database.close();
    }
  }, 120_000);
});
