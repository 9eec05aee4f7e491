// kill -9 recovery: a worker process killed after storing every copy but before cataloguing leaves
// no records; another worker takes the job over once the heartbeat stops and archives it exactly once.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabases, testDatabaseKinds } from '../../src/db/testing.ts';
import { openDatabase } from '../../src/db/index.ts';
import { records, submissions } from '../../src/db/schema.ts';
import { verifyEventLog } from '../../src/events/index.ts';
import { writeIngestPackage } from './ingest-packages.ts';
import { listAll, openTestStore, spawnWatched, startService, waitForVerdict } from './ingest-support.ts';

const WORKER = join(import.meta.dirname, 'fixtures', 'ingest-worker.ts');
const work = mkdtempSync(join(tmpdir(), 'dangan-recovery-'));
const children: ChildProcess[] = [];
const dbs = createTestDatabases('postgres');
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await dbs.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const startWorker = (args: string[]) => spawnWatched(WORKER, args, children, 'worker');

describe.runIf(testDatabaseKinds().includes('postgres'))('ingest recovery after kill -9 (postgres)', () => {
  it('leaves no records when killed before cataloguing, and another worker archives the package once', async () => {
    const place = await dbs.place();
    const database = await openDatabase(place);
    const primaryDir = join(work, 'primary');
    const backupDir = join(work, 'backup');
    const tmp = join(work, 'tmp');
    mkdirSync(tmp, { recursive: true });
    const args = [place.url!, primaryDir, backupDir, tmp];
    // The API alone in this process; the jobs run in the worker processes.
    const svc = await startService({ database, tmpDir: tmp, primary: openTestStore(pathToFileURL(primaryDir).href, 'primary'), workers: false });
    try {
      const first = startWorker([...args, 'hang']);
      await first.line(/READY/);
      const { token } = await svc.token(['J001']);
      const pkg = join(work, 'p.zip');
      const codes = await writeIngestPackage(pkg, { division: 'KILL', count: 3, pdfBytes: 20_000 });
      const res = await fetch(`${svc.url}/api/v1/submissions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip' }, body: readFileSync(pkg) });
      const { id } = (await res.json()) as { id: string };

      const hung = await first.line(/HANG (\S+)/);
      expect(hung[1]).toBe(id);
      // Every copy is stored, nothing is catalogued yet.
      expect((await listAll(openTestStore(pathToFileURL(backupDir).href, 'backup'), 'sha256/')).length).toBeGreaterThanOrEqual(7);
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      const [mid] = await database.db.select().from(submissions).where(eq(submissions.id, id));
      expect(mid.status).toBe('accepted');
      expect(await database.db.select().from(records)).toEqual([]);

      const second = startWorker([...args, 'normal']);
      await second.line(/READY/);
      const done = await waitForVerdict(svc.url, token, id, 90_000);
      expect(done.status).toBe('archived');
      expect(done.attempts).toBe(2);
      const held = await database.db.select({ code: records.archivalCode }).from(records);
      expect(held.map((r) => r.code).sort()).toEqual(codes);
      expect((await verifyEventLog(database.db)).ok).toBe(true);
      second.child.kill('SIGTERM');
    } finally {
      await svc.close();
      await database.close();
    }
  }, 120_000);
});
