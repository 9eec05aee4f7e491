// The sampler keeps exactly the head, the tail and (when small enough) the whole file, whatever
// the chunking; the byte source serves kept bytes and falls back to the range opener.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFormatSampler } from './sample.ts';
import { byteSource } from './source.ts';

function feed(bytes: Uint8Array, chunkSizes: () => number, options: Parameters<typeof createFormatSampler>[0]) {
  const s = createFormatSampler(options);
  for (let at = 0; at < bytes.length; ) {
    const n = Math.max(1, chunkSizes());
    s.update(bytes.subarray(at, at + n));
    at += n;
  }
  return s.finish();
}

describe('createFormatSampler', () => {
  const opts = { maxBuffered: 5000, headSize: 300, tailSize: 700 };
  it.each([0, 1, 299, 300, 301, 699, 700, 701, 4999, 5000, 5001, 20_000])('size %i: head, tail and whole are exact', (size) => {
    const bytes = randomBytes(size);
    for (const chunking of [() => 1, () => 64, () => 1000, () => 1 + Math.floor(Math.random() * 900), () => 1 << 20]) {
      const s = feed(bytes, chunking, opts);
      expect(s.size).toBe(size);
      expect(Buffer.from(s.head).equals(bytes.subarray(0, 300))).toBe(true);
      expect(Buffer.from(s.tail).equals(bytes.subarray(Math.max(0, size - 700)))).toBe(true);
      if (size <= 5000) expect(Buffer.from(s.whole!).equals(bytes)).toBe(true);
      else expect(s.whole).toBeUndefined();
    }
  });

  it('refuses updates after finish', () => {
    const s = createFormatSampler();
    s.update(new Uint8Array([1]));
    s.finish();
    expect(() => s.update(new Uint8Array([2]))).toThrow();
  });
});

describe('byteSource', () => {
  it('serves head and tail ranges without the opener, others through it, and undefined without one', async () => {
    const bytes = randomBytes(10_000);
    const calls: [number, number][] = [];
    const sample = feed(bytes, () => 512, {
      maxBuffered: 100, headSize: 1000, tailSize: 1000,
      openRange: async (a, b) => {
        calls.push([a, b]);
        return bytes.subarray(a, b);
      },
    });
    const src = byteSource(sample);
    expect(Buffer.from((await src.read(10, 20))!).equals(bytes.subarray(10, 20))).toBe(true);
    expect(Buffer.from((await src.read(9500, 9600))!).equals(bytes.subarray(9500, 9600))).toBe(true);
    expect(calls).toEqual([]);
    expect(Buffer.from((await src.read(5000, 5100))!).equals(bytes.subarray(5000, 5100))).toBe(true);
    expect(calls).toEqual([[5000, 5100]]);
    const blind = byteSource({ ...sample, openRange: undefined });
    expect(await blind.read(5000, 5100)).toBeUndefined();
    expect(blind.random).toBe(false);
  });
});
