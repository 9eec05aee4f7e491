// The ingest commands as operators run them: token create, serve + submit --wait, import with its
// summary table, log verify (PGlite); and `dangan worker` processing what another process received (PostgreSQL).
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.ts';
import { createTestDatabases, testDatabaseKinds } from '../../src/db/testing.ts';
import { writeIngestPackage } from './ingest-packages.ts';
import { openTestStore, startService, waitForVerdict } from './ingest-support.ts';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'dangan.js');
const SAMPLE = join(root, 'packages-samples', 'valid.zip');
const work = mkdtempSync(join(tmpdir(), 'dangan-ingest-cli-'));
const dbs = createTestDatabases('postgres');
const running: ReturnType<typeof spawn>[] = [];
afterAll(async () => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await dbs.cleanup();
  rmSync(work, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, DANGAN_LOG_LEVEL: 'warn', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function start(args: string[], env: Record<string, string>, ready: RegExp) {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, DANGAN_LOG_LEVEL: 'warn', ...env } });
  running.push(child);
  let stderr = '';
  const matched = new Promise<RegExpExecArray>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = ready.exec(stderr);
      if (m) resolve(m);
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, matched, exited };
}

describe('ingest commands (pglite)', () => {
  it('creates a token, serves, submits with --wait, imports a folder and verifies the log', async () => {
    const data = join(work, 'data');
    const env = { DANGAN_DATA: data };
    const created = await run(['token', 'create', '--system', 'oa', '--fonds', 'J001'], env);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim().split('\n').pop()!;
    expect(token).toMatch(/^dgn_[A-Za-z0-9_-]{40,}$/);

    const serve = start(['serve', '--port', '0'], env, /http:\/\/localhost:(\d+)\/healthz/);
    const url = `http://127.0.0.1:${(await serve.matched)[1]}`;
    const ok = await run(['submit', SAMPLE, '--url', url, '--token', token, '--wait'], {});
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('已归档 (archived)');
    const dup = await run(['submit', SAMPLE, '--url', url, '--token', token, '--wait'], {});
    expect(dup.code).toBe(1);
    expect(dup.stdout).toContain('检测不通过 (rejected)');
    const bad = await run(['submit', SAMPLE, '--url', url, '--token', 'dgn_wrong'], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/401/);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);

    const carrier = join(work, 'carrier');
    mkdirSync(join(carrier, 'disc2'), { recursive: true });
    await writeIngestPackage(join(carrier, 'a.zip'), { division: 'IMA' });
    await writeIngestPackage(join(carrier, 'disc2', 'b.zip'), { division: 'IMB', count: 3 });
    copyFileSync(SAMPLE, join(carrier, 'disc2', 'again.zip'));
    cpSync(join(root, 'packages-samples', 'valid'), join(carrier, 'disc3', 'unpacked'), { recursive: true });
    const imported = await run(['import', carrier], env);
    expect(imported.code, imported.stderr).toBe(1);
    const lines = imported.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('a.zip'))).toMatch(/archived\s+2/);
    expect(lines.find((l) => l.startsWith('disc2/b.zip'))).toMatch(/archived\s+3/);
    expect(lines.find((l) => l.startsWith('disc2/again.zip'))).toMatch(/rejected.*GD-1-8/);
    // an unpacked folder is read too (zipped on the way); here a copy of what is held
    expect(lines.find((l) => l.startsWith('disc3/unpacked/'))).toMatch(/rejected\s+4.*GD-1-8/);

    const verified = await run(['log', 'verify'], env);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('事件日志完好');
  }, 180_000);
});

describe.runIf(testDatabaseKinds().includes('postgres'))('dangan worker (postgres)', () => {
  it('archives what another process received', async () => {
    const place = await dbs.place();
    const database = await openDatabase(place);
    const storeDir = join(work, 'shared-store');
    mkdirSync(storeDir, { recursive: true });
    const svc = await startService({ database, tmpDir: join(work, 'api-tmp'), primary: openTestStore(pathToFileURL(storeDir).href, 'primary'), workers: false });
    const worker = start(['worker'], { DATABASE_URL: place.url!, DANGAN_STORE: pathToFileURL(storeDir).href, DANGAN_DATA: join(work, 'worker-data') }, /dangan worker: 已启动/);
    try {
      await worker.matched;
      const { token } = await svc.token(['J001']);
      const res = await fetch(`${svc.url}/api/v1/submissions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip' }, body: readFileSync(SAMPLE) });
      const { id } = (await res.json()) as { id: string };
      expect((await waitForVerdict(svc.url, token, id)).status).toBe('archived');
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    } finally {
      await svc.close();
      await database.close();
    }
  }, 120_000);
});
