import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockReader } from './block-reader.ts';

const dir = mkdtempSync(join(tmpdir(), 'dangan-block-'));
const data = randomBytes(9 * 1024 * 1024 + 12_345);
const file = join(dir, 'data.bin');
writeFileSync(file, data);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(s: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe('BlockReader', () => {
  it('returns the right bytes for small reads forward, backward, across and beyond a block', async () => {
    const r = new BlockReader(openSync(file, 'r'), data.length);
    for (const [pos, len] of [[0, 30], [30, 2000], [2030, 46], [300_000, 10], [100, 5], [262_140, 10], [data.length - 7, 7], [5_000_000, 200_000]] as const) {
      expect(Buffer.compare(await r.bytes(pos, len), data.subarray(pos, pos + len))).toBe(0);
    }
    // at the end of the file a read returns what there is
    expect((await r.bytes(data.length - 3, 10)).length).toBe(3);
    await new Promise((res) => r.close(res));
  });

  it('serves yauzl-style reads into a buffer', async () => {
    const r = new BlockReader(openSync(file, 'r'), data.length);
    const out = Buffer.alloc(46);
    const n = await new Promise<number>((res, rej) => r.read(out, 0, 46, 1000, (err, got) => (err ? rej(err) : res(got))));
    expect(n).toBe(46);
    expect(Buffer.compare(out, data.subarray(1000, 1046))).toBe(0);
    await new Promise((res) => r.close(res));
  });

  it('streams small and large ranges, in chunks the consumer may keep', async () => {
    const r = new BlockReader(openSync(file, 'r'), data.length);
    await r.bytes(10, 10); // fill the cache: the next small range comes from it
    expect(Buffer.compare(await collect(r.stream(20, 2048)), data.subarray(20, 2048))).toBe(0);
    expect(Buffer.compare(await collect(r.stream(7, data.length)), data.subarray(7))).toBe(0);
    expect(Buffer.compare(await collect(r.stream(4096, 4096 + 300_000)), data.subarray(4096, 4096 + 300_000))).toBe(0);
    await new Promise((res) => r.close(res));
  });

  it('errors a stream that runs past the end of the file (truncated under the reader)', async () => {
    const r = new BlockReader(openSync(file, 'r'), data.length);
    await expect(collect(r.stream(data.length - 1000, data.length + 5000))).rejects.toThrow(/not enough bytes/);
    await expect(collect(r.stream(data.length - 9 * 1024 * 1024, data.length + 1))).rejects.toThrow(/not enough bytes/);
    await new Promise((res) => r.close(res));
  });
});
