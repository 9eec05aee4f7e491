// The streaming stored-zip writer, read back by Info-ZIP unzip and by yauzl (the package reader's
// library): contents, CRC-32, UTF-8 names; the ZIP64 end records past 65,535 entries; wrong sizes refused.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { createStoredZipWriter } from './zip-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'dangan-zipw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(out: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of out) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

function yauzlEntries(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, decodeStrings: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const got = new Map<string, Buffer>();
      zip.on('entry', (e: yauzl.Entry) =>
        zip.openReadStream(e, (err2, s) => {
          if (err2 || !s) return reject(err2);
          const parts: Buffer[] = [];
          s.on('data', (c: Buffer) => parts.push(c));
          s.on('end', () => {
            got.set(e.fileName, Buffer.concat(parts));
            zip.readEntry();
          });
        }),
      );
      zip.on('end', () => resolve(got));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

it('writes entries streamed in chunks that unzip and yauzl read back byte for byte', async () => {
  const zip = createStoredZipWriter({ mtime: new Date('2025-03-04T05:06:08') });
  const bytes = collect(zip.output);
  const big = randomBytes(3 * 1024 * 1024 + 17);
  const e = await zip.entry('J001/J001-WS·2024-Y-BGS-0001/正文.pdf', big.length);
  for (let i = 0; i < big.length; i += 65536) await e.write(big.subarray(i, i + 65536));
  await e.end();
  await zip.add('说明文件.txt', Buffer.from('档案数量：1\n'));
  await zip.add('empty.txt', Buffer.alloc(0));
  await zip.finish();
  const file = join(dir, 'a.zip');
  writeFileSync(file, await bytes);
  execFileSync('unzip', ['-tq', file]);
  const out = join(dir, 'a');
  execFileSync('unzip', ['-q', file, '-d', out]);
  expect(readFileSync(join(out, 'J001/J001-WS·2024-Y-BGS-0001/正文.pdf')).equals(big)).toBe(true);
  expect(readFileSync(join(out, '说明文件.txt'), 'utf8')).toBe('档案数量：1\n');
  const read = await yauzlEntries(file);
  expect([...read.keys()]).toEqual(['J001/J001-WS·2024-Y-BGS-0001/正文.pdf', '说明文件.txt', 'empty.txt']);
  expect(read.get('J001/J001-WS·2024-Y-BGS-0001/正文.pdf')!.equals(big)).toBe(true);
  expect(zip.paths.size).toBe(3);
});

it('writes the ZIP64 end records when there are more than 65,535 entries', async () => {
  const zip = createStoredZipWriter({ mtime: new Date('2025-01-01T00:00:00') });
  const bytes = collect(zip.output);
  const n = 70_000;
  for (let i = 0; i < n; i++) await zip.add(`f/${i}.txt`, Buffer.from(String(i)));
  await zip.finish();
  const file = join(dir, 'many.zip');
  const buf = await bytes;
  writeFileSync(file, buf);
  expect(buf.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true); // zip64 end of central directory
  const read = await yauzlEntries(file);
  expect(read.size).toBe(n);
  expect(read.get('f/69999.txt')!.toString()).toBe('69999');
  execFileSync('unzip', ['-tq', file]);
}, 120_000);

it('refuses an entry longer or shorter than declared', async () => {
  const zip = createStoredZipWriter({ mtime: new Date() });
  void collect(zip.output).catch(() => {});
  const e = await zip.entry('a', 3);
  expect(() => e.write(Buffer.from('abcd'))).toThrow(/longer/);
  const zip2 = createStoredZipWriter({ mtime: new Date() });
  void collect(zip2.output).catch(() => {});
  const e2 = await zip2.entry('b', 3);
  await e2.write(Buffer.from('ab'));
  await expect(e2.end()).rejects.toThrow(/2 of its declared 3/);
});
