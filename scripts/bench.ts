// `npm run bench`: the figures the issues ask for, side by side in one run, with peak memory,
// written to docs/benchmarks.md. Not a test: it measures, it does not pass or fail.
//
//   BENCH_SCALE=0.1 npm run bench     a quick run on packages a tenth of the size
//   BENCH_DIR=/mnt/fast npm run bench where to put the generated packages (default bench-out/)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { writeBenchPackage } from './bench/packages.ts';

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
  peakMb: number;
}

/** Runs a shell command under GNU time: wall seconds and the peak RSS of the largest process. */
function measure(command: string): Measure {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', 'bash', '-c', command], { encoding: 'utf8', cwd: root, maxBuffer: 1 << 30 });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [s, kb] = last.split(' ').map(Number);
  if (!Number.isFinite(s)) throw new Error(`bench: could not time ${command}: ${r.stderr.slice(-500)}`);
  return { seconds: s, peakMb: Math.round(kb / 1024) };
}

function best(command: string, runs = 2): Measure {
  const all = Array.from({ length: runs }, () => measure(command));
  return all.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

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
const notes: string[] = [];

async function checkBench(label: string, zip: string, goal: number) {
  const size = statSync(zip).size;
  execFileSync('cat', [zip], { stdio: ['ignore', 'ignore', 'ignore'] }); // warm the page cache for every contender alike
  const check = best(`${dangan} check --json ${zip} > /dev/null; test $? -le 1`);
  const pipeline = best(`unzip -p ${zip} | tee >(sha256sum > /dev/null) | openssl dgst -sm3 > /dev/null`);
  const floor = best(`sha256sum ${zip} > /dev/null & openssl dgst -sm3 ${zip} > /dev/null & wait`);
  const ratio = check.seconds / pipeline.seconds;
  const mb = size / 1048576;
  rows.push([label, `${mb.toFixed(0)} MB`, `${check.seconds.toFixed(2)} s (${(mb / check.seconds).toFixed(0)} MB/s)`, `${check.peakMb} MB`, `${pipeline.seconds.toFixed(2)} s`, `${floor.seconds.toFixed(2)} s`, `${ratio.toFixed(2)}× (goal ≤ ${goal}×)`]);
  if (ratio > goal) notes.push(`${label}: check took ${ratio.toFixed(2)}× the pipeline, over the goal of ${goal}×.`);
  if (check.peakMb > 200) notes.push(`${label}: peak memory ${check.peakMb} MB, over the goal of 200 MB.`);
}

const big = await ensurePackage('pdf-500x2MB', Math.max(1, Math.round(500 * scale)), 2 * 1024 * 1024);
const many = await ensurePackage('files-20000', Math.max(1, Math.round(10_000 * scale)), 2048);
await checkBench(`${Math.round(500 * scale)} PDFs of 2 MB, stored`, big, 1.3);
await checkBench(`${Math.round(20_000 * scale)} files (${Math.round(10_000 * scale)} records)`, many, 3);

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const machine = `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}, ${execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim()}`;
const table = [
  '| package | size | `dangan check --json` | peak memory | `unzip -p \\| tee sha256sum \\| sm3` | digests alone (floor) | check ÷ pipeline |',
  '|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
const doc = `# Benchmarks

Made by \`npm run bench\` (scripts/bench.ts) on ${new Date().toISOString().slice(0, 10)}${scale !== 1 ? ` at BENCH_SCALE=${scale}` : ''}.
Machine: ${machine}.

Each figure is the best of two runs with the package in the page cache. "Digests alone" is
\`sha256sum\` and \`openssl dgst -sm3\` run in parallel on the package file: the floor no checker
that computes both digests can beat. The pipeline is \`unzip -p pkg.zip | tee >(sha256sum) | openssl dgst -sm3\`:
reading every entry and hashing it twice, with none of the checks.

## Four-property check (\`dangan check\`)

${table}
${notes.length ? `\nNot yet within the goals:\n\n${notes.map((n) => `- ${n}`).join('\n')}\n` : ''}`;
mkdirSync(join(root, 'docs'), { recursive: true });
writeFileSync(join(root, 'docs', 'benchmarks.md'), doc);
console.log(doc);
