// The check bench (issue #4): `dangan check --json` beside the baseline pipeline
// `unzip -p | tee >(sha256sum) | openssl dgst -sm3` and the two digests alone, on a 1 GB package of
// 500 stored PDFs and a 20,000-file package, with peak memory and CPU seconds. Run by scripts/bench.ts
// (the benchmarks contract: BENCH_SCALE, BENCH_DIR, BENCH_REPORT); alone it prints its Markdown.
// Not a test: it measures, it does not pass or fail.
//
//   BENCH_SCALE=0.1 node scripts/bench-check.ts     a quick run on packages a tenth of the size
//   BENCH_DIR=/mnt/fast node scripts/bench-check.ts where to put the generated packages (default bench-out/)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { writeBenchPackage } from './bench/packages.ts';
import { emitReport, type BenchGoal } from './bench/report.ts';

const root = join(import.meta.dirname, '..');
const scale = Number(process.env.BENCH_SCALE ?? '1');
const dir = process.env.BENCH_DIR ?? join(root, 'bench-out');
mkdirSync(dir, { recursive: true });

for (const tool of ['/usr/bin/time', 'unzip', 'sha256sum', 'openssl']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`bench: needs ${tool} (apt-get install time unzip coreutils openssl)`);
    process.exit(2);
  }
}

interface Measure {
  seconds: number;
  /** User + system CPU seconds of every process of the command: steadier than wall time on a busy machine. */
  cpu: number;
  peakMb: number;
}

/** Runs a shell command under GNU time: wall seconds, CPU seconds and the peak RSS of the largest process. */
function measure(command: string): Measure {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', 'bash', '-c', command], { encoding: 'utf8', cwd: root, maxBuffer: 1 << 30 });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [s, user, sys, kb] = last.split(' ').map(Number);
  if (!Number.isFinite(s)) throw new Error(`bench: could not time ${command}: ${r.stderr.slice(-500)}`);
  return { seconds: s, cpu: user + sys, peakMb: Math.round(kb / 1024) };
}

function best(command: string, runs = 2): Measure {
  const all = Array.from({ length: runs }, () => measure(command));
  const fastest = all.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  // the peak memory is the worst run's: the goal is a ceiling
  return { ...fastest, cpu: Math.min(...all.map((m) => m.cpu)), peakMb: Math.max(...all.map((m) => m.peakMb)) };
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' / ');
const loads: string[] = [];

async function ensurePackage(name: string, records: number, pdfBytes: number) {
  const zip = join(dir, `${name}.zip`);
  const stamp = join(dir, `${name}.json`);
  const want = JSON.stringify({ records, pdfBytes, v: 2 });
  if (!existsSync(zip) || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== want) {
    process.stderr.write(`generating ${name}: ${records} records …\n`);
    await writeBenchPackage(zip, records, pdfBytes);
    writeFileSync(stamp, want);
  }
  return zip;
}

const dangan = `node ${join(root, 'bin', 'dangan.js')}`;
const rows: string[][] = [];
const goals: BenchGoal[] = [];
const headline: string[] = [];
const measured: Record<string, { check: Measure; pipeline: Measure; floor: Measure; mb: number }> = {};

async function checkBench(label: string, zip: string, goal: number) {
  const size = statSync(zip).size;
  execFileSync('cat', [zip], { stdio: ['ignore', 'ignore', 'ignore'] }); // warm the page cache for every contender alike
  const before = load();
  const check = best(`${dangan} check --json ${zip} > /dev/null; test $? -le 1`);
  const pipeline = best(`unzip -p ${zip} | tee >(sha256sum > /dev/null) | openssl dgst -sm3 > /dev/null`);
  const floor = best(`sha256sum ${zip} > /dev/null & openssl dgst -sm3 ${zip} > /dev/null & wait`);
  loads.push(`${label}: ${before} before, ${load()} after`);
  const ratio = check.seconds / pipeline.seconds;
  const mb = size / 1048576;
  rows.push([
    label,
    `${mb.toFixed(0)} MB`,
    `${check.seconds.toFixed(2)} s (${(mb / check.seconds).toFixed(0)} MB/s), ${check.cpu.toFixed(2)} s CPU`,
    `${check.peakMb} MB`,
    `${pipeline.seconds.toFixed(2)} s, ${pipeline.cpu.toFixed(2)} s CPU`,
    `${floor.seconds.toFixed(2)} s`,
    `${ratio.toFixed(2)}× (goal ≤ ${goal}×)`,
  ]);
  measured[label] = { check, pipeline, floor, mb };
  goals.push({ label: `${label}: check ÷ pipeline (wall)`, value: `${ratio.toFixed(2)}×`, goal: `≤ ${goal}×`, met: ratio <= goal });
  goals.push({ label: `${label}: peak memory of dangan check`, value: `${check.peakMb} MB`, goal: '< 200 MB', met: check.peakMb < 200 });
  headline.push(`dangan check, ${label}: ${check.seconds.toFixed(2)} s (${check.cpu.toFixed(2)} s CPU), ${ratio.toFixed(2)}× the unzip|sha256sum|sm3 pipeline (goal ≤ ${goal}×), peak ${check.peakMb} MB`);
}

