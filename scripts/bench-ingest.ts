// `node scripts/bench-ingest.ts`: the ingest figures of issue #6, measured on real processes —
// one large package end to end (upload → archived, file store + one file backup) against
// `dangan check` of the same package, and 50 concurrent 1 MB submissions (throughput, p95 latency).
// Not a test: it measures and prints (and writes bench-out/ingest.json), it does not pass or fail.
//
//   BENCH_SCALE=0.1 node scripts/bench-ingest.ts   the large package a tenth of 1 GB
//   BENCH_DIR=/mnt/fast node scripts/bench-ingest.ts where packages and the service's data go
//   BENCH_CONCURRENT=20                               fewer concurrent submissions
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeIngestPackage } from '../test/e2e/ingest-packages.ts';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'dangan.js');
const scale = Number(process.env.BENCH_SCALE ?? '1');
const concurrent = Number(process.env.BENCH_CONCURRENT ?? '50');
const dir = process.env.BENCH_DIR ?? join(root, 'bench-out');
mkdirSync(dir, { recursive: true });

const GB = 1024 ** 3;
const MB = 1024 ** 2;

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

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 10) / 100;
}

// --- the service: a fresh data dir, the file store plus one file backup, on the embedded database
const data = join(dir, 'ingest-service');
rmSync(data, { recursive: true, force: true });
mkdirSync(join(data, 'backup'), { recursive: true });
const env = {
  ...process.env,
  DANGAN_DATA: data,
  DANGAN_BACKUP_STORES: pathToFileURL(join(data, 'backup')).href,
  DANGAN_MAX_UPLOAD_BYTES: String(4 * GB),
  DANGAN_LOG_LEVEL: 'warn',
};
const token = spawnSync(process.execPath, [bin, 'token', 'create', '--system', 'bench', '--fonds', 'J001'], { env, encoding: 'utf8' }).stdout.trim().split('\n').pop()!;
const serve = spawn(process.execPath, [bin, 'serve', '--port', '0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
const url = await new Promise<string>((resolve, reject) => {
  let err = '';
  serve.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    const m = /http:\/\/localhost:(\d+)\/healthz/.exec(err);
    if (m) resolve(`http://127.0.0.1:${m[1]}`);
  });
  serve.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
});
const auth = { authorization: `Bearer ${token}` };

async function submit(zip: string): Promise<string> {
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

try {
  // --- one large package: upload to archived vs dangan check
  const pdfBytes = 10 * MB;
  const records = Math.max(1, Math.round((GB * scale) / pdfBytes));
  process.stderr.write(`generating the large package: ${records} records of ${pdfBytes / MB} MB …\n`);
  const big = await ensure(`ingest-large-${records}`, { division: 'BIG', count: records, pdfBytes });
  const size = statSync(big).size;
  let t = performance.now();
  const check = spawnSync(process.execPath, [bin, 'check', big], { env: { ...process.env, DANGAN_LOG_LEVEL: 'warn' }, encoding: 'utf8' });
  const checkSeconds = seconds(t);
  if (check.status !== 0) throw new Error(`dangan check rejected the bench package: ${check.stdout}`);
  t = performance.now();
  await archived(await submit(big), 500);
  const ingestSeconds = seconds(t);

  // --- concurrent 1 MB submissions, each in its own 件号 group
  process.stderr.write(`generating ${concurrent} packages of 1 MB …\n`);
  const small = await Promise.all(Array.from({ length: concurrent }, (_, i) => ensure(`ingest-1mb-${i}`, { division: `C${String(i).padStart(3, '0')}`, count: 1, pdfBytes: MB })));
  const started = performance.now();
  const latencies = await Promise.all(
    small.map(async (zip) => {
      const t0 = performance.now();
      await archived(await submit(zip));
      return (performance.now() - t0) / 1000;
    }),
  );
  const wall = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const p = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] * 100) / 100;

  const result = {
    large: { bytes: size, records, checkSeconds, ingestSeconds, ratio: Math.round((ingestSeconds / checkSeconds) * 100) / 100, goal: '≤ 2× check' },
    concurrent: { submissions: concurrent, allArchived: true, wallSeconds: Math.round(wall * 100) / 100, perSecond: Math.round((concurrent / wall) * 100) / 100, p50: p(0.5), p95: p(0.95), max: p(1) },
  };
  writeFileSync(join(dir, 'ingest.json'), JSON.stringify(result, null, 2));
  console.log(`ingest, one package of ${(size / MB).toFixed(0)} MB (${records} records), file store + 1 backup:`);
  console.log(`  dangan check             ${checkSeconds.toFixed(2)} s`);
  console.log(`  upload → archived        ${ingestSeconds.toFixed(2)} s   (${result.large.ratio}× check; goal ≤ 2×)`);
  console.log(`${concurrent} concurrent 1 MB submissions: all archived in ${result.concurrent.wallSeconds} s`);
  console.log(`  throughput ${result.concurrent.perSecond} packages/s · latency p50 ${result.concurrent.p50} s · p95 ${result.concurrent.p95} s · max ${result.concurrent.max} s`);
} finally {
  serve.kill('SIGTERM');
  await new Promise((r) => serve.once('exit', r));
}
