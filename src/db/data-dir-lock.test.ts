// The PGlite data-dir lock: a second process is refused at once, stale locks are taken over.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DatabaseBusyError, DataDirError, LOCK_FILE_NAME } from './data-dir-lock.ts';
import { openDatabase } from './client.ts';
import { users } from './schema.ts';
import { createTestDatabases } from './testing.ts';

const HOLDER = fileURLToPath(new URL('./fixtures/hold-database.ts', import.meta.url));
const dirs: string[] = [];
const children: ChildProcess[] = [];
const tdb = createTestDatabases('pglite');

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dangan-lock-'));
  dirs.push(d);
  return d;
}

/** Starts a process that opens the database in dataDir; resolves with its first line of output. */
function startHolder(dataDir: string): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [HOLDER, dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, line: out.slice(0, nl) });
    });
    child.once('exit', (code) => reject(new Error(`holder exited with ${code} before answering: ${out}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((r) => child.once('exit', (code) => r(code)));
}

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await exited(c);
    }
  }
});
afterAll(async () => {
  await tdb.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('PGlite data-dir lock across processes', () => {
  it('refuses a second process at once, and lets it in after the first has closed', async () => {
    const { dataDir } = await tdb.place();
    const { child, line } = await startHolder(dataDir);
    expect(line).toBe(`ready ${child.pid}`);

    const started = Date.now();
    const err = await openDatabase({ dataDir }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(DatabaseBusyError);
    expect((err as Error).message).toContain(`进程 ${child.pid}`);
    expect((err as Error).message).toContain(dataDir);
    expect((err as Error).message).toMatch(/DATABASE_URL/);

    child.stdin!.end();
    expect(await exited(child)).toBe(0);
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);
    const db = await openDatabase({ dataDir });
    await db.ping();
    await db.close();
  });

  it('takes over the lock of a process that was killed, and the data survives', async () => {
    const { dataDir } = await tdb.place();
    const before = await openDatabase({ dataDir });
    await before.db.insert(users).values({ name: '张三', role: 'admin', passwordHash: 'x' });
    await before.close();
    const { child } = await startHolder(dataDir);
    child.kill('SIGKILL');
    await exited(child);
    expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8')).pid).toBe(child.pid);

    const db = await openDatabase({ dataDir });
    expect(await db.db.select({ name: users.name }).from(users)).toEqual([{ name: '张三' }]);
    expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8')).pid).toBe(process.pid);
    await db.close();
  });

  it('makes a second process fail with a clear message while this one holds it', async () => {
    const { dataDir } = await tdb.place();
    const db = await openDatabase({ dataDir });
    try {
      const child = spawn(process.execPath, [HOLDER, dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      expect(await exited(child)).toBe(3);
      expect(out).toContain('DatabaseBusyError');
      expect(out).toContain(`进程 ${process.pid}`);
      await db.ping(); // untouched
    } finally {
      await db.close();
    }
  });
});

describe('acquireDataDirLock', () => {
  it('refuses the same process twice and frees the lock on release', () => {
    const dir = tempDir();
    const lock = acquireDataDirLock(dir);
    expect(() => acquireDataDirLock(dir)).toThrow(DatabaseBusyError);
    lock.release();
    lock.release();
    acquireDataDirLock(dir).release();
  });

  it('takes over locks whose holder is gone, unreadable, or an earlier process with our pid', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const stale = [
      { pid: Number(dead), hostname: hostname(), startedAt: 'x', token: 't' },
      { pid: process.pid, hostname: hostname(), startedAt: 'x', token: 't' },
    ];
    for (const content of [...stale.map((s) => JSON.stringify(s)), '', '{garbage']) {
      const dir = tempDir();
      writeFileSync(join(dir, LOCK_FILE_NAME), content);
      const lock = acquireDataDirLock(dir);
      expect(lock.holder.pid).toBe(process.pid);
      lock.release();
    }
  });

  it('treats a holder on another host (a shared file system) as alive', () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE_NAME), JSON.stringify({ pid: 1, hostname: 'elsewhere', startedAt: 'x', token: 't' }));
    expect(() => acquireDataDirLock(dir)).toThrow(/主机 elsewhere 上的进程 1/);
  });

  it('names a data dir that cannot be created', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'not a directory');
    const dataDir = join(file, 'data');
    expect(() => acquireDataDirLock(dataDir)).toThrow(DataDirError);
    const err = await openDatabase({ dataDir }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(DataDirError);
    expect((err as Error).message).toContain(dataDir);
  });
});
