// Test support: runs a real clamd on a signature database written on the spot (no downloads), and builds EICAR at run time.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createClamdScanner } from './clamd.ts';

/**
 * The EICAR test file, assembled from parts so no file in the repository is itself flagged by
 * virus scanners.
 */
export function eicar(): Buffer {
  return Buffer.from(['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-', 'ANTIVIRUS-TEST-', 'FILE!$H+H*'].join(''), 'latin1');
}

/** An `.ndb` body signature matching the EICAR marker anywhere in any file type. */
export function eicarNdb(name = 'Eicar-Test-NDB'): string {
  const marker = ['EICAR-STANDARD-', 'ANTIVIRUS-TEST-', 'FILE'].join('');
  return `${name}:0:*:${Buffer.from(marker, 'latin1').toString('hex')}\n`;
}

/** Finds an executable on PATH or in the sbin folders (clamd lives in /usr/sbin). */
export function findExecutable(name: string, path = ''): string | undefined {
  const dirs = [...path.split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin', '/sbin'].filter(Boolean);
  for (const dir of dirs) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

const INSTALL_HINT = 'install ClamAV: sh scripts/ci/clamd.sh (apt-get install clamav-daemon clamav)';

export interface TestClamdOptions {
  /** clamd.conf StreamMaxLength, e.g. '2M'. */
  streamMaxLength?: string;
  /** Which signature files to write: the EICAR `.ndb` line and/or a `.hdb` made with `sigtool --md5`. */
  signatures?: ('ndb' | 'hdb')[];
  /** More clamd.conf lines. */
  extraConfig?: string[];
  /** PATH to look for clamd and sigtool in (the test passes process.env.PATH). */
  path?: string;
}

export interface TestClamd {
  tcp: { host: string; port: number };
  socket: string;
  process: ChildProcess;
  /** Kills clamd at once (SIGKILL) without cleaning up; `stop()` still removes the folder. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestClamd(opts: TestClamdOptions = {}): Promise<TestClamd> {
  const clamd = findExecutable('clamd', opts.path);
  if (!clamd) throw new Error(`clamd not found: the scanner tests need a real clamd; ${INSTALL_HINT}`);
  const dir = await mkdtemp(join(tmpdir(), 'dangan-clamd-'));
  try {
    const db = join(dir, 'db');
    await mkdir(db);
    const kinds = opts.signatures ?? ['ndb'];
    if (kinds.includes('ndb')) await writeFile(join(db, 'dangan-test.ndb'), eicarNdb());
    if (kinds.includes('hdb')) {
      const sigtool = findExecutable('sigtool', opts.path);
      if (!sigtool) throw new Error(`sigtool not found; ${INSTALL_HINT}`);
      const sample = join(dir, 'eicar.com');
      await writeFile(sample, eicar());
      const r = spawnSync(sigtool, ['--md5', sample], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`sigtool --md5 failed: ${r.stderr}`);
      await writeFile(join(db, 'dangan-test.hdb'), r.stdout.replace(/:[^:\n]*eicar\.com$/m, ':Eicar-Test-HDB'));
      await rm(sample);
    }
    const socket = join(dir, 'clamd.sock');
    return await launch(clamd, dir, db, socket, opts);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function launch(clamd: string, dir: string, db: string, socket: string, opts: TestClamdOptions): Promise<TestClamd> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort(); // a small race with other processes; retried below
    const conf = join(dir, 'clamd.conf');
    await writeFile(
      conf,
      [
        'Foreground yes',
        `DatabaseDirectory ${db}`,
        `TemporaryDirectory ${dir}`,
        `PidFile ${join(dir, 'clamd.pid')}`,
        `LocalSocket ${socket}`,
        'TCPAddr 127.0.0.1',
        `TCPSocket ${port}`,
        'LogTime yes',
        'Bytecode no',
        'AlertExceedsMax yes',
        ...(opts.streamMaxLength ? [`StreamMaxLength ${opts.streamMaxLength}`] : []),
        ...(opts.extraConfig ?? []),
        '',
      ].join('\n'),
    );
    const child = spawn(clamd, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const stopChild = async (signal: NodeJS.Signals) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    };
    const scanner = createClamdScanner({ host: '127.0.0.1', port }, { timeoutMs: 2000 });
    const deadline = Date.now() + 60_000;
    let ready = false;
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      try {
        await scanner.ping();
        ready = true;
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (ready) {
      return {
        tcp: { host: '127.0.0.1', port },
        socket,
        process: child,
        kill: () => stopChild('SIGKILL'),
        async stop() {
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await stopChild('SIGTERM');
          clearTimeout(timer);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    await stopChild('SIGKILL');
    lastError = new Error(`clamd did not answer PING (attempt ${attempt + 1}):\n${output.slice(-2000)}`);
  }
  throw lastError;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