// named by their size, so that a scaled run never overwrites the full-size packages
const bigRecords = Math.max(1, Math.round(500 * scale));
const manyRecords = Math.max(1, Math.round(10_000 * scale));
const big = await ensurePackage(`pdf-${bigRecords}x2MB`, bigRecords, 2 * 1024 * 1024);
const many = await ensurePackage(`files-${manyRecords * 2}`, manyRecords, 2048);
const bigLabel = `${Math.round(500 * scale)} PDFs of 2 MB, stored`;
const manyLabel = `${Math.round(20_000 * scale)} files (${Math.round(10_000 * scale)} records)`;
await checkBench(bigLabel, big, 1.3);
await checkBench(manyLabel, many, 3);

// What pdf.js alone costs on the small package's PDFs: the part of the check no reader can remove.
const pdfCount = Math.max(1, Math.round(10_000 * scale));
const pdfAlone = JSON.parse(
  execFileSync(process.execPath, [join(root, 'scripts', 'bench', 'pdf-alone.ts'), String(pdfCount), '2048'], { encoding: 'utf8', cwd: root }).trim().split('\n').pop()!,
) as { files: number; seconds: number; cpuSeconds: number };

const cores = availableParallelism();
const table = [
  '| package | size | `dangan check --json` | peak memory | `unzip -p \\| tee sha256sum \\| sm3` | digests alone (floor) | check ÷ pipeline (wall) |',
  '|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');

// The floor of the small-file check, component by component: every PDF really opened by pdf.js
// (the issue requires it) costs pdfAlone.cpuSeconds of CPU that no reader can remove; spread over
// every core it still takes pdfAlone.cpuSeconds / cores of wall time.
const small = measured[manyLabel];
const pdfFloor = pdfAlone.cpuSeconds / cores;
const rest = small ? Math.max(0, small.check.cpu - pdfAlone.cpuSeconds) : 0;
const arithmetic = small
  ? `On the ${manyLabel} package the pipeline takes ${small.pipeline.seconds.toFixed(2)} s, so the goal of 3× allows ` +
    `${(3 * small.pipeline.seconds).toFixed(2)} s. pdf.js alone needs ${pdfAlone.cpuSeconds.toFixed(2)} s of CPU for the ${pdfAlone.files} PDFs ` +
    `(${((pdfAlone.cpuSeconds / pdfAlone.files) * 1000).toFixed(2)} ms each): on ${cores} cores, with nothing else to do, at least ` +
    `${pdfFloor.toFixed(2)} s of wall time, ${(pdfFloor / small.pipeline.seconds).toFixed(1)}× the pipeline before a single byte is read, hashed or parsed. ` +
    `The rest of the check (reading 2 entries a record from the zip, SM3 + SHA-256 of every byte, parsing and checking 元数据.xml and 目录文件.xml, ` +
    `format identification, the report) took about ${rest.toFixed(2)} s of CPU here (${small.check.cpu.toFixed(2)} s in all less pdf.js alone). ` +
    `With both on ${cores} cores the wall time cannot fall below about ${((pdfAlone.cpuSeconds + rest) / cores).toFixed(2)} s ` +
    `(${((pdfAlone.cpuSeconds + rest) / cores / small.pipeline.seconds).toFixed(1)}× the pipeline): the 3× goal is out of reach while every PDF is really opened.`
  : '';

const markdown = `Each time is the best of two runs with the package in the page cache; CPU seconds are user + system
of all the command's processes (threads included), the steadier figure on a busy machine: compare those when
the load average below is high. Peak memory is the worst run's largest process (GNU time's maximum RSS).
"Digests alone" is \`sha256sum\` and \`openssl dgst -sm3\` run in parallel on the package file: the floor no checker
that computes both digests can beat. The pipeline is \`unzip -p pkg.zip | tee >(sha256sum) | openssl dgst -sm3\`:
reading every entry and hashing it twice, with none of the checks.

${table}

pdf.js alone (\`scripts/bench/pdf-alone.ts\`: the readability and encryption check of src/formats over
${pdfAlone.files} one-page PDFs like the small package's, on one thread, nothing else):
${pdfAlone.seconds.toFixed(2)} s, ${pdfAlone.cpuSeconds.toFixed(2)} s CPU, ${((pdfAlone.cpuSeconds / pdfAlone.files) * 1000).toFixed(2)} ms of CPU per PDF.
For a package of 2,000 entries or more \`dangan check\` runs pdf.js on ${Math.max(1, cores - 1)} worker thread(s) (availableParallelism() − 1;
\`DANGAN_PDF_WORKERS\` overrides, 0 keeps it on the main thread) beside the main thread, which reads, hashes and checks
the metadata; for fewer, larger files pdf.js stays on the main thread (the worker would cost 40-60 MB for little time).

${arithmetic}

Load average (1 / 5 / 15 min) while measuring — other work on the machine inflates every figure:
${loads.map((l) => `- ${l}`).join('\n')}
`;

emitReport({ title: 'Four-property check (`dangan check`) vs unzip | sha256sum | sm3', markdown, goals, headline });
