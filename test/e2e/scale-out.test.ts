// Scale-out: one API process (`dangan serve --no-workers`) and four `dangan worker` processes — the
// CLI users run, as child processes — on one PostgreSQL server and one S3 endpoint (s3rver, the
// primary store; a file-system backup store beside it) share 200 submissions sent over HTTP. One
// worker is killed with SIGKILL just as it takes a job. Every submission reaches its final state;
// every package is catalogued exactly once (each 档号 once, one archived event per submission, the
// event log intact); the killed worker's jobs are finished by the others; the work was spread.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { count, desc, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, rowsOf, type Database } from '../../src/db/index.ts';
import { copies, events, files, records, submissions } from '../../src/db/schema.ts';
import { createTestDatabases, testDatabaseKinds } from '../../src/db/testing.ts';
import { keyedJobId } from '../../src/jobs/index.ts';
import { INGEST_QUEUE } from '../../src/ingest/service.ts';
import { S3_CREDS, startS3rver, type S3Server } from '../../src/store/s3rver-testing.ts';
import { writeIngestPackage } from './ingest-packages.ts';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'dangan.js');
const work = mkdtempSync(join(tmpdir(), 'dangan-scale-out-'));
const dbs = createTestDatabases('postgres');
const children: ChildProcess[] = [];
let s3: S3Server | undefined;
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await s3?.stop();
  await dbs.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const WORKERS = 4;
/** Packages with a 件号 group of their own (one record of one PDF each: five objects to store)… */
const UNIQUE = 195;
/** …and rivals: same 档号 as one of those, other bytes. Of each pair exactly one may be archived. */
const RIVALS = 5;
const FINAL = ['archived', 'rejected', 'failed'];

interface Proc {
  child: ChildProcess;
  pid: number;
  /** stdout so far (pino JSON lines) and stderr so far. */
  out: () => string;
  err: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Called with every whole stdout line as it arrives. */
  onLine: (fn: (line: string) => void) => void;
}

