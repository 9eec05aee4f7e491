// `node scripts/bench-ingest.ts`: the ingest figures of issue #6, measured on real processes —
// one large package end to end (upload → archived, file store + one file backup) against
// `dangan check` of the same package, and 50 concurrent 1 MB submissions (throughput, p95 latency);
// wall and CPU seconds and peak memory of the service process. Follows the benchmarks contract
// (scripts/bench/report.ts): JSON to $BENCH_REPORT, else its Markdown on stdout.
//
//   BENCH_SCALE=0.1 node scripts/bench-ingest.ts    the large package a tenth of 1 GB
//   BENCH_DIR=/mnt/fast node scripts/bench-ingest.ts where packages and the service's data go
//   BENCH_CONCURRENT=20                               fewer concurrent submissions
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeIngestPackage } from '../test/e2e/ingest-packages.ts';
import { emitReport, percentile } from './bench/report.ts';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'dangan.js');
const scale = Number(process.env.BENCH_SCALE ?? '1');
const concurrent = Number(process.env.BENCH_CONCURRENT ?? '50');
const dir = process.env.BENCH_DIR ?? join(root, 'bench-out');
mkdirSync(dir, { recursive: true });
if (!existsSync('/usr/bin/time')) {
  process.stderr.write('bench-ingest: needs GNU time at /usr/bin/time (apt-get install time)\n');
  process.exit(2);
}

const GB = 1024 ** 3;
const MB = 1024 ** 2;
const TICK = 100; // clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux)

async function ensure(name: string, spec: Parameters<typeof writeIngestPackage>[1]): Promise<string> {
  const zip = join(dir, `${name}.zip`);
  const stamp = `${zip}.json`;
  const want = JSON.stringify({ ...spec, v: 1 });
  if (!existsSync(zip) || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== want) {
    await writeIngestPackage(zip, spec);
    writeFileSync(stamp, want);
  }
  return zip;
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const seconds = (since: number) => round((performance.now() - since) / 1000);

// --- the service process, watched through /proc: CPU seconds (all its threads: the digest and PDF
// workers too) and the peak RSS, whose high-water mark is reset before each measured phase.
interface ProcMark {
  cpu: number;
}
const procCpu = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK; // utime, stime
};
const peakMb = (pid: number): number => Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024);
const resetPeak = (pid: number) => writeFileSync(`/proc/${pid}/clear_refs`, '5');
const mark = (pid: number): ProcMark => {
  resetPeak(pid);
  return { cpu: procCpu(pid) };
};

// --- a fresh data dir, the file store plus one file backup, on the embedded database
const data = join(dir, 'ingest-service');
rmSync(data, { recursive: true, force: true });
mkdirSync(join(data, 'backup'), { recursive: true });
const env = {
  ...process.env,
  DANGAN_DATA: data,
  DANGAN_BACKUP_STORES: pathToFileURL(join(data, 'backup')).href,
  DANGAN_MAX_UPLOAD_BYTES: String(4 * GB),
  DANGAN_LOG_LEVEL: 'info',
};
const token = spawnSync(process.execPath, [bin, 'token', 'create', '--system', 'bench', '--fonds', 'J001'], { env, encoding: 'utf8' }).stdout.trim().split('\n').pop()!;
const serve = spawn(process.execPath, [bin, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
/** The service's "submission archived" log lines: where the time of each went (copy, check, store, catalogue). */
const archivedLogs = new Map<string, Record<string, number>>();
let outBuf = '';
serve.stdout!.on('data', (d: Buffer) => {
  outBuf += d.toString();
  let nl;
  while ((nl = outBuf.indexOf('\n')) >= 0) {
    const line = outBuf.slice(0, nl);
    outBuf = outBuf.slice(nl + 1);
    if (!line.includes('submission archived')) continue;
    try {
      const o = JSON.parse(line) as Record<string, number> & { submission: string };
      archivedLogs.set(o.submission, o);
    } catch {
      /* not JSON */
    }
  }
});
const url = await new Promise<string>((resolve, reject) => {
  let err = '';
  serve.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    const m = /http:\/\/localhost:(\d+)\/healthz/.exec(err);
    if (m) resolve(`http://127.0.0.1:${m[1]}`);
  });
  serve.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
});
const pid = serve.pid!;
const startupPeakMb = peakMb(pid);
const auth = { authorization: `Bearer ${token}` };

