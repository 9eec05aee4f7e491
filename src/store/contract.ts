// The object-store contract, written once and run against every driver (fs.test.ts, s3.test.ts).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contentKey } from './keys.ts';
import { StoreError, type ObjectInfo, type ObjectStore, type StoreErrorCode } from './types.ts';

export interface StoreHarness {
  store: ObjectStore;
  /** Temporary objects the driver left behind (fs: files under .tmp/; S3: keys under .tmp/). */
  leftovers(): Promise<string[]>;
  /** Writes a temporary object directly, as a put killed after its write and before its promotion leaves one. */
  plantTemporary(name: string, body: Buffer): Promise<void>;
  dispose(): Promise<void>;
}

export function digestsOf(data: Buffer) {
  return {
    sha256: createHash('sha256').update(data).digest('hex'),
    sm3: createHash('sm3').update(data).digest('hex'),
    size: data.byteLength,
  };
}

/** The buffer as a stream of chunks of `chunk` bytes (a real stream, not one piece). */
export function streamOf(data: Buffer, chunk = 64 * 1024): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.byteLength; i += chunk) parts.push(data.subarray(i, i + chunk));
  return Readable.from(parts);
}

/** A source that yields the first `failAfter` bytes of data, then fails as a broken upload would. */
export async function* failingSource(data: Buffer, failAfter: number, chunk = 64 * 1024): AsyncGenerator<Buffer> {
  for (let i = 0; i < failAfter; i += chunk) yield data.subarray(i, Math.min(i + chunk, failAfter));
  await new Promise((r) => setTimeout(r, 10));
  throw new Error('client connection reset (simulated)');
}

export async function readAll(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export async function listAll(store: ObjectStore, prefix?: string): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const o of store.list(prefix)) out.push(o);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export async function expectStoreError(p: Promise<unknown>, code: StoreErrorCode, store?: string): Promise<StoreError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, `expected StoreError ${code}, but it resolved`).toBeInstanceOf(StoreError);
  const se = e as StoreError;
  expect(se.code, se.message).toBe(code);
  if (store) expect(se.message.startsWith(`存储「${store}」`)).toBe(true);
  return se;
}

const MB = 1024 * 1024;