function startProcess(name: string, args: string[], env: Record<string, string>, ready: RegExp): { proc: Proc; ready: Promise<RegExpExecArray> } {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  let partial = '';
  const listeners: ((line: string) => void)[] = [];
  child.stdout!.on('data', (c: Buffer) => {
    const text = c.toString();
    out += text;
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    for (const line of lines) for (const fn of listeners) fn(line);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const readyP = new Promise<RegExpExecArray>((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = ready.exec(err);
      if (m) resolve(m);
    });
    void exited.then(({ code, signal }) => reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${err}`)));
  });
  return { proc: { child, pid: child.pid!, out: () => out, err: () => err, exited, onLine: (fn) => listeners.push(fn) }, ready: readyP };
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The pino lines of a process's stdout with this message. */
function logLines(out: string, msg: string): { submission: string; attempt?: number }[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; submission: string; attempt?: number })
    .filter((l) => l.msg === msg);
}

async function statusCounts(database: Database): Promise<Record<string, number>> {
  const rows = await database.db.select({ status: submissions.status, n: count() }).from(submissions).groupBy(submissions.status);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Sends each package with at most `parallel` uploads at a time; returns the submission ids in order. */
async function submitAll(url: string, token: string, zips: string[], parallel: number): Promise<string[]> {
  const ids: string[] = new Array(zips.length);
  let next = 0;
  const lane = async () => {
    while (next < zips.length) {
      const i = next++;
      const res = await fetch(`${url}/api/v1/submissions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip' }, body: readFileSync(zips[i]) });
      const body = (await res.json()) as { id: string; status: string };
      if (res.status !== 202) throw new Error(`POST ${zips[i]}: ${res.status} ${JSON.stringify(body)}`);
      ids[i] = body.id;
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return ids;
}

describe.runIf(testDatabaseKinds().includes('postgres'))('scale-out: one API and four workers on PostgreSQL and S3', () => {
  it('processes 200 submissions exactly once, none lost when a worker is killed with SIGKILL, none stuck', async () => {
    // 1. The packages: distinct 件号 groups (so that any order archives them all), plus rivals.
    const zips: string[] = [];
    const expectedCodes: string[] = [];
    for (let i = 1; i <= UNIQUE; i++) {
      const division = `S${String(i).padStart(3, '0')}`;
      const zip = join(work, 'packages', `${division}.zip`);
      expectedCodes.push(...(await writeIngestPackage(zip, { division, count: 1, pdfBytes: 1500 })));
      zips.push(zip);
    }
    const rivalOf = new Map<number, number>(); // index of the rival → index of the package it copies
    for (let r = 1; r <= RIVALS; r++) {
      const target = r * 37; // S037, S074, …: spread through the queue
      const division = `S${String(target).padStart(3, '0')}`;
      const zip = join(work, 'packages', `${division}-rival.zip`);
      await writeIngestPackage(zip, { division, count: 1, pdfBytes: 1700 }); // same 档号, other bytes
      rivalOf.set(zips.length, target - 1);
      zips.push(zip);
    }
    expect(zips).toHaveLength(UNIQUE + RIVALS);

    // 2. One PostgreSQL database, one S3 endpoint (primary), one file-system backup store.
    const place = await dbs.place();
    // (Every store request of the five processes goes to this one s3rver: most of the test's CPU time.)
    s3 = await startS3rver(['scale-primary']);
    const backupDir = join(work, 'backup');
    mkdirSync(backupDir, { recursive: true });
    const common = {
      DATABASE_URL: place.url!,
      DANGAN_STORE: 's3://scale-primary/archive',
      DANGAN_BACKUP_STORES: `${pathToFileURL(backupDir).href}?name=backup-fs`,
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY_ID: S3_CREDS.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3_CREDS.secretAccessKey,
      // A dead worker's job moves on within about 10-15 s (defaults: 30 s heartbeat, 10 s first retry).
      DANGAN_JOB_HEARTBEAT_SECONDS: '10',
      DANGAN_JOB_RETRY_DELAY_SECONDS: '1',
      DANGAN_LOG_LEVEL: 'info',
    };
    const envOf = (name: string) => ({ ...common, DANGAN_DATA: join(work, name) }); // each its own scratch folder, as on its own machine

    const api = startProcess('api', ['serve', '--no-workers', '--port', '0'], envOf('api'), /http:\/\/localhost:(\d+)\/healthz/);
    const url = `http://127.0.0.1:${(await api.ready)[1]}`; // migrated the database
    expect(api.proc.err()).toContain('no workers');
    const workers = Array.from({ length: WORKERS }, (_, i) => startProcess(`worker ${i + 1}`, ['worker'], envOf(`worker-${i + 1}`), /dangan worker: 已启动/));
    await Promise.all(workers.map((w) => w.ready));
    const created = await run(['token', 'create', '--system', 'scale-out', '--fonds', 'J001'], envOf('cli'));
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim().split('\n').pop()!;

    const database = await openDatabase(place);
    try {
      // 3. Once a third is archived, kill worker 1 the moment it takes its next job.
      const victim = workers[0].proc;
      let killedOn: string | undefined;
      let killedAt = 0;
      let armed = false;
      victim.onLine((line) => {
        if (!armed || killedOn || !line.includes('ingest attempt started')) return;
        killedOn = (JSON.parse(line) as { submission: string }).submission;
        killedAt = Date.now();
        victim.child.kill('SIGKILL');
      });
      let gaveUp = false;
      const arming = (async () => {
        const until = Date.now() + 240_000;
        while (!gaveUp) {
          const c = await statusCounts(database);
          if ((c.archived ?? 0) >= 70) return void (armed = true);
          if (Date.now() > until) throw new Error(`only ${c.archived ?? 0} archived after 4 minutes: ${JSON.stringify(c)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      arming.catch(() => {}); // awaited below; a failed upload must not leave it unhandled meanwhile

      let ids: string[];
      try {
        ids = await submitAll(url, token, zips, 6);
      } catch (e) {
        gaveUp = true;
        throw e;
      }
      expect(new Set(ids).size).toBe(zips.length);
      await arming;
      let timer: NodeJS.Timeout | undefined;
      const death = await Promise.race([victim.exited, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 30_000)))]);
      clearTimeout(timer);
      expect(death, 'worker 1 took no job for 30 s after a third was archived').toEqual({ code: null, signal: 'SIGKILL' });
      expect(killedOn).toBeDefined();

      // 4. None stuck: every submission final within a bounded wait, else fail naming the stuck ones.
      // (Bounded, with room for a machine shared with other work: one s3rver process serves every store request.)
      const deadline = Date.now() + 240_000;
      let open: { id: string; status: string; attempts: number }[] = [];
      for (;;) {
        open = await database.db
          .select({ id: submissions.id, status: submissions.status, attempts: submissions.attempts })
          .from(submissions)
          .where(inArray(submissions.status, ['received', 'checking', 'accepted']));
        if (open.length === 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      if (open.length) {
        const jobs = rowsOf(await database.db.execute(sql`select id, state::text as state, retry_count, started_on, heartbeat_on, output from pgboss.job where name = ${INGEST_QUEUE} and state <> 'completed'`));
        const tails = [api, ...workers].map((p, i) => `--- ${i === 0 ? 'api' : `worker ${i}`} (pid ${p.proc.pid}) stderr:\n${p.proc.err().slice(-2000)}\nstdout:\n${p.proc.out().split('\n').slice(-8).join('\n')}`);
        expect.fail(`${open.length} stuck submissions: ${JSON.stringify(open)}\njobs: ${JSON.stringify(jobs)}\n${tails.join('\n')}`);
      }

      const all = await database.db.select().from(submissions);
      expect(all).toHaveLength(zips.length);
      const byId = new Map(all.map((s) => [s.id, s]));
      const statusOf = (i: number) => byId.get(ids[i])!.status;
      // The unique packages are all archived; of each rival pair exactly one is, the other rejected.
      for (let i = 0; i < UNIQUE; i++) {
        if ([...rivalOf.values()].includes(i)) continue;
        expect(statusOf(i), `${zips[i]}: ${byId.get(ids[i])!.failureReason}`).toBe('archived');
      }
      for (const [rival, target] of rivalOf) {
        expect([statusOf(rival), statusOf(target)].sort(), `${zips[rival]} vs ${zips[target]}`).toEqual(['archived', 'rejected']);
      }
      const archivedIds = all.filter((s) => s.status === 'archived').map((s) => s.id);
      expect(archivedIds).toHaveLength(UNIQUE);
      expect(all.filter((s) => s.status === 'failed')).toEqual([]);

      // 5. Exactly once: each 档号 held once, by one submission; the expected numbers of records,
      // files and copies (one per store); one archived event per archived submission, one
      // record.archived per 档号, no archived event for a rejected one.
      const held = await database.db.select({ code: records.archivalCode, submission: records.submissionId }).from(records);
      expect(held.map((r) => r.code).sort()).toEqual([...expectedCodes].sort());
      expect(new Set(held.map((r) => r.submission))).toEqual(new Set(archivedIds));
      const [fileCount] = await database.db.select({ n: count() }).from(files);
      expect(Number(fileCount.n)).toBe(expectedCodes.length);
      const copyRows = await database.db
        .select({ store: copies.store, n: count() })
        .from(copies)
        .innerJoin(files, eq(files.id, copies.fileId))
        .groupBy(copies.store);
      expect(Object.fromEntries(copyRows.map((r) => [r.store, Number(r.n)]))).toEqual({ primary: expectedCodes.length, 'backup-fs': expectedCodes.length });

      const archivedEvents = await database.db
        .select({ subject: events.subjectId, actor: events.actor })
        .from(events)
        .where(eq(events.type, 'submission.archived'));
      expect(archivedEvents.map((e) => e.subject).sort()).toEqual([...archivedIds].sort());
      const recordEvents = await database.db.select({ subject: events.subjectId }).from(events).where(eq(events.type, 'record.archived'));
      expect(recordEvents.map((e) => e.subject).sort()).toEqual([...expectedCodes].sort());
      const rejectedEvents = await database.db
        .select({ subject: events.subjectId, n: count() })
        .from(events)
        .where(eq(events.type, 'submission.rejected'))
        .groupBy(events.subjectId);
      const rejectedIds = all.filter((s) => s.status === 'rejected').map((s) => s.id);
      expect(rejectedEvents.map((e) => e.subject).sort()).toEqual([...rejectedIds].sort());

      // 6. Nothing lost after the SIGKILL: what worker 1 had started and not finished, the others finished.
      const actorOf = (pid: number) => new RegExp(`^worker:[^:]+:${pid}$`);
      const finalActor = new Map<string, string>();
      for (const e of await database.db
        .select({ subject: events.subjectId, actor: events.actor })
        .from(events)
        .where(inArray(events.type, ['submission.archived', 'submission.rejected']))) {
        finalActor.set(e.subject!, e.actor); // a rival may be rejected after an `accepted`: the last one wins
      }
      const started = new Set(logLines(victim.out(), 'ingest attempt started').map((l) => l.submission));
      expect(started.has(killedOn!)).toBe(true);
      const interrupted = [...started].filter((id) => !actorOf(victim.pid).test(finalActor.get(id) ?? ''));
      expect(interrupted).toContain(killedOn);
      for (const id of interrupted) {
        expect(FINAL, id).toContain(byId.get(id)!.status);
        expect(finalActor.get(id), id).toMatch(/^worker:/);
      }
      // The job it had just taken was failed by its stopped heartbeat and run again by another worker
      // (the submission counts 1 or 2 attempts: the kill may come before the first one was noted).
      const seen = await fetch(`${url}/api/v1/submissions/${killedOn}`, { headers: { authorization: `Bearer ${token}` } });
      expect(((await seen.json()) as { status: string }).status).toBe(byId.get(killedOn!)!.status);
      const killedJob = rowsOf<{ state: string; retries: number }>(
        await database.db.execute(sql`select state::text as state, retry_count::int as retries from pgboss.job where name = ${INGEST_QUEUE} and id = ${keyedJobId(INGEST_QUEUE, killedOn!)}::uuid`),
      );
      expect(killedJob).toHaveLength(1);
      expect(killedJob[0].state).toBe('completed');
      expect(Number(killedJob[0].retries)).toBeGreaterThanOrEqual(1);

      // 7. Spread: the archived events name at least three of the four workers, none the API.
      const perWorker = workers.map((w) => archivedEvents.filter((e) => actorOf(w.proc.pid).test(e.actor)).length);
      expect(perWorker.reduce((a, b) => a + b)).toBe(UNIQUE);
      expect(perWorker.filter((n) => n > 0).length, `archived per worker: ${perWorker}`).toBeGreaterThanOrEqual(3);
      expect(perWorker[0], 'worker 1 archived some before it was killed').toBeGreaterThan(0);
      const [takenOver] = await database.db.select({ at: events.at }).from(events).where(eq(events.subjectId, killedOn!)).orderBy(desc(events.seq)).limit(1);
      console.info(`scale-out: archived per worker ${perWorker.join(', ')} (worker 1 killed); its ${interrupted.length} unfinished job(s) finished by others, the one it had just taken ${((takenOver.at.getTime() - killedAt) / 1000).toFixed(1)} s after the kill`);

      // 8. No ingest job left behind in the queue.
      const jobStates = await waitForJobs(database);
      expect(jobStates).toEqual({ completed: zips.length });

      // 9. The event log verifies end to end, from the CLI.
      const verified = await run(['log', 'verify'], envOf('cli'));
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);

      // 10. The survivors and the API stop cleanly.
      for (const p of [...workers.slice(1).map((w) => w.proc), api.proc]) p.child.kill('SIGTERM');
      for (const p of [...workers.slice(1).map((w) => w.proc), api.proc]) expect(await p.exited).toEqual({ code: 0, signal: null });
    } finally {
      await database.close();
    }
  }, 420_000);
});

/** The ingest jobs per state, once none is waiting or running (at most 30 s). */
async function waitForJobs(database: Database): Promise<Record<string, number>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rows = rowsOf<{ state: string; n: number }>(await database.db.execute(sql`select state::text as state, count(*)::int as n from pgboss.job where name = ${INGEST_QUEUE} group by state`));
    const out = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    if (Object.keys(out).every((s) => s === 'completed' || s === 'failed' || s === 'cancelled') || Date.now() > deadline) return out;
    await new Promise((r) => setTimeout(r, 500));
  }
}
