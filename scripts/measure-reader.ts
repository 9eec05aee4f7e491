// Measures readPackage on big packages: a ~2 GB stored ZIP (few large files) and a 50,000-file
// ZIP and directory (many small ones), generated under os.tmpdir() by streaming, never in memory.
// Run: npx node [node flags] scripts/measure-reader.ts [--gb 2] [--files 50000] [--keep] (0 skips one)
// Each reading runs in a child process (with the same node flags) so its peak RSS is the reader's alone.
import { execFileSync } from 'node:child_process';
import v8 from 'node:v8';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';
import { writeCatalogue, writeDescription, writeRecordMetadata } from '../src/metadata/index.ts';
import type { Draft, RecordMetadata } from '../src/metadata/index.ts';
import { readPackage } from '../src/package/index.ts';

const DATE = new Date('2024-03-20T02:00:00Z');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

function record(n: number, files: { name: string; size: number }[]): Draft<RecordMetadata> {
  const num = String(n).padStart(5, '0');
  return {
    aggregationLevel: '件',
    provenance: { unitName: '某某县人民政府办公室' },
    recordId: `M-${num}`,
    archivalCode: { fonds: 'J001', category: 'WS', year: '2024', retention: 'Y', itemNumber: num },
    description: { title: `测量用文件 ${num}`, author: '某某县人民政府办公室', date: '20240315', classification: '公开' },
    form: { compositionType: files.length > 1 ? '组合文件' : '单件' },
    files: files.map((f, i) => ({ sequence: String(i + 1), role: i === 0 ? '主文档' : '附属文档', fileName: f.name, size: String(f.size), format: 'PDF', digest: '0'.repeat(64), signatures: [] })),
    processes: [],
  };
}

/** Pseudo-content: a repeated random block, streamed (stored entries do not care what it is). */
function content(size: number, block: Buffer): Readable {
  let left = size;
  return new Readable({
    read() {
      if (left === 0) return this.push(null);
      const n = Math.min(left, block.length);
      left -= n;
      this.push(block.subarray(0, n));
    },
  });
}

interface Spec {
  records: number;
  filesPerRecord: number;
  fileSize: number;
}

/** Calls `add(path, size, stream)` for every file of a native package following `spec`. */
async function generate(spec: Spec, add: (path: string, size: number, data: () => Readable) => Promise<void>): Promise<void> {
  const block = randomBytes(1024 * 1024);
  const entries = [];
  let total = 0;
  for (let r = 1; r <= spec.records; r++) {
    const files = Array.from({ length: spec.filesPerRecord }, (_, i) => ({ name: `文件${i + 1}.pdf`, size: spec.fileSize }));
    const meta = record(r, files);
    const code = `J001-WS·2024-Y-${String(r).padStart(5, '0')}`;
    const xml = Buffer.from(writeRecordMetadata(meta));
    await add(`${code}/元数据.xml`, xml.length, () => Readable.from([xml]));
    for (const f of files) {
      await add(`${code}/${f.name}`, f.size, () => content(f.size, block));
      total += f.size;
    }
    entries.push({ sequence: String(r), archivalCode: code, title: meta.description!.title, author: meta.description!.author, date: '20240315', retention: 'Y', classification: '公开' });
  }
  const catalogue = Buffer.from(writeCatalogue({ entries }));
  await add('目录文件.xml', catalogue.length, () => Readable.from([catalogue]));
  const description = Buffer.from(
    writeDescription({ unitName: '某某县人民政府办公室', fonds: 'J001', recordCount: String(spec.records), fileCount: String(spec.records * spec.filesPerRecord), totalBytes: String(total), digestAlgorithmText: 'SM3', digestAlgorithm: 'sm3', extra: {} }),
  );
  await add('说明文件.txt', description.length, () => Readable.from([description]));
}

async function writeZip(path: string, spec: Spec): Promise<void> {
  const z = new yazl.ZipFile();
  const done = pipeline(z.outputStream, createWriteStream(path));
  // yazl pulls each stream when it reaches it, so only one file's data is in flight at a time
  await generate(spec, async (p, size, data) => z.addReadStreamLazy(p, { size, compress: false, mtime: DATE }, (cb) => cb(null, data())));
  z.end();
  await done;
}

async function writeDir(path: string, spec: Spec): Promise<void> {
  await generate(spec, async (p, _size, data) => {
    mkdirSync(join(path, p, '..'), { recursive: true });
    await pipeline(data(), createWriteStream(join(path, p)));
  });
}

/** Child mode: read one package, consuming every stream; print JSON. */
async function measure(path: string): Promise<void> {
  const start = performance.now();
  const reader = await readPackage(path);
  let files = 0;
  let bytes = 0;
  for await (const item of reader.items()) {
    if (item.kind !== 'content' && item.kind !== 'other') continue;
    for await (const c of item.stream) bytes += c.byteLength;
    const r = await item.result;
    if (r.ok) files++;
  }
  await reader.close();
  const seconds = (performance.now() - start) / 1000;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ path, files, bytes, findings: reader.findings.length, seconds: Number(seconds.toFixed(2)), mbPerSecond: Number((bytes / 1048576 / seconds).toFixed(1)), maxRssMb: Number(maxRssMb.toFixed(1)) }));
}

if (process.argv[2] === '--read') {
  // The heap settings bin/dangan.js gives every dangan process (see the comment there): without
  // them V8 lets the heap grow to ~4x what is live, and the 50,000-file reading peaked at ~390 MB.
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  v8.setFlagsFromString('--heap-growing-percent=100');
  await measure(process.argv[3]);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'dangan-measure-'));
  const self = fileURLToPath(import.meta.url);
  const run = (path: string) => JSON.parse(execFileSync(process.execPath, [...process.execArgv, self, '--read', path], { encoding: 'utf8' }).trim().split('\n').pop()!);
  try {
    const gb = arg('gb', 2);
    const manyFiles = arg('files', 50_000);
    const results = [];
    let t = performance.now();
    if (gb > 0) {
      const big = join(dir, 'big.zip');
      await writeZip(big, { records: 20, filesPerRecord: 1, fileSize: Math.round((gb * 1024 ** 3) / 20) });
      console.error(`generated ${big} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      results.push({ package: `${gb} GB stored zip, 20 files`, ...run(big) });
      rmSync(big);
    }

    if (manyFiles > 0) {
      const perRecord = 4; // plus 元数据.xml: 5 files a record
      const spec = { records: Math.round(manyFiles / (perRecord + 1)), filesPerRecord: perRecord, fileSize: 2048 };
      const many = join(dir, 'many.zip');
      t = performance.now();
      await writeZip(many, spec);
      console.error(`generated ${many} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      results.push({ package: `${manyFiles} files, stored zip`, ...run(many) });
      const manyDir = join(dir, 'many');
      await writeDir(manyDir, spec);
      results.push({ package: `${manyFiles} files, directory`, ...run(manyDir) });
    }
    console.table(results.map(({ package: p, files, bytes, seconds, mbPerSecond, maxRssMb, findings }) => ({ package: p, files, bytes, seconds, mbPerSecond, maxRssMb, findings })));
    writeFileSync(join(dir, 'results.json'), JSON.stringify(results, null, 2));
  } finally {
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}