export function testObjectStore(driver: string, make: () => Promise<StoreHarness>): void {
  describe(`object store contract: ${driver}`, () => {
    let h: StoreHarness;
    let store: ObjectStore;
    beforeEach(async () => {
      h = await make();
      store = h.store;
    });
    afterEach(async () => {
      await h.dispose();
    });

    it('is healthy', async () => {
      await store.check();
      expect(store.location).not.toMatch(/S3RVER|secret/i);
    });

    it('round-trips bytes under a chosen key with SHA-256, SM3 and size', async () => {
      const data = randomBytes(300_001);
      const r = await store.put(streamOf(data, 10_000), { key: 'J001/2024/0001/a.pdf' });
      expect(r).toEqual({ key: 'J001/2024/0001/a.pdf', ...digestsOf(data), deduplicated: false });
      expect((await readAll(await store.get(r.key))).equals(data)).toBe(true);
      const info = await store.head(r.key);
      expect(info?.size).toBe(data.byteLength);
      expect(info?.key).toBe(r.key);
      expect(await h.leftovers()).toEqual([]);
    });

    it('stores under the content key when no key is given', async () => {
      const data = Buffer.from('档案内容 content-addressed');
      const r = await store.put([data]);
      const d = digestsOf(data);
      expect(r).toEqual({ key: contentKey(d.sha256), ...d, deduplicated: false });
      expect(r.key).toBe(`sha256/${d.sha256.slice(0, 2)}/${d.sha256.slice(2, 4)}/${d.sha256}`);
      expect((await readAll(await store.get(r.key))).toString()).toBe(data.toString());
      expect(await h.leftovers()).toEqual([]);
    });

    it('keeps keys with Chinese names and spaces', async () => {
      const key = 'J001/2024/文书/档案 第1件.pdf';
      await store.put([Buffer.from('abc')], { key });
      expect((await store.head(key))?.size).toBe(3);
      expect((await listAll(store, 'J001/2024/文书/')).map((o) => o.key)).toEqual([key]);
      expect((await readAll(await store.get(key))).toString()).toBe('abc');
    });

    it('stores an empty object', async () => {
      const r = await store.put([], { key: 'empty/file' });
      expect(r).toEqual({ key: 'empty/file', ...digestsOf(Buffer.alloc(0)), deduplicated: false });
      expect(r.sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      expect((await readAll(await store.get('empty/file'))).byteLength).toBe(0);
      expect((await store.head('empty/file'))?.size).toBe(0);
      const c = await store.put(Readable.from([]));
      expect(c.key).toBe(contentKey(r.sha256));
      expect((await store.head(c.key))?.size).toBe(0);
    });

    it('streams an object larger than a multipart part (12 MB)', async () => {
      const data = randomBytes(12 * MB + 12345);
      const r = await store.put(streamOf(data));
      expect(r).toEqual({ key: contentKey(digestsOf(data).sha256), ...digestsOf(data), deduplicated: false });
      expect(digestsOf(await readAll(await store.get(r.key)))).toEqual(digestsOf(data));
      expect((await store.head(r.key))?.size).toBe(data.byteLength);
      expect(await h.leftovers()).toEqual([]);
    });

    it('keeps every byte in order when they arrive in many small and uneven chunks (as an upload does)', async () => {
      const data = randomBytes(3 * MB + 777);
      async function* uneven() {
        let off = 0;
        for (let i = 0; off < data.byteLength; i++) {
          const n = i % 97 === 0 ? 700_000 : 1 + ((i * 7919) % 3000); // mostly tiny, now and then large
          yield data.subarray(off, Math.min(off + n, data.byteLength));
          off += n;
        }
      }
      const r = await store.put(uneven());
      expect(r).toEqual({ key: contentKey(digestsOf(data).sha256), ...digestsOf(data), deduplicated: false });
      expect(Buffer.compare(await readAll(await store.get(r.key)), data)).toBe(0);
    });

    it('reads byte ranges', async () => {
      const data = randomBytes(10_000);
      await store.put([data], { key: 'r/x' });
      const range = async (start: number, end?: number) => readAll(await store.get('r/x', { start, end }));
      expect((await range(9_000)).equals(data.subarray(9_000))).toBe(true);
      expect((await range(100, 199)).equals(data.subarray(100, 200))).toBe(true);
      expect((await range(9_999)).equals(data.subarray(9_999))).toBe(true);
      expect((await range(9_999, 9_999)).equals(data.subarray(9_999))).toBe(true);
      expect((await range(0, 0)).equals(data.subarray(0, 1))).toBe(true);
      expect((await range(9_990, 20_000)).equals(data.subarray(9_990))).toBe(true); // end clamped
      await expectStoreError(store.get('r/x', { start: 10_000 }), 'invalid_range');
      await expectStoreError(store.get('r/x', { start: 5, end: 4 }), 'invalid_range');
      await expectStoreError(store.get('r/x', { start: -1 }), 'invalid_range');
      await expectStoreError(store.get('missing', { start: 0 }), 'not_found');
    });

    it('gives a local file to read in place only when it has one, with the object\'s bytes', async () => {
      const data = randomBytes(3000);
      await store.put([data], { key: 'local/a' });
      if (!store.localFile) return; // S3: no local files, readers copy the object
      const path = await store.localFile('local/a');
      expect(path).toBeDefined();
      expect(readFileSync(path!)).toEqual(data);
      expect(await store.localFile('local/none')).toBeUndefined();
      await expectStoreError(store.localFile('../a'), 'invalid_key');
    });

    it('removes temporary objects a crash left, once older than the cutoff, and nothing else', async () => {
      await h.plantTemporary('crashed-put', randomBytes(2000));
      await store.put([Buffer.from('kept')], { key: 'kept/a' });
      expect(await h.leftovers()).toHaveLength(1);
      // younger than the cutoff: kept (a put may still be writing it)
      expect(await store.removeStaleTemporary(new Date(Date.now() - 3600_000))).toBe(0);
      expect(await h.leftovers()).toHaveLength(1);
      expect(await store.removeStaleTemporary(new Date(Date.now() + 60_000))).toBe(1);
      expect(await h.leftovers()).toEqual([]);
      expect((await listAll(store)).map((o) => o.key)).toEqual(['kept/a']);
      expect(await store.removeStaleTemporary(new Date(Date.now() + 60_000))).toBe(0);
    });

    it('reports missing objects: head → undefined, get → not_found', async () => {
      expect(await store.head('no/such/object')).toBeUndefined();
      expect(await store.head(contentKey('0'.repeat(64)))).toBeUndefined();
      const e = await expectStoreError(store.get('no/such/object'), 'not_found', store.name);
      expect(e.message).toContain('no/such/object');
    });

    it('lists by prefix, recursively, without temporary objects', async () => {
      for (const [k, v] of [['a/1', 'x'], ['a/2', 'yy'], ['a/sub/3', 'zzz'], ['ab/4', 'w'], ['b/5', 'v']]) {
        await store.put([Buffer.from(v)], { key: k });
      }
      const keys = async (p?: string) => (await listAll(store, p)).map((o) => o.key);
      expect(await keys('a/')).toEqual(['a/1', 'a/2', 'a/sub/3']);
      expect(await keys('a')).toEqual(['a/1', 'a/2', 'a/sub/3', 'ab/4']);
      expect(await keys('a/s')).toEqual(['a/sub/3']);
      expect(await keys('zzz/')).toEqual([]);
      expect(await keys()).toEqual(['a/1', 'a/2', 'a/sub/3', 'ab/4', 'b/5']);
      expect((await listAll(store, 'a/')).map((o) => o.size)).toEqual([1, 2, 3]);
      expect((await listAll(store, 'a/'))[0].modified).toBeInstanceOf(Date);
      await expectStoreError(listAll(store, '../'), 'invalid_key');
    });

    it('deletes idempotently', async () => {
      await store.put([Buffer.from('x')], { key: 'd/x' });
      await store.delete('d/x');
      expect(await store.head('d/x')).toBeUndefined();
      await store.delete('d/x');
      await store.delete('never/was');
      expect(await listAll(store, 'd/')).toEqual([]);
    });

    it('deduplicates content keys', async () => {
      const data = randomBytes(50_000);
      const first = await store.put(streamOf(data, 7_000));
      const again = await store.put(streamOf(data, 9_000));
      expect(again).toEqual({ ...first, deduplicated: true });
      // With the digest and size promised up front, the existing object is recognised too.
      const promised = await store.put(streamOf(data), { expectedSha256: first.sha256.toUpperCase(), expectedSize: data.byteLength });
      expect(promised).toEqual({ ...first, deduplicated: true });
      // Several at once end in one object, and every one of them succeeds.
      const data2 = randomBytes(20_000);
      const all = await Promise.all([1, 2, 3, 4].map(() => store.put(streamOf(data2))));
      const x = all[0];
      expect(new Set(all.map((r) => r.key))).toEqual(new Set([x.key]));
      expect(digestsOf(await readAll(await store.get(x.key)))).toEqual(digestsOf(data2));
      expect((await listAll(store, 'sha256/')).map((o) => o.key).sort()).toEqual([first.key, x.key].sort());
      expect(await h.leftovers()).toEqual([]);
    });

    it('moves an object put under a chosen key to its content key, deduplicating', async () => {
      const data = randomBytes(70_000);
      const d = digestsOf(data);
      const put = await store.put(streamOf(data), { key: 'pending/s1/0' });
      const moved = await store.moveToContentKey('pending/s1/0', put);
      expect(moved).toEqual({ key: contentKey(d.sha256), ...d, deduplicated: false });
      expect(await store.head('pending/s1/0')).toBeUndefined();
      expect(digestsOf(await readAll(await store.get(moved.key)))).toEqual(d);
      // The same bytes again: the content key stays, the second pending object goes.
      await store.put(streamOf(data), { key: 'pending/s2/0' });
      expect(await store.moveToContentKey('pending/s2/0', { ...d, sha256: d.sha256.toUpperCase() })).toEqual({ ...moved, deduplicated: true });
      expect((await listAll(store)).map((o) => o.key)).toEqual([moved.key]);
      // A missing source, or one of another size: an error, and nothing moves.
      await expectStoreError(store.moveToContentKey('pending/none', d), 'not_found', store.name);
      const short = data.subarray(0, 1000);
      await store.put([short], { key: 'pending/s3/0' });
      const other = digestsOf(randomBytes(1001));
      await expectStoreError(store.moveToContentKey('pending/s3/0', other), 'size_mismatch');
      expect(await store.head('pending/s3/0')).toMatchObject({ size: 1000 });
      expect(await store.head(contentKey(other.sha256))).toBeUndefined();
      await expectStoreError(store.moveToContentKey('../x', d), 'invalid_key');
      expect(await h.leftovers()).toEqual([]);
    });

    it('accepts the promised digest and size', async () => {
      const data = randomBytes(1000);
      const d = digestsOf(data);
      const r = await store.put(streamOf(data, 100), { expectedSha256: d.sha256, expectedSize: 1000 });
      expect(r).toEqual({ key: contentKey(d.sha256), ...d, deduplicated: false });
      const k = await store.put([data], { key: 'ok/k', expectedSha256: d.sha256 });
      expect(k.key).toBe('ok/k');
    });

    it('refuses a wrong digest and keeps nothing', async () => {
      const data = randomBytes(100_000);
      const wrong = createHash('sha256').update('something else').digest('hex');
      await expectStoreError(store.put(streamOf(data), { key: 'm/x', expectedSha256: wrong }), 'digest_mismatch', store.name);
      await expectStoreError(store.put(streamOf(data), { expectedSha256: wrong }), 'digest_mismatch');
      expect(await store.head('m/x')).toBeUndefined();
      expect(await store.head(contentKey(wrong))).toBeUndefined();
      expect(await store.head(contentKey(digestsOf(data).sha256))).toBeUndefined();
      expect(await listAll(store)).toEqual([]);
      expect(await h.leftovers()).toEqual([]);
    });

    it('refuses a wrong size, longer or shorter, and keeps nothing', async () => {
      const data = randomBytes(100_000);
      await expectStoreError(store.put(streamOf(data), { expectedSize: 99_999 }), 'size_mismatch');
      await expectStoreError(store.put(streamOf(data), { key: 's/x', expectedSize: 100_001 }), 'size_mismatch');
      expect(await listAll(store)).toEqual([]);
      expect(await h.leftovers()).toEqual([]);
    });

    it('takes the digests of a source its producer hashed, and keeps nothing when they disagree or fail', async () => {
      const data = randomBytes(300_000);
      const d = digestsOf(data);
      // The producer's digests arrive only after its last chunk, as a hashing reader's do.
      const later = <T>(v: T) => new Promise<T>((r) => setTimeout(() => r(v), 20));
      expect(await store.put(streamOf(data), { sourceDigests: later(d) })).toEqual({ key: contentKey(d.sha256), ...d, deduplicated: false });
      expect(await readAll(await store.get(contentKey(d.sha256)))).toEqual(data);
      const other = randomBytes(1000);
      await expectStoreError(store.put(streamOf(other), { sourceDigests: later({ ...d, size: 999 }) }), 'size_mismatch');
      await expectStoreError(store.put(streamOf(other), { key: 'sd/x', sourceDigests: Promise.reject(new Error('reader failed')) }), 'source');
      await expectStoreError(store.put(streamOf(other), { key: 'sd/y', expectedSha256: d.sha256, sourceDigests: later({ ...digestsOf(other) }) }), 'digest_mismatch');
      expect((await listAll(store)).map((o) => o.key)).toEqual([contentKey(d.sha256)]);
      expect(await h.leftovers()).toEqual([]);
    });

    it('keeps the previous object when a replacement is refused', async () => {
      await store.put([Buffer.from('first version')], { key: 'keep/x' });
      const wrong = createHash('sha256').update('x').digest('hex');
      await expectStoreError(store.put([Buffer.from('second')], { key: 'keep/x', expectedSha256: wrong }), 'digest_mismatch');
      expect((await readAll(await store.get('keep/x'))).toString()).toBe('first version');
    });

    it('refuses invalid keys', async () => {
      const bad = ['', '/abs/path', 'a/../b', '..', '../x', 'a\\b', 'a//b', 'a/', './a', 'a/./b', 'nul\u0000x', '.tmp/x', 'x'.repeat(256)];
      for (const key of bad) {
        await expectStoreError(store.put([Buffer.from('x')], { key }), 'invalid_key');
        await expectStoreError(store.get(key), 'invalid_key');
        await expectStoreError(store.head(key), 'invalid_key');
        await expectStoreError(store.delete(key), 'invalid_key');
      }
      // The content-key area is written only by content.
      await expectStoreError(store.put([Buffer.from('x')], { key: contentKey('a'.repeat(64)) }), 'invalid_key');
      await expectStoreError(store.put([Buffer.from('x')], { expectedSha256: 'not-hex' }), 'invalid_key');
      await expect(store.put([Buffer.from('x')], { expectedSize: -1 })).rejects.toThrow(TypeError);
      expect(await listAll(store)).toEqual([]);
    });

    it('leaves nothing when the source fails halfway', async () => {
      const data = randomBytes(8 * MB);
      const e = await expectStoreError(store.put(failingSource(data, 4 * MB), { key: 'half/x' }), 'source', store.name);
      expect(e.message).toContain('simulated');
      await expectStoreError(store.put(failingSource(data, 6 * MB)), 'source');
      await expectStoreError(store.put(failingSource(data, 100)), 'source');
      // A Node stream destroyed with an error (an HTTP upload whose client went away).
      const broken = new Readable({ read() {} });
      broken.push(data.subarray(0, 3 * MB));
      setTimeout(() => broken.destroy(new Error('socket hang up (simulated)')), 20);
      await expectStoreError(store.put(broken, { key: 'half/y' }), 'source');
      expect(await store.head('half/y')).toBeUndefined();
      expect(await store.head('half/x')).toBeUndefined();
      expect(await store.head(contentKey(digestsOf(data).sha256))).toBeUndefined();
      expect(await listAll(store)).toEqual([]);
      expect(await h.leftovers()).toEqual([]);
    });

    it('stops when the put is aborted', async () => {
      const ac = new AbortController();
      async function* slow() {
        yield Buffer.alloc(1000, 1);
        ac.abort(new Error('operator cancelled'));
        yield Buffer.alloc(1000, 2);
      }
      await expectStoreError(store.put(slow(), { key: 'ab/x', signal: ac.signal }), 'source');
      expect(await store.head('ab/x')).toBeUndefined();
      expect(await h.leftovers()).toEqual([]);
    });
  });
}