/**
 * Pushes a package. The client is curl when there is one (streaming the file, as an integrator's
 * system would): a client in this same Node process would spend a core of this 2-core machine on
 * sending, and the figure is the service's. Node's fetch otherwise.
 */
const curl = spawnSync('sh', ['-c', 'command -v curl']).status === 0;
async function submit(zip: string): Promise<string> {
  if (curl) {
    const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const c = spawn('curl', ['-sS', '-X', 'POST', '-T', zip, '-H', 'Expect:', '-H', `authorization: ${auth.authorization}`, '-H', 'content-type: application/zip', '-w', '\n%{http_code}', `${url}/api/v1/submissions`]);
      let out = '';
      let err = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (err += d.toString()));
      c.once('close', (code) => resolve({ code, out, err }));
    });
    const nl = r.out.lastIndexOf('\n');
    const status = r.out.slice(nl + 1).trim();
    if (r.code !== 0 || status !== '202') throw new Error(`submit ${zip}: curl ${r.code} ${status} ${r.out.slice(0, nl)} ${r.err}`);
    return (JSON.parse(r.out.slice(0, nl)) as { id: string }).id;
  }
  const res = await fetch(`${url}/api/v1/submissions`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/zip', 'content-length': String(statSync(zip).size) },
    body: ReadableStream.from(createReadStream(zip, { highWaterMark: MB })),
    duplex: 'half',
  } as RequestInit);
  if (res.status !== 202) throw new Error(`submit ${zip}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function archived(id: string, everyMs = 200): Promise<void> {
  for (;;) {
    const s = (await (await fetch(`${url}/api/v1/submissions/${id}`, { headers: auth })).json()) as { status: string; failureReason: string | null };
    if (s.status === 'archived') return;
    if (s.status === 'rejected' || s.status === 'failed') throw new Error(`submission ${id} ${s.status}: ${s.failureReason ?? ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Wall and CPU seconds and the peak RSS of a command, by GNU time. */
function timed(args: string[]): { seconds: number; cpu: number; peakMb: number; status: number | null; stdout: string } {
  const out = join(dir, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', out, process.execPath, ...args], { env: { ...process.env, DANGAN_LOG_LEVEL: 'warn' }, encoding: 'utf8', maxBuffer: 1 << 28 });
  const [s, u, sy, kb] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { seconds: s, cpu: round(u + sy), peakMb: Math.round(kb / 1024), status: r.status, stdout: r.stdout };
}

const loadBefore = loadavg()[0];
try {
  // --- one large package: upload to archived vs dangan check
  const pdfBytes = 10 * MB;
  const records = Math.max(1, Math.round((GB * scale) / pdfBytes));
  process.stderr.write(`bench-ingest: the large package, ${records} records of ${pdfBytes / MB} MB …\n`);
  const big = await ensure(`ingest-large-${records}`, { division: 'BIG', count: records, pdfBytes });
  const size = statSync(big).size;
  const check = timed([bin, 'check', big]);
  if (check.status !== 0) throw new Error(`dangan check rejected the bench package: ${check.stdout}`);
  let m = mark(pid);
  let t = performance.now();
  const bigId = await submit(big);
  const uploadSeconds = seconds(t);
  await archived(bigId, 250);
  const ingestSeconds = seconds(t);
  const ingestCpu = round(procCpu(pid) - m.cpu);
  const ingestPeak = peakMb(pid);
  // The log line follows the status change by a moment.
  for (let i = 0; i < 40 && !archivedLogs.has(bigId); i++) await new Promise((r) => setTimeout(r, 50));
  const phases = archivedLogs.get(bigId) ?? {};

  // --- concurrent 1 MB submissions, each in its own 件号 group
  process.stderr.write(`bench-ingest: ${concurrent} concurrent packages of 1 MB …\n`);
  const small = await Promise.all(Array.from({ length: concurrent }, (_, i) => ensure(`ingest-1mb-${i}`, { division: `C${String(i).padStart(3, '0')}`, count: 1, pdfBytes: MB })));
  m = mark(pid);
  t = performance.now();
  const outcomes = await Promise.allSettled(
    small.map(async (zip) => {
      const t0 = performance.now();
      await archived(await submit(zip));
      return (performance.now() - t0) / 1000;
    }),
  );
  const wall = (performance.now() - t) / 1000;
  const concurrentCpu = round(procCpu(pid) - m.cpu);
  const concurrentPeak = peakMb(pid);
  const latencies = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [String((o.reason as Error).message)] : []));
  const perSecond = round(latencies.length / wall);
  const p50 = round(percentile(latencies, 50));
  const p95 = round(percentile(latencies, 95));
  const max = round(percentile(latencies, 100));

  const ratio = round(ingestSeconds / check.seconds);
  const cpuRatio = round(ingestCpu / check.cpu);
  const sizeMb = Math.round(size / MB);
  const loadAfter = loadavg()[0];
  const ms = (k: string) => (phases[k] === undefined ? '–' : `${round(phases[k] / 1000, 1)} s`);
  const markdown = `
One package of ${sizeMb} MB (${records} records, one ${pdfBytes / MB} MB PDF each) pushed to \`dangan serve\`
(embedded PGlite, the file store plus one file-system backup, one process), from the first byte of
the upload to \`archived\`, against \`dangan check\` of the same package; then ${concurrent} packages of
1 MB pushed at once, each sent by ${curl ? '`curl -T` (a separate process, streaming the file)' : "Node's fetch in the bench process"}. CPU is user + system seconds of the service process (every thread: the digest
and PDF workers too) or of \`dangan check\` — steadier than wall time on this shared 2-core machine
(load ${round(loadBefore, 1)} at the start, ${round(loadAfter, 1)} at the end). Peak memory is the
largest RSS of the process (GNU time for \`check\`; /proc VmHWM of the service, reset before each phase).

| ${sizeMb} MB package | wall | CPU | peak memory |
|---|---|---|---|
| \`dangan check\` | ${check.seconds} s | ${check.cpu} s | ${check.peakMb} MB |
| upload → archived (service) | ${ingestSeconds} s (${ratio}× check) | ${ingestCpu} s (${cpuRatio}× check) | ${ingestPeak} MB |

Where the service's time went: the upload (first byte sent to \`202 Accepted\`, the package hashed
on arrival and staged) ${uploadSeconds} s; then, from its log, staged copy ${ms('copyMs')}, check ${ms('checkMs')}, store to
both stores with every copy proven ${ms('storeMs')}, catalogue ${ms('catalogueMs')}; the queue and the status polling are the rest. Each byte is hashed (SM3 + SHA-256) twice: on arrival (the package's
digests, in the report and the event log) and by the check, whose read also writes every file to both
stores (under pending/, moved to its content key by a rename once the package is accepted).

| ${concurrent} concurrent 1 MB submissions | |
|---|---|
| archived | ${latencies.length} of ${concurrent}${failures.length ? ` (failed: ${failures.slice(0, 3).join('; ')})` : ''} |
| all done in | ${round(wall)} s |
| throughput | ${perSecond} packages/s |
| latency (submit → archived) | p50 ${p50} s · p95 ${p95} s · max ${max} s |
| service CPU | ${concurrentCpu} s |
| service peak memory | ${concurrentPeak} MB |

The service's peak while starting, before any upload (opening the embedded PGlite database among
it), was ${startupPeakMb} MB; the phases' peaks above are measured from after it.
Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / GB)} GiB, Node ${process.version}.
`;
  emitReport({
    title: 'Ingest (issue #6)',
    markdown,
    goals: [
      { label: `${sizeMb} MB package end to end vs \`dangan check\``, value: `${ratio}× (${ingestSeconds} s vs ${check.seconds} s; CPU ${cpuRatio}×)`, goal: '≤ 2×', met: ratio <= 2 },
      { label: `${concurrent} concurrent 1 MB submissions archived`, value: `${latencies.length} of ${concurrent}, ${perSecond}/s, p95 ${p95} s`, goal: 'all, without error', met: failures.length === 0 },
    ],
    headline: [
      `Ingest of a ${sizeMb} MB package (file store + 1 backup): ${ingestSeconds} s upload → archived, ${ratio}× \`dangan check\` (${check.seconds} s); CPU ${cpuRatio}×; service peak ${ingestPeak} MB.`,
      `${concurrent} concurrent 1 MB submissions: ${latencies.length} of ${concurrent} archived in ${round(wall)} s, ${perSecond} packages/s, p95 ${p95} s; service peak ${concurrentPeak} MB.`,
    ],
  });
} finally {
  serve.kill('SIGTERM');
  await new Promise((r) => serve.once('exit', r));
}
