// The audit benchmark: records archived by the ingest service into a file store, then a full fixity
// audit of that store timed against `sha256sum` over the same files (policy: SHA-256 only; goal
// ≤ 1.2×) and against `sha256sum` and `openssl dgst -sm3` run in parallel (both digests; goal ≤ 1.3×).
// Not a test: it measures. Prints its Markdown section, or writes the JSON of the benchmarks
// contract to $BENCH_REPORT (scripts/bench/report.ts) when scripts/bench.ts runs it.
//
//   node scripts/bench-audit.ts                 about 512 MB of PDFs
//   BENCH_SCALE=0.1 node scripts/bench-audit.ts a tenth of that
//   BENCH_DIR=/mnt/fast node scripts/bench-audit.ts
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
import { emitReport } from './bench/report.ts';

const scale = Number(process.env.BENCH_SCALE ?? '1');
const base = process.env.BENCH_DIR ?? join(import.meta.dirname, '..', 'bench-out');
mkdirSync(base, { recursive: true });
const dir = mkdtempSync(join(base, 'audit-'));
const log = pino({ level: 'silent' });

for (const tool of ['sha256sum', 'openssl', 'xargs', 'find', '/usr/bin/time']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`bench-audit: needs ${tool} (apt-get install coreutils findutils openssl time)`);
    process.exit(2);
  }
}

interface Timed {
  s: number;
  /** User + system CPU seconds (every process of the command, or every thread of this one). */
  cpu: number;
}

/** Wall and CPU seconds of a shell command, by GNU time. */
function wall(command: string): Timed {
  const out = join(dir, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-o', out, '-f', '%e %U %S', 'bash', '-c', command], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench-audit: ${command} failed: ${r.stderr.slice(-500)}`);
  const [e, u, sys] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { s: e, cpu: u + sys };
}

/** The fastest of `runs` (its CPU seconds the least of all runs'). */
async function best(runs: number, f: () => Promise<Timed> | Timed): Promise<Timed> {
  const all: Timed[] = [];
  for (let i = 0; i < runs; i++) all.push(await f());
  return { s: Math.min(...all.map((t) => t.s)), cpu: Math.min(...all.map((t) => t.cpu)) };
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
    const cpu0 = process.cpuUsage();
    const run = await svc.runNow({ requestedBy: 'bench' });
    const s = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (run.status !== 'done' || run.audit?.ok !== run.audit?.checked) throw new Error('bench-audit: the audit did not pass');
    return { s, cpu: (cpu.user + cpu.system) / 1e6 };
  };

  // Warm the page cache once so every contender reads from memory alike.
  wall(`${files} | xargs -0 cat > /dev/null`);
  const sha = await best(3, () => wall(`${files} | xargs -0 sha256sum > /dev/null`));
  const both = await best(3, () => wall(`(${files} | xargs -0 sha256sum > /dev/null) & (${files} | xargs -0 openssl dgst -sm3 > /dev/null) & wait`));
  const oursSha = await best(3, auditWith(['sha256']));
  const oursBoth = await best(3, auditWith(['sha256', 'sm3']));
  await database.close();

  const mb = bytes / 1e6;
  // Everything ran in this process (PGlite, the ingest, the audits): its peak RSS bounds the audit's.
  const peakMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const row = (label: string, t: Timed, ref: Timed, goal: number) =>
    `| ${label} | ${t.s.toFixed(2)} s | ${t.cpu.toFixed(2)} s | ${(mb / t.s).toFixed(0)} MB/s | ${(t.s / ref.s).toFixed(2)}× | ≤ ${goal}× ${t.s / ref.s <= goal ? '✓' : '✗'} |`;
  const markdown = [
    `Fixity audit of the file store: ${mb.toFixed(0)} MB, ${records} PDFs of ${pdfBytes >> 20} MiB + metadata, archived by the ingest service (PGlite, one file store).`,
    '',
    '| what | time | CPU | rate | ratio | goal |',
    '|---|---|---|---|---|---|',
    `| sha256sum | ${sha.s.toFixed(2)} s | ${sha.cpu.toFixed(2)} s | ${(mb / sha.s).toFixed(0)} MB/s | 1.00× | |`,
    row('dangan audit, SHA-256 only', oursSha, sha, 1.2),
    `| sha256sum ∥ openssl dgst -sm3 | ${both.s.toFixed(2)} s | ${both.cpu.toFixed(2)} s | ${(mb / both.s).toFixed(0)} MB/s | 1.00× | |`,
    row('dangan audit, SHA-256 + SM3', oursBoth, both, 1.3),
    '',
    'Page cache warm for every contender; best of three runs (wall time; CPU is user + system, the least of the three, of every',
    'process of the command or every thread of the audit). The audit time includes choosing the copies and committing every result.',
    `Peak memory of the bench process (PGlite, the ingest of the package and every audit in it): ${peakMb} MB.`,
  ].join('\n');
  const shaRatio = oursSha.s / sha.s;
  const bothRatio = oursBoth.s / both.s;
  emitReport({
    title: 'Fixity audit vs sha256sum',
    markdown,
    goals: [
      { label: `audit of ${mb.toFixed(0)} MB, SHA-256 only ÷ sha256sum`, value: `${shaRatio.toFixed(2)}× (${oursSha.s.toFixed(2)} s vs ${sha.s.toFixed(2)} s)`, goal: '≤ 1.2×', met: shaRatio <= 1.2 },
      { label: `audit of ${mb.toFixed(0)} MB, SHA-256 + SM3 ÷ sha256sum ∥ openssl sm3`, value: `${bothRatio.toFixed(2)}× (${oursBoth.s.toFixed(2)} s vs ${both.s.toFixed(2)} s)`, goal: '≤ 1.3×', met: bothRatio <= 1.3 },
    ],
    headline: [
      `Fixity audit of ${mb.toFixed(0)} MB: ${(mb / oursSha.s).toFixed(0)} MB/s with SHA-256 (${shaRatio.toFixed(2)}× sha256sum), ${(mb / oursBoth.s).toFixed(0)} MB/s with SHA-256 + SM3 (${bothRatio.toFixed(2)}× sha256sum ∥ openssl sm3).`,
    ],
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
