// The `dangan` command as a user runs it: a real process, the real launcher, real PGlite.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'dangan.js');
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dangan-cli-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function run(args: string[], env: Record<string, string> = {}) {
  // Started by the system's `node` on purpose: the launcher must bring Node 24 itself.
  return spawnSync('node', [bin, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
}

function startServe(env: Record<string, string>) {
  const child = spawn('node', [bin, 'serve', '--port', '0'], { env: { ...process.env, DANGAN_LOG_LEVEL: 'warn', ...env } });
  let stderr = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /http:\/\/localhost:(\d+)\/healthz/.exec(stderr);
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, url, exited, stderr: () => stderr };
}

describe('dangan command line', () => {
  it('prints its version and help, and exits 2 on a usage error', () => {
    const v = run(['--version']);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = run(['--help']);
    expect(h.status).toBe(0);
    for (const c of ['check', 'serve', 'worker', 'submit', 'import', 'transfer', 'receive', 'audit', 'log', 'token', 'user']) expect(h.stdout).toContain(c);
    const u = run(['frobnicate']);
    expect(u.status).toBe(2);
    expect(u.stderr).toMatch(/unknown command 'frobnicate'/);
    const f = run(['serve', '--bogus']);
    expect(f.status).toBe(2);
    expect(f.stderr).toMatch(/unknown option '--bogus'/);
  });

  it('brings Node 24 to npm scripts and npx', () => {
    const probe = join(tempDir(), 'probe.ts');
    writeFileSync(probe, 'const v: string = process.versions.node; process.stdout.write(v)');
    const viaNpx = spawnSync('npx', ['node', probe], { cwd: root, encoding: 'utf8' });
    expect(viaNpx.stdout).toMatch(/^24\./);
    const dangan = spawnSync('npx', ['dangan', '--version'], { cwd: root, encoding: 'utf8' });
    expect(dangan.status).toBe(0);
    expect(dangan.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('stops with a message naming a bad setting', () => {
    const r = run(['serve'], { DANGAN_STORE: 'ftp://nowhere', DANGAN_DATA: tempDir() });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/DANGAN_STORE: expected file:\/\/\/absolute\/path or s3:\/\/bucket/);
  });

  it('names an unreachable database without its password', () => {
    const r = run(['serve'], { DATABASE_URL: 'postgres://dangan:hunter2@127.0.0.1:1/nodb', DANGAN_DATA: tempDir() });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('postgres://dangan:***@127.0.0.1:1/nodb');
    expect(r.stderr).not.toContain('hunter2');
  });

  it('says clearly when DANGAN_DATA cannot be written', () => {
    const d = tempDir();
    writeFileSync(join(d, 'file'), 'x');
    const r = run(['serve'], { DANGAN_DATA: join(d, 'file', 'data') });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(join(d, 'file', 'data'));
  });

  it('serves /healthz on the embedded defaults, refuses a second process on the same data, and stops cleanly', async () => {
    const data = tempDir();
    const s = startServe({ DANGAN_DATA: data });
    const url = await s.url;
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; node: string; components: { name: string; ok: boolean; detail?: string }[] };
    expect(body.status).toBe('ok');
    expect(body.node).toMatch(/^v24\./); // started by the system node, running on the project's Node 24
    expect(body.components).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'database', ok: true, detail: 'pglite' }),
      expect.objectContaining({ name: 'store:primary', ok: true }),
    ]));

    const second = run(['serve', '--port', '0'], { DANGAN_DATA: data });
    expect(second.status).toBe(2);
    expect(second.stderr).toMatch(/正被进程 \d+ ?使用/);
    expect(second.stderr).toMatch(/DATABASE_URL/);

    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(existsSync(join(data, 'pglite.lock'))).toBe(false);
  }, 120_000);
});
