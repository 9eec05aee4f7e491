// The audit benchmark: records archived by the ingest service into a file store, then a full fixity
// audit of that store timed against `sha256sum` over the same files (policy: SHA-256 only; goal
// ≤ 1.2×) and against `sha256sum` and `openssl dgst -sm3` run in parallel (both digests; goal ≤ 1.3×).
// Not a test: it measures. Prints a Markdown table.
//
//   node scripts/bench-audit.ts                 about 512 MB of PDFs
//   BENCH_SCALE=0.1 node scripts/bench-audit.ts a tenth of that
//   BENCH_DIR=/mnt/fast node scripts/bench-audit.ts
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { createAuditService, parseAuditPolicies } from '../src/audit/index.ts';
import { loadProfile } from '../src/config/profile.ts';
import { openDatabase } from '../src/db/index.ts';
import { createIngestService } from '../src/ingest/index.ts';
import { createNoScanner } from '../src/scan/index.ts';
import { openStore } from '../src/store/index.ts';
import { writeBenchPackage } from './bench/packages.ts';

const scale = Number(process.env.BENCH_SCALE ?? '1');
const base = process.env.BENCH_DIR ?? join(import.meta.dirname, '..', 'bench-out');
mkdirSync(base, { recursive: true });
const dir = mkdtempSync(join(base, 'audit-'));
const log = pino({ level: 'silent' });

for (const tool of ['sha256sum', 'openssl', 'xargs', 'find']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`bench-audit: needs ${tool} (apt-get install coreutils findutils openssl)`);
    process.exit(2);
  }
}

function wall(command: string): number {
  const started = performance.now();
  const r = spawnSync('bash', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench-audit: ${command} failed: ${r.stderr.slice(-500)}`);
  return (performance.now() - started) / 1000;
}

async function best(runs: number, f: () => Promise<number> | number): Promise<number> {
  let b = Infinity;
  for (let i = 0; i < runs; i++) b = Math.min(b, await f());
  return b;
}

try {
  const records = Math.max(4, Math.round(128 * scale));
  const pdfBytes = 4 * 1024 * 1024;
  const zip = join(dir, 'bench.zip');
  process.stderr.write(`bench-audit: ${records} records of ${pdfBytes >> 20} MiB …\n`);
  await writeBenchPackage(zip, records, pdfBytes);
  const database = await openDatabase({ dataDir: join(dir, 'db') });
  const root = join(dir, 'store');
  const primary = openStore(pathToFileURL(root).href, { name: 'primary', createIfMissing: true });
  const ingest = createIngestService({
    db: database.db,
    primary,
    backups: [],
    scanner: createNoScanner(),
    profile: await loadProfile(undefined),
    tmpDir: join(dir, 'tmp'),
    tool: { name: 'dangan', version: 'bench' },
    actor: 'bench',
    log,
    maxUploadBytes: Number.MAX_SAFE_INTEGER,
  });
  const r = await ingest.receive({ body: createReadStream(zip, { highWaterMark: 1 << 20 }), source: 'import', submitter: 'system', packageName: 'bench.zip' });
  if (r.kind !== 'created') throw new Error(`bench-audit: receive ${r.kind}`);
  const out = await ingest.process(r.submission.id);
  if (out.status !== 'archived') throw new Error(`bench-audit: package not archived (${out.status})`);
  rmSync(zip);

  const files = `find ${JSON.stringify(join(root, 'sha256'))} -type f -print0`;
  const du = spawnSync('bash', ['-c', `${files} | du -cb --files0-from=- | tail -1`], { encoding: 'utf8' }).stdout.split('\t')[0];
  const bytes = Number(du);
  const auditWith = (digests: ('sha256' | 'sm3')[]) => async () => {
    const svc = createAuditService({
      db: database.db,
      stores: [primary],
      policies: parseAuditPolicies({ stores: [{ store: '*', digests, rescan: false, concurrency: 4 }] }),
      actor: 'bench',
      tool: { name: 'dangan', version: 'bench' },
    });
    const started = performance.now();
    const run = await svc.runNow({ requestedBy: 'bench' });
    const s = (performance.now() - started) / 1000;
    if (run.status !== 'done' || run.audit?.ok !== run.audit?.checked) throw new Error('bench-audit: the audit did not pass');
    return s;
  };

  // Warm the page cache once so every contender reads from memory alike.
  wall(`${files} | xargs -0 cat > /dev/null`);
  const sha = await best(3, () => wall(`${files} | xargs -0 sha256sum > /dev/null`));
  const both = await best(3, () => wall(`(${files} | xargs -0 sha256sum > /dev/null) & (${files} | xargs -0 openssl dgst -sm3 > /dev/null) & wait`));
  const oursSha = await best(3, auditWith(['sha256']));
  const oursBoth = await best(3, auditWith(['sha256', 'sm3']));
  await database.close();

  const mb = bytes / 1e6;
  const row = (label: string, s: number, ref: number, goal: number) =>
    `| ${label} | ${s.toFixed(2)} s | ${(mb / s).toFixed(0)} MB/s | ${(s / ref).toFixed(2)}× | ≤ ${goal}× ${s / ref <= goal ? '✓' : '✗'} |`;
  console.log(`\n### Fixity audit of the file store (${mb.toFixed(0)} MB, ${records} PDFs + metadata)\n`);
  console.log('| what | time | rate | ratio | goal |');
  console.log('|---|---|---|---|---|');
  console.log(`| sha256sum | ${sha.toFixed(2)} s | ${(mb / sha).toFixed(0)} MB/s | 1.00× | |`);
  console.log(row('dangan audit, SHA-256 only', oursSha, sha, 1.2));
  console.log(`| sha256sum ∥ openssl dgst -sm3 | ${both.toFixed(2)} s | ${(mb / both).toFixed(0)} MB/s | 1.00× | |`);
  console.log(row('dangan audit, SHA-256 + SM3', oursBoth, both, 1.3));
  console.log('\nPage cache warm for every contender; best of three runs; the audit time includes choosing the copies and committing every result.');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
