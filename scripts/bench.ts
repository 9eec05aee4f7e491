// `npm run bench`: every figure the issues ask for, side by side in one run. Runs each sub-bench
// (scripts/bench-*.ts and scripts/measure-reader.ts) as a child process, one after another, under
// GNU time (wall, CPU, peak memory of the whole bench), and writes docs/benchmarks.md: the machine,
// a summary of every goal, then each bench's section. Not a test: it measures.
//
//   npm run bench                                   every bench, full size
//   BENCH_SCALE=0.1 npm run bench                   a tenth of the sizes
//   BENCH_DIR=/mnt/fast npm run bench               where the benches put their packages (default bench-out/)
//   npm run bench -- --only check,catalogue         a subset; the others' sections are kept from the last run
//
// Each child gets BENCH_SCALE, BENCH_DIR and BENCH_REPORT=<a temporary JSON file>, and writes its
// section there (scripts/bench/report.ts describes the JSON). A bench that does not (yet) writes one
// is quoted by its standard output; a bench that fails is reported with the end of its standard
// error, and the others still run. Every result is also kept in docs/benchmarks.json, from which
// the Markdown is made, so that `--only` can merge a partial run with the last full one.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchGoal, BenchReport } from './bench/report.ts';

const root = join(import.meta.dirname, '..');

interface BenchSpec {
  name: string;
  issue: number;
  script: string;
  /** What the bench measures, for the section heading when it writes no report. */
  title: string;
  args?: (scale: number) => string[];
}

export const BENCHES: BenchSpec[] = [
  { name: 'check', issue: 4, script: 'scripts/bench-check.ts', title: 'Four-property check vs unzip | sha256sum | sm3' },
  { name: 'ingest', issue: 6, script: 'scripts/bench-ingest.ts', title: 'Ingest (one large package end to end; 50 concurrent 1 MB submissions)' },
  { name: 'transfer', issue: 8, script: 'scripts/bench-transfer.ts', title: 'Transfer package vs zip -0 -r' },
  { name: 'audit', issue: 9, script: 'scripts/bench-audit.ts', title: 'Fixity audit vs sha256sum' },
  {
    name: 'reader',
    issue: 3,
    script: 'scripts/measure-reader.ts',
    title: 'Package reader peak memory (2 GB and 50,000-file packages)',
    // Its sizes by flag too (same values as BENCH_SCALE gives), for versions that read only flags.
    args: (scale) => ['--gb', String(2 * scale), '--files', String(Math.round(50_000 * scale))],
  },
  { name: 'catalogue', issue: 10, script: 'scripts/bench-catalogue.ts', title: 'Catalogue at scale (PostgreSQL)' },
];

export interface BenchRun {
  name: string;
  issue: number;
  script: string;
  status: 'ok' | 'failed';
  /** How the section was obtained: the bench's BENCH_REPORT, or its standard output quoted. */
  source: 'report' | 'stdout' | 'none';
  exitCode: number | null;
  date: string;
  scale: number;
  seconds: number;
  cpuSeconds?: number;
  peakMb?: number;
  loadBefore: string;
  loadAfter: string;
  report: BenchReport;
}

