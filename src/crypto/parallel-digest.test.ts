import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createDigester } from './digest.ts';
import { createDigestPool } from './parallel-digest.ts';

const pool = createDigestPool({ blockSize: 64 * 1024, slots: 3, inlineBelow: 64 * 1024 });
afterAll(() => pool.close());

function reference(data: Buffer) {
  const d = createDigester();
  d.update(data);
  return d.digest();
}

async function viaPool(data: Buffer, chunk: number) {
  const d = pool.create();
  for (let off = 0; off < data.length; off += chunk) await d.update(data.subarray(off, off + chunk));
  return d.digest();
}

describe('parallel SM3 + SHA-256', () => {
  it('matches the one-thread digests for every size around the block and inline limits', async () => {
    for (const size of [0, 1, 65_535, 65_536, 65_537, 200_000, 1_000_003]) {
      const data = randomBytes(size);
      for (const chunk of [1000, 65_536, 70_001]) expect(await viaPool(data, chunk)).toEqual(reference(data));
    }
  });

  it('hashes on the calling thread when asked to (inline), with the same digests, whatever the size', async () => {
    const fresh = createDigestPool({ blockSize: 64 * 1024, slots: 3, inlineBelow: 64 * 1024 });
    const data = randomBytes(1_000_003);
    const d = fresh.create({ inline: true });
    for (let off = 0; off < data.length; off += 70_001) expect(d.update(data.subarray(off, off + 70_001))).toBeUndefined();
    expect(await d.digest()).toEqual(reference(data));
    await expect(d.digest()).rejects.toThrow(/twice/);
    await fresh.close();
  });

  it('keeps files apart when several are hashed at once, with a ring smaller than the data', async () => {
    const files = Array.from({ length: 6 }, (_, i) => randomBytes(300_000 + i * 7919));
    const got = await Promise.all(files.map((f, i) => viaPool(f, 10_000 + i * 1000)));
    expect(got).toEqual(files.map(reference));
  });

  it('frees its slots when a read is abandoned, so later files still hash', async () => {
    for (let i = 0; i < 5; i++) {
      const d = pool.create();
      await d.update(randomBytes(150_000));
      d.abort();
    }
    const data = randomBytes(500_000);
    expect(await viaPool(data, 65_536)).toEqual(reference(data));
  });
});

describe('worker layouts', () => {
  it('gives the same digests with one worker for both and with one worker each', async () => {
    const data = randomBytes(700_001);
    for (const workers of [1, 2] as const) {
      const p = createDigestPool({ blockSize: 64 * 1024, slots: 3, inlineBelow: 64 * 1024, workers });
      try {
        const d = p.create();
        for (let off = 0; off < data.length; off += 50_000) await d.update(data.subarray(off, off + 50_000));
        expect(await d.digest()).toEqual(reference(data));
      } finally {
        await p.close();
      }
    }
  });

  it('hashes files whole on the less busy of two workers (share: files), several at once, one abandoned', async () => {
    const p = createDigestPool({ blockSize: 64 * 1024, slots: 3, inlineBelow: 64 * 1024, workers: 2, share: 'files' });
    try {
      const files = [500_001, 300_000, 1_000_000, 64 * 1024, 5].map((n) => randomBytes(n));
      const abandoned = p.create();
      await abandoned.update(randomBytes(200_000));
      const digests = await Promise.all(
        files.map(async (data) => {
          const d = p.create();
          for (let off = 0; off < data.length; off += 40_000) await d.update(data.subarray(off, off + 40_000));
          return d.digest();
        }),
      );
      abandoned.abort();
      expect(digests).toEqual(files.map(reference));
      // after the abandoned file, both workers still take files
      const more = await Promise.all([randomBytes(400_000), randomBytes(400_000)].map(async (data) => {
        const d = p.create();
        await d.update(data);
        return [await d.digest(), reference(data)];
      }));
      for (const [got, want] of more) expect(got).toEqual(want);
    } finally {
      await p.close();
    }
  });
});

describe('one digest only', () => {
  it('gives only the SHA-256 (or only the SM3) asked for, in every worker layout, beside files hashed whole', async () => {
    const data = randomBytes(600_001);
    const small = randomBytes(1000);
    const layouts = [{ workers: 1 }, { workers: 2 }, { workers: 2, share: 'files' }] as const;
    for (const layout of layouts) {
      const p = createDigestPool({ blockSize: 64 * 1024, slots: 3, inlineBelow: 64 * 1024, ...layout });
      try {
        const run = async (bytes: Buffer, only?: 'sha256' | 'sm3') => {
          const d = p.create(only ? { only } : {});
          for (let off = 0; off < bytes.length; off += 50_000) await d.update(bytes.subarray(off, off + 50_000));
          return d.digest();
        };
        const ref = reference(data);
        const [sha, sm3, both, tiny] = await Promise.all([run(data, 'sha256'), run(data, 'sm3'), run(data), run(small, 'sha256')]);
        expect(sha).toEqual({ sha256: ref.sha256, sm3: '', size: ref.size });
        expect(sm3).toEqual({ sha256: '', sm3: ref.sm3, size: ref.size });
        expect(both).toEqual(ref);
        expect(tiny).toEqual({ sha256: reference(small).sha256, sm3: '', size: 1000 });
      } finally {
        await p.close();
      }
    }
  });
});
