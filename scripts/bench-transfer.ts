// Benchmark of building a transfer package: `dangan transfer create` over ~1 GB of archived
// records vs `zip -0 -r` over the same files: build and read-back verification timed apart (by the
// command itself), wall and CPU seconds, peak memory (GNU time). Not a test: it measures.
// BENCH_SCALE=0.1 for a tenth of the size; BENCH_DIR for the scratch place; BENCH_REPORT=<file.json>
// writes the report for scripts/bench.ts (else the markdown goes to stdout).
//
//   node scripts/bench-transfer.ts
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { writeBenchPackage } from './bench/packages.ts';

const root = join(import.meta.dirname, '..');
const scale = Number(process.env.BENCH_SCALE ?? '1');
const dir = process.env.BENCH_DIR ?? join(root, 'bench-out');
const work = join(dir, 'transfer');
for (const tool of ['/usr/bin/time', 'unzip', 'zip']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`bench-transfer: needs ${tool} (apt-get install time unzip zip)`);
    process.exit(2);
  }
}

interface Measure {
  seconds: number;
  cpu: number;
  peakMb: number;
  out: string;
}

function measure(command: string, env: Record<string, string> = {}): Measure {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', 'bash', '-c', command], { encoding: 'utf8', cwd: work, env: { ...process.env, ...env }, maxBuffer: 1 << 30 });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [s, u, sys, kb] = last.split(' ').map(Number);
  if (r.status !== 0 || !Number.isFinite(s)) throw new Error(`bench-transfer: ${command} failed: ${r.stderr.slice(-1500)}`);
  return { seconds: s, cpu: u + sys, peakMb: Math.round(kb / 1024), out: r.stdout };
}

const records = Math.max(1, Math.round(500 * scale));
const pdfBytes = 2 * 1024 * 1024;
mkdirSync(work, { recursive: true });
const zip = join(dir, `pdf-${records}x2MB.zip`);
const stamp = `${zip}.json`;
const want = JSON.stringify({ records, pdfBytes, v: 2 });
if (!existsSync(zip) || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== want) {
  process.stderr.write(`generating ${records} records of 2 MB …\n`);
  await writeBenchPackage(zip, records, pdfBytes);
  writeFileSync(stamp, want);
}

// An archive holding those records (ingested once; not what is measured)
const data = join(work, 'data');
rmSync(data, { recursive: true, force: true });
rmSync(join(work, 'in'), { recursive: true, force: true });
mkdirSync(join(work, 'in'), { recursive: true });
execFileSync('bash', ['-c', `ln -f '${zip}' '${join(work, 'in', 'bench.zip')}' 2>/dev/null || cp '${zip}' '${join(work, 'in', 'bench.zip')}'`]);
const dangan = `node ${join(root, 'bin', 'dangan.js')}`;
const env = { DANGAN_DATA: data, DANGAN_LOG_LEVEL: 'warn' };
process.stderr.write('ingesting …\n');
const ingest = measure(`${dangan} import in > /dev/null`, env);

// The same files unpacked, for zip -0 -r
const files = join(work, 'files');
rmSync(files, { recursive: true, force: true });
execFileSync('unzip', ['-q', zip, '-d', files]);
execFileSync('bash', ['-c', `cat $(find ${files} -type f) > /dev/null`]); // page cache alike for both

process.stderr.write('transfer create …\n');
const transfer = measure(`${dangan} transfer create --fonds J001 --json`, env);
const t = JSON.parse(transfer.out) as { size: number; status: string; timings: { buildSeconds: number; buildCpuSeconds: number; verifySeconds: number; verifyCpuSeconds: number } };
if (t.status !== 'stored') throw new Error(`bench-transfer: transfer ${t.status}`);
const floor = measure(`${dangan} log verify > /dev/null`, env);
process.stderr.write('zip -0 -r …\n');
rmSync(join(work, 'baseline.zip'), { force: true });
const baseline = measure(`cd ${files} && zip -q -0 -r ${join(work, 'baseline.zip')} .`);
const baseSize = statSync(join(work, 'baseline.zip')).size;
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const mb = (n: number) => (n / 1048576).toFixed(0);
const buildRatio = t.timings.buildSeconds / baseline.seconds;
const cpuRatio = t.timings.buildCpuSeconds / baseline.cpu;
const commandRatio = transfer.seconds / baseline.seconds;
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}`;
const markdown = `## Transfer package (\`dangan transfer create\`)

Made by \`node scripts/bench-transfer.ts\` on ${new Date().toISOString().slice(0, 10)}${scale !== 1 ? ` at BENCH_SCALE=${scale}` : ''}. Machine: ${machine}; load average after the run ${load}.
${records} records of one 2 MB PDF each, archived in the embedded data directory (PGlite, file store, no backup store).
Build = from the start of the build to every copy written (the YJ check reading each file once from the store, hashing it once, copying it into the zip that streams into the store; report, manifests, register after the content), as the command reports it (\`timings.buildSeconds\`).
Verify = every stored copy read back and its digests compared (\`timings.verifySeconds\`), required before the transfer counts as done. The command's wall time adds start-up (database, migrations) and the verification; the floor row is the start-up alone.
Wall times are noisy on this shared 2-core machine: CPU seconds (user + system) are given beside them.

| | package | wall time | CPU | peak memory |
|---|---|---|---|---|
| build (read + YJ check + hash + zip + store) | ${mb(t.size)} MB | ${t.timings.buildSeconds.toFixed(2)} s | ${t.timings.buildCpuSeconds.toFixed(2)} s | |
| verify (each copy read back) | | ${t.timings.verifySeconds.toFixed(2)} s | ${t.timings.verifyCpuSeconds.toFixed(2)} s | |
| \`dangan transfer create\`, whole command | | ${transfer.seconds.toFixed(2)} s | ${transfer.cpu.toFixed(2)} s | ${transfer.peakMb} MB |
| \`zip -0 -r\` over the same files | ${mb(baseSize)} MB | ${baseline.seconds.toFixed(2)} s | ${baseline.cpu.toFixed(2)} s | ${baseline.peakMb} MB |
| build ÷ zip | | ${buildRatio.toFixed(2)}× (goal ≤ 1.5×) | | |
| whole command ÷ zip | | ${commandRatio.toFixed(2)}× | | |
| build CPU ÷ zip CPU | | | ${cpuRatio.toFixed(2)}× | |
| floor: \`dangan log verify\` on the same data directory (start-up, database) | | ${floor.seconds.toFixed(2)} s | ${floor.cpu.toFixed(2)} s | ${floor.peakMb} MB |

(Ingesting the records first took ${ingest.seconds.toFixed(1)} s, peak ${ingest.peakMb} MB; not part of the comparison.)
`;
const goals = [
  { label: `transfer build of ${mb(t.size)} MB vs zip -0 -r`, value: `${buildRatio.toFixed(2)}×`, goal: '≤ 1.5×', met: buildRatio <= 1.5 },
];
const headline = [`transfer package of ${mb(t.size)} MB: build ${t.timings.buildSeconds.toFixed(1)} s (${buildRatio.toFixed(2)}× zip -0 -r), verify ${t.timings.verifySeconds.toFixed(1)} s, peak ${transfer.peakMb} MB`];
writeFileSync(join(dir, 'transfer-bench.md'), markdown);
if (process.env.BENCH_REPORT) writeFileSync(process.env.BENCH_REPORT, JSON.stringify({ title: 'Transfer package', markdown, goals, headline }, null, 2));
else console.log(markdown);
