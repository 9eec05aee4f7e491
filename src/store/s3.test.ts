// The S3 store against a real s3rver over HTTP: the shared contract, a server that drops uploads
// mid-way (through a TCP proxy), a server that is down, and bucket handling.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestsOf, expectStoreError, listAll, readAll, streamOf, testObjectStore } from './contract.ts';
import { contentKey } from './keys.ts';
import { openStore, type OpenStoreOptions } from './index.ts';
import { S3_CREDS, startS3rver, type S3Server } from './s3rver-testing.ts';

const BUCKET = 'dangan-test';
const CREDS = S3_CREDS;
const MB = 1024 * 1024;

let s3: S3Server;
let endpoint: string;
let raw: S3Client;

beforeAll(async () => {
  s3 = await startS3rver([BUCKET]);
  endpoint = s3.endpoint;
  raw = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDS });
});

afterAll(async () => {
  raw?.destroy();
  await s3?.stop();
});

function s3Options(extra: Partial<OpenStoreOptions['s3']> = {}): OpenStoreOptions['s3'] {
  return { endpoint, ...CREDS, ...extra };
}

/** Every raw key under a prefix, temporary ones included. */
async function rawKeys(prefix: string): Promise<string[]> {
  const r = await raw.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key ?? '');
}

testObjectStore('s3 (s3rver)', async () => {
  const prefix = `run-${randomUUID()}`;
  const store = openStore(`s3://${BUCKET}/${prefix}`, { name: 's3-test', s3: s3Options() });
  return {
    store,
    leftovers: () => rawKeys(`${prefix}/.tmp/`),
    plantTemporary: async (name, body) => {
      await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/.tmp/${name}`, Body: body }));
    },
    dispose: () => store.close(),
  };
});

/** A TCP proxy that passes traffic until one connection has sent `limit` bytes upstream, then cuts it. */
async function cuttingProxy(targetPort: number, limit: number): Promise<{ port: number; cuts: () => number; close(): Promise<void> }> {
  let cuts = 0;
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let sent = 0;
    client.on('data', (chunk: Buffer) => {
      sent += chunk.byteLength;
      if (sent > limit) {
        cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as { port: number };
  return {
    port,
    cuts: () => cuts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        proxy.close(() => resolve());
      }),
  };
}

describe('s3 store specifics', () => {
  it('fails with "unavailable" naming the store when the server drops the connection mid-upload', async () => {
    const proxy = await cuttingProxy(Number(new URL(endpoint).port), 1 * MB);
    const prefix = `drop-${randomUUID()}`;
    const viaProxy = openStore(`s3://${BUCKET}/${prefix}`, {
      name: 'backup-1',
      s3: s3Options({ endpoint: `http://127.0.0.1:${proxy.port}`, maxAttempts: 2 }),
    });
    const direct = openStore(`s3://${BUCKET}/${prefix}`, { name: 'direct', s3: s3Options() });
    try {
      await viaProxy.check(); // small requests pass
      const big = randomBytes(12 * MB); // several parts, each cut
      const small = randomBytes(2 * MB); // one PutObject, cut
      for (const [data, key] of [[big, 'big/x'], [big, undefined], [small, 'small/x'], [small, undefined]] as const) {
        const e = await expectStoreError(viaProxy.put(streamOf(data), { key }), 'unavailable', 'backup-1');
        expect(e.message).toMatch(/不可用|unavailable/);
        expect(e.message).toContain(`127.0.0.1:${proxy.port}`);
      }
      expect(proxy.cuts()).toBeGreaterThanOrEqual(4); // every put was cut at least once
      // Nothing visible at the keys, and no temporary objects, seen straight from the server.
      expect(await direct.head('big/x')).toBeUndefined();
      expect(await direct.head('small/x')).toBeUndefined();
      expect(await direct.head(contentKey(digestsOf(big).sha256))).toBeUndefined();
      expect(await listAll(direct)).toEqual([]);
      expect(await rawKeys(`${prefix}/`)).toEqual([]);
    } finally {
      await viaProxy.close();
      await direct.close();
      await proxy.close();
    }
  });

  it('fails fast with "unavailable" naming the endpoint when nothing listens', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const store = openStore(`s3://${BUCKET}`, { name: 'backup-2', s3: s3Options({ endpoint: `http://127.0.0.1:${port}` }) });
    const started = Date.now();
    const e1 = await expectStoreError(store.check(), 'unavailable', 'backup-2');
    expect(e1.message).toContain(`127.0.0.1:${port}`);
    const e2 = await expectStoreError(store.put(streamOf(randomBytes(1000)), { key: 'a' }), 'unavailable', 'backup-2');
    expect(e2.message).toContain(`127.0.0.1:${port}`);
    await expectStoreError(store.head('a'), 'unavailable');
    expect(Date.now() - started).toBeLessThan(15_000);
    await store.close();
  });

  it('names a missing bucket in check() and creates it only when asked', async () => {
    const bucket = `missing-${randomUUID().slice(0, 8)}`;
    const strict = openStore(`s3://${bucket}`, { name: 'primary', s3: s3Options() });
    const e = await expectStoreError(strict.check(), 'unavailable', 'primary');
    expect(e.message).toContain(bucket);
    expect(e.message).toContain(endpoint);
    await expectStoreError(strict.put([Buffer.from('x')], { key: 'a' }), 'unavailable');
    // Reads must not mistake a missing bucket for a missing object.
    expect((await expectStoreError(strict.head('a'), 'unavailable')).message).toContain(bucket);
    await expectStoreError(strict.get('a'), 'unavailable');
    await expectStoreError(listAll(strict), 'unavailable');
    await expectStoreError(strict.delete('a'), 'unavailable');
    const lenient = openStore(`s3://${bucket}/p`, { name: 'primary', createBucketIfMissing: true, s3: s3Options() });
    const r = await lenient.put([Buffer.from('x')], { key: 'a' }); // creates the bucket on first write
    expect(r.size).toBe(1);
    await strict.check();
    expect(await strict.head('p/a')).toEqual(expect.objectContaining({ key: 'p/a', size: 1 }));
    await strict.close();
    await lenient.close();
  });

  it('reports wrong credentials as "unavailable: access denied"', async () => {
    // s3rver checks the access key id (it does not verify V4 signatures).
    const store = openStore(`s3://${BUCKET}`, { name: 'primary', s3: s3Options({ accessKeyId: 'NOBODY', secretAccessKey: 'wrong-secret' }) });
    const e = await expectStoreError(store.check(), 'unavailable', 'primary');
    expect(e.message).toMatch(/access denied|无权访问/);
    expect(e.message).not.toContain('wrong-secret');
    await expectStoreError(store.put([Buffer.from('x')], { key: 'a' }), 'unavailable');
    await store.close();
  });

  it('labels stored objects with their SHA-256 and SM3', async () => {
    const prefix = `meta-${randomUUID()}`;
    const store = openStore(`s3://${BUCKET}/${prefix}`, { name: 'p', s3: s3Options() });
    const r = await store.put([Buffer.from('abc')], { key: 'x' });
    const h = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${prefix}/x` }));
    expect(h.Metadata).toEqual({ sha256: r.sha256, sm3: r.sm3 });
    expect(r.sm3).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0'); // GB/T 32905 vector
    await store.close();
  });

  it('lists page by page', async () => {
    const store = openStore(`s3://${BUCKET}/pages-${randomUUID()}`, { name: 'p', s3: s3Options({ listPageSize: 2 }) });
    const keys = ['k/1', 'k/2', 'k/3', 'k/4', 'k/5'];
    for (const key of keys) await store.put([Buffer.from(key)], { key });
    await store.put([Buffer.from('content')]); // a content key between them
    expect((await listAll(store, 'k/')).map((o) => o.key)).toEqual(keys);
    expect(await listAll(store)).toHaveLength(6);
    await store.close();
  });

  it('keeps stores with different prefixes apart', async () => {
    const a = openStore(`s3://${BUCKET}/iso-${randomUUID()}/a`, { name: 'a', s3: s3Options() });
    const b = openStore(`s3://${BUCKET}/iso-${randomUUID()}/b`, { name: 'b', s3: s3Options() });
    await a.put([Buffer.from('only in a')], { key: 'k' });
    expect(await b.head('k')).toBeUndefined();
    expect((await listAll(a)).map((o) => o.key)).toEqual(['k']);
    expect(await listAll(b)).toEqual([]);
    await a.close();
    await b.close();
  });

  it('re-streams objects past the single-copy limit from the temporary key, checking their digest', async () => {
    const prefix = `copy-${randomUUID()}`;
    const store = openStore(`s3://${BUCKET}/${prefix}`, { name: 'big', s3: s3Options({ copyLimit: 1 * MB }) });
    const data = randomBytes(7 * MB);
    const r = await store.put(streamOf(data));
    expect(r).toEqual({ key: contentKey(digestsOf(data).sha256), ...digestsOf(data), deduplicated: false });
    expect(digestsOf(await readAll(await store.get(r.key)))).toEqual(digestsOf(data));
    expect(await rawKeys(`${prefix}/.tmp/`)).toEqual([]);
    const h = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${r.key}` }));
    expect(h.Metadata).toEqual({ sha256: r.sha256, sm3: r.sm3 });
    await store.close();
  });

  it('shows no secrets in its location and parses s3 URLs', async () => {
    const s = openStore(`s3://${BUCKET}/a/b/`, { name: 'p', s3: s3Options() });
    expect(s.location).toBe(`s3://${BUCKET}/a/b?endpoint=${endpoint}`);
    expect(s.location).not.toContain('S3RVER');
    await s.close();
    expect(() => openStore('s3://ab', { name: 'p' })).toThrow(/bucket/);
    expect(() => openStore('s3://key:secret@bucket/x', { name: 'p' })).toThrow(/credentials/);
  });
});
