import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createDigester, digestStream, digestingStream } from './digest.ts';

// Published test vectors: GB/T 32905 (SM3) and FIPS 180-2 (SHA-256) for "abc".
const ABC = { sm3: '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
  sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' };

describe('digests', () => {
  it('matches the standard vectors', () => {
    const d = createDigester();
    d.update(Buffer.from('a'));
    d.update(Buffer.from('bc'));
    expect(d.digest()).toEqual({ ...ABC, size: 3 });
  });

  it('hashes a stream in chunks exactly as in one piece', async () => {
    const data = Buffer.alloc(1_000_003, 7);
    const whole = createDigester();
    whole.update(data);
    const chunks = Array.from({ length: 100 }, (_, i) => data.subarray(i * 10_001, (i + 1) * 10_001 + (i === 99 ? 3 : 0)));
    expect(await digestStream(Readable.from(chunks))).toEqual(whole.digest());
  });

  it('passes bytes through while hashing them', async () => {
    const t = digestingStream();
    const out: Buffer[] = [];
    await pipeline(Readable.from([Buffer.from('ab'), Buffer.from('c')]), t, new Writable({
      write(c, _e, cb) { out.push(c); cb(); },
    }));
    expect(Buffer.concat(out).toString()).toBe('abc');
    expect(await t.digests).toEqual({ ...ABC, size: 3 });
  });

  it('rejects when the stream fails before its end', async () => {
    const t = digestingStream();
    t.destroy(new Error('cut'));
    await expect(t.digests).rejects.toThrow('cut');
  });
});
