#!/usr/bin/env node
// Launcher for the `dangan` command. The project runs on Node 24 (it strips TypeScript types
// natively); when started by an older Node it re-runs itself with the Node 24 that `npm ci`
// installed from the `node` devDependency, so `npx dangan`, `npm start` and a bare
// `./bin/dangan.js` behave the same on a machine whose system Node is older.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import v8 from 'node:v8';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);
// The embedded PGlite is PostgreSQL compiled to a 9 MB WebAssembly module, which V8 by default
// also recompiles with TurboFan as it runs; that made every PGlite process peak at 650 MB-1.1 GB
// RSS (`dangan log verify` 640 MB, `dangan transfer create` of 100 MB 710-760 MB). With Liftoff
// code only: 160 MB and 320 MB, for the same CPU time (the database is a small part of the work).
// V8 takes this flag only at start-up (v8.setFlagsFromString is too late), hence the command line:
// the process re-executes itself with it (same pid: process.execve).
const LIFTOFF_ONLY = '--liftoff-only';
// glibc gives each thread that allocates (the main thread, the digest and pdf.js workers, V8's
// helpers) its own malloc arena, up to 8 per core, and each keeps what was freed in it. Two arenas
// for the whole process cut the peak RSS of `dangan check` (20,000 files ~270-285 -> ~240 MB;
// 1 GB of PDFs ~200 -> ~190 MB) for the same CPU time. glibc reads it at start-up: it goes into the
// environment of the re-executed process. An operator's own setting wins.
const env = { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };

if (major < 24) {
  const local = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(local)) {
    process.stderr.write(
      `dangan: needs Node.js 24 or newer (this is ${process.version}); run \`npm ci\` in ${root} to install it locally\n`,
    );
    process.exit(2);
  }
  const child = spawn(local, [LIFTOFF_ONLY, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env });
  // Pass signals on, so stopping the launcher stops the service cleanly (it releases its locks).
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 2);
  });
} else if (!process.execArgv.includes(LIFTOFF_ONLY) && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...process.execArgv, LIFTOFF_ONLY, fileURLToPath(import.meta.url), ...process.argv.slice(2)], env);
} else {
  // Cache the compiled (type-stripped) modules on disk: start-up falls from ~0.9 s to ~0.45 s of CPU
  // and ~30 MB less memory. Node keys the cache on each file's content, so edits are never stale;
  // NODE_COMPILE_CACHE chooses the folder (default: os.tmpdir()/node-compile-cache).
  module.enableCompileCache?.();
  // Keep the heap nearer what is live. A check churns through many short-lived objects (a parse
  // tree per 元数据.xml, a pdf.js document per file): by default V8 grows the young generation to
  // tens of MB and lets the old one reach up to ~4x the live set before collecting. No growth of
  // the young generation, and at most 2x for the old one, cut the peak RSS of a 2,000-record package
  // from ~390 MB to ~220-280 MB. (A tighter 1.3x cost twice the CPU on 1 GB of PDFs: external
  // buffers then trigger a full collection every few files.) V8 reads both flags at each
  // collection, so setting them here, before any work, takes effect.
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  (await import('../src/package/heap.ts')).setHeapGrowth(100);
  await import('../src/cli/main.ts');
}