export interface BenchRecord {
  machine: Record<string, string>;
  runs: BenchRun[];
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

const tail = (s: string, lines: number) => s.trimEnd().split('\n').slice(-lines).join('\n');
const fence = (s: string) => {
  const longest = Math.max(2, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}text\n${s.trimEnd()}\n${f}`;
};

function sh(cmd: string): string {
  try {
    return execFileSync('sh', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** The machine the figures were measured on. */
export function describeMachine(dir: string): Record<string, string> {
  const cpu = cpus();
  const os = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '')?.[1] ?? process.platform;
  let disk = '';
  try {
    const fs = statfsSync(dir);
    disk = `${((fs.blocks * fs.bsize) / 1e9).toFixed(0)} GB, ${((fs.bavail * fs.bsize) / 1e9).toFixed(0)} GB free`;
  } catch {
    /* not there yet */
  }
  const device = sh(`df --output=source ${JSON.stringify(dir)} | tail -1`);
  const rotational = device ? sh(`lsblk -ndo ROTA ${JSON.stringify(device)} 2>/dev/null`) : '';
  return {
    CPU: `${cpu.length} × ${cpu[0]?.model?.trim() ?? 'unknown'}`,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    disk: `${device || '?'} (lsblk ROTA=${rotational || '?'}: ${rotational === '0' ? 'not rotational' : rotational === '1' ? 'rotational, or a virtual disk that says so' : 'unknown'}) under BENCH_DIR: ${disk}`,
    OS: `${os}, Linux ${release()}`,
    Node: process.version,
    OpenSSL: `${sh('openssl version') || 'not found'} (Node's own: ${process.versions.openssl})`,
    PostgreSQL: sh('psql --version') || 'psql not found',
  };
}

/** Runs one bench under GNU time; its section comes from BENCH_REPORT, else its stdout, else its stderr's tail. */
export async function runBench(spec: BenchSpec, opts: { scale: number; dir: string; log?: (s: string) => void }): Promise<BenchRun> {
  const reportPath = join(tmpdir(), `dangan-bench-${spec.name}-${process.pid}.json`);
  const timePath = join(tmpdir(), `dangan-bench-${spec.name}-${process.pid}.time`);
  rmSync(reportPath, { force: true });
  rmSync(timePath, { force: true });
  const hasTime = existsSync('/usr/bin/time');
  const node = [process.execPath, join(root, spec.script), ...(spec.args?.(opts.scale) ?? [])];
  const [cmd, ...args] = hasTime ? ['/usr/bin/time', '-o', timePath, '-f', '%e %U %S %M', ...node] : node;
  const loadBefore = load();
  const started = performance.now();
  const child = spawn(cmd, args, {
    cwd: root,
    env: { ...process.env, BENCH_SCALE: String(opts.scale), BENCH_DIR: opts.dir, BENCH_REPORT: reportPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
    opts.log?.(s);
  });
  const exitCode = await new Promise<number | null>((done) => {
    child.on('error', (e) => {
      stderr += `\n${e.message}`;
      done(null);
    });
    child.on('close', (code) => done(code));
  });
  const seconds = (performance.now() - started) / 1000;
  const loadAfter = load();
  let cpuSeconds: number | undefined;
  let peakMb: number | undefined;
  if (hasTime && existsSync(timePath)) {
    const [, user, sys, kb] = (readFileSync(timePath, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
    if (Number.isFinite(user + sys)) cpuSeconds = user + sys;
    if (Number.isFinite(kb)) peakMb = Math.round(kb / 1024);
    rmSync(timePath, { force: true });
  }
  let report: BenchReport | undefined;
  let reportProblem = '';
  if (existsSync(reportPath)) {
    try {
      report = validReport(JSON.parse(readFileSync(reportPath, 'utf8')));
    } catch (e) {
      reportProblem = `its BENCH_REPORT could not be read: ${(e as Error).message}`;
    }
    rmSync(reportPath, { force: true });
  }
  const base = { name: spec.name, issue: spec.issue, script: spec.script, exitCode, date: new Date().toISOString(), scale: opts.scale, seconds, cpuSeconds, peakMb, loadBefore, loadAfter };
  if (exitCode !== 0) {
    const why = exitCode === null ? 'could not be started or was killed' : `exited with status ${exitCode}`;
    return {
      ...base,
      status: 'failed',
      source: 'none',
      report: {
        title: spec.title,
        markdown: `**Failed**: \`node ${spec.script}\` ${why}. The end of its standard error:\n\n${fence(tail(stderr, 40) || '(nothing)')}`,
        goals: (report?.goals ?? []).map((g) => ({ ...g, met: false })),
        headline: [],
      },
    };
  }
  if (report) return { ...base, status: 'ok', source: 'report', report };
  return {
    ...base,
    status: 'ok',
    source: 'stdout',
    report: {
      title: spec.title,
      markdown: `_This bench does not write a BENCH_REPORT (yet)${reportProblem ? `: ${reportProblem}` : ''}; its standard output as printed:_\n\n${fence(stdout || '(nothing)')}`,
      goals: [],
      headline: [],
    },
  };
}

function validReport(x: unknown): BenchReport {
  const r = x as Partial<BenchReport>;
  if (typeof r?.title !== 'string' || typeof r.markdown !== 'string') throw new Error('title and markdown must be strings');
  const goals = Array.isArray(r.goals) ? r.goals : [];
  for (const g of goals as Partial<BenchGoal>[]) {
    if (typeof g?.label !== 'string' || typeof g.value !== 'string' || typeof g.goal !== 'string' || typeof g.met !== 'boolean') throw new Error(`a goal is not { label, value, goal, met }: ${JSON.stringify(g)}`);
  }
  return { title: r.title, markdown: r.markdown, goals: goals as BenchGoal[], headline: Array.isArray(r.headline) ? r.headline.filter((h) => typeof h === 'string') : [] };
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** docs/benchmarks.md from the runs, in the order of BENCHES. */
export function renderBenchmarks(rec: BenchRecord, now: Date): string {
  const order = (r: BenchRun) => BENCHES.findIndex((b) => b.name === r.name);
  const runs = [...rec.runs].sort((a, b) => order(a) - order(b));
  const scales = [...new Set(runs.map((r) => r.scale))];
  const dates = [...new Set(runs.map((r) => r.date.slice(0, 10)))];
  // A failed bench with no goals of its own still shows in the summary.
  const goals = runs.flatMap((r) =>
    r.status === 'failed' && r.report.goals.length === 0 ? [{ run: r, g: { label: `${r.script} (the whole bench)`, value: 'failed', goal: 'runs', met: false } }] : r.report.goals.map((g) => ({ run: r, g })),
  );
  const failed = runs.filter((r) => r.status === 'failed');
  const out: string[] = [];
  out.push('# Benchmarks', '');
  out.push(
    `Made by \`npm run bench\` (scripts/bench.ts), last on ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC; ` +
      `${dates.length > 1 ? `the sections were measured on ${dates.join(', ')}` : `measured on ${dates[0] ?? '—'}`}, ` +
      `at ${scales.map((s) => `BENCH_SCALE=${s}`).join(' and ')}${scales.some((s) => s !== 1) ? ' (not the full sizes)' : ''}.`,
    '',
  );
  out.push('| machine | |', '|---|---|', ...Object.entries(rec.machine).map(([k, v]) => `| ${k} | ${cell(v)} |`), '');
  out.push(
    'Every bench runs alone, one after another, in its own process. Times are wall clock unless said; on a shared machine they',
    'vary with the load, so CPU seconds (user + system) are given beside them where the bench measures them.',
    '',
  );
  out.push('## Summary', '');
  if (goals.length) {
    out.push('| bench | goal | measured | target | met |', '|---|---|---|---|---|');
    for (const { run, g } of goals) out.push(`| ${run.name} | ${cell(g.label)} | ${cell(g.value)} | ${cell(g.goal)} | ${run.status === 'failed' ? '✗ (failed)' : g.met ? '✓' : '✗'} |`);
    out.push('');
  }
  const met = goals.filter(({ run, g }) => g.met && run.status === 'ok').length;
  out.push(`${met} of ${goals.length} goals met${failed.length ? `; ${failed.length} bench${failed.length > 1 ? 'es' : ''} failed: ${failed.map((r) => r.name).join(', ')}` : ''}.`);
  const quoted = runs.filter((r) => r.source === 'stdout');
  if (quoted.length) out.push(`Without a BENCH_REPORT (their goals are not in the table; see their output below): ${quoted.map((r) => r.name).join(', ')}.`);
  out.push('');
  out.push('| bench | issue | status | scale | wall | CPU | peak memory (largest process) | load 1/5/15 min before → after | measured |', '|---|---|---|---|---|---|---|---|---|');
  for (const r of runs) {
    out.push(
      `| [${r.name}](#${anchor(r.report.title)}) | #${r.issue} | ${r.status === 'ok' ? 'ok' : '**failed**'} | ${r.scale} | ${r.seconds.toFixed(0)} s | ${r.cpuSeconds === undefined ? '—' : `${r.cpuSeconds.toFixed(0)} s`} | ${r.peakMb === undefined ? '—' : `${r.peakMb} MB`} | ${r.loadBefore} → ${r.loadAfter} | ${r.date.slice(0, 16).replace('T', ' ')} |`,
    );
  }
  out.push('', 'The wall, CPU and memory of this table are the whole bench process tree (generating packages included), from GNU time.', '');
  const headlines = runs.flatMap((r) => (r.status === 'ok' ? r.report.headline : []));
  if (headlines.length) out.push('Headline figures (for the README):', '', ...headlines.map((h) => `- ${h}`), '');
  for (const r of runs) {
    out.push(`## ${r.report.title}`, '');
    out.push(`_\`${r.script}\` (issue #${r.issue}), BENCH_SCALE=${r.scale}, ${r.date.slice(0, 16).replace('T', ' ')} UTC._`, '');
    out.push(demoteHeadings(r.report.markdown.trim()), '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** A section's own headings go below its `##`. */
function demoteHeadings(md: string): string {
  let inFence = false;
  return md
    .split('\n')
    .map((line) => {
      if (/^(```|~~~)/.test(line)) inFence = !inFence;
      if (inFence) return line;
      const m = /^(#{1,5}) (.*)$/.exec(line);
      return m ? `${m[1].length < 3 ? '###' : `${m[1]}#`} ${m[2]}` : line;
    })
    .join('\n');
}

/** GitHub's heading anchor. */
function anchor(title: string): string {
  return title
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

async function main() {
  const argv = process.argv.slice(2);
  const onlyAt = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  const onlyArg = onlyAt === -1 ? undefined : argv[onlyAt].includes('=') ? argv[onlyAt].slice('--only='.length) : argv[onlyAt + 1];
  const only = onlyArg?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only?.filter((n) => !BENCHES.some((b) => b.name === n)) ?? [];
  if (argv.includes('--help') || unknown.length || (onlyAt !== -1 && !only?.length)) {
    if (unknown.length) console.error(`bench: no such bench: ${unknown.join(', ')}`);
    console.error(`usage: npm run bench [-- --only ${BENCHES.map((b) => b.name).join(',')}]`);
    process.exit(argv.includes('--help') ? 0 : 2);
  }
  const scale = Number(process.env.BENCH_SCALE ?? '1');
  if (!(scale > 0)) {
    console.error(`bench: BENCH_SCALE must be a positive number: ${process.env.BENCH_SCALE}`);
    process.exit(2);
  }
  const dir = resolve(process.env.BENCH_DIR ?? join(root, 'bench-out'));
  mkdirSync(dir, { recursive: true });
  const docs = join(root, 'docs');
  const jsonPath = join(docs, 'benchmarks.json');
  const chosen = BENCHES.filter((b) => !only || only.includes(b.name));

  // A partial run keeps the other benches' last results.
  let kept: BenchRun[] = [];
  if (only && existsSync(jsonPath)) {
    try {
      kept = (JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchRecord).runs.filter((r) => !only.includes(r.name) && BENCHES.some((b) => b.name === r.name));
    } catch (e) {
      console.error(`bench: ignoring ${jsonPath}: ${(e as Error).message}`);
    }
  }
  const machine = describeMachine(dir);
  const runs: BenchRun[] = [];
  for (const spec of chosen) {
    process.stderr.write(`\n=== bench ${spec.name} (${spec.script}, BENCH_SCALE=${scale}) — load ${load()}\n`);
    const run = await runBench(spec, { scale, dir, log: (s) => process.stderr.write(s) });
    runs.push(run);
    process.stderr.write(`=== bench ${spec.name}: ${run.status}${run.source === 'stdout' ? ' (no BENCH_REPORT: its output is quoted)' : ''}, ${run.seconds.toFixed(0)} s\n`);
    const record: BenchRecord = { machine, runs: [...kept, ...runs] };
    mkdirSync(docs, { recursive: true });
    writeFileSync(jsonPath, `${JSON.stringify(record, null, 2)}\n`);
    writeFileSync(join(docs, 'benchmarks.md'), renderBenchmarks(record, new Date()));
  }
  process.stderr.write(`\nbench: wrote docs/benchmarks.md and docs/benchmarks.json\n`);
  process.exit(runs.some((r) => r.status === 'failed') ? 1 : 0);
}

if (import.meta.main) await main();
