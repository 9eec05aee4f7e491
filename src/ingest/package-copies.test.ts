// The copies made from the check's own read: for an accepted package the same objects, keys and
// catalogue input as a storing pass of its own, in a file store and in S3; for a rejected one, or a
// store that fails, nothing left behind under pending/.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPackage } from '../checks/engine.ts';
import { loadProfile, type Profile } from '../config/profile.ts';
import { createNoScanner } from '../scan/index.ts';
import { openStore, type ObjectStore } from '../store/index.ts';
import { S3_CREDS, startS3rver, type S3Server } from '../store/s3rver-testing.ts';
import { packageCopies, storePackage } from './package-copies.ts';
import { StoreCopyError, type StoredPackage } from './store-package.ts';

const SAMPLES = join(import.meta.dirname, '..', '..', 'packages-samples');
const VALID = join(SAMPLES, 'valid.zip');
const dir = mkdtempSync(join(tmpdir(), 'dangan-copies-'));
let s3: S3Server;
let profile: Profile;
let n = 0;

beforeAll(async () => {
  s3 = await startS3rver(['copies']);
  profile = await loadProfile(undefined);
});
afterAll(async () => {
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});

const fsStore = (name: string) => openStore(pathToFileURL(join(dir, `${name}-${++n}`)).href, { name, createIfMissing: true });
const s3Store = (name: string) =>
  openStore(`s3://copies/${name}-${++n}`, { name, createIfMissing: true, s3: { endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', ...S3_CREDS } });

async function keys(store: ObjectStore, prefix?: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list(prefix)) out.push(o.key);
  return out.sort();
}

async function sha256Of(store: ObjectStore, key: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of await store.get(key)) h.update(c as Buffer);
  return h.digest('hex');
}

function check(path: string, sink?: ReturnType<typeof packageCopies>['sink'], submitterFonds?: string[]) {
  return checkPackage(path, { stage: 'archiving', profile, scanner: createNoScanner(), tool: { name: 'dangan', version: 'test' }, now: () => new Date('2026-12-01T00:00:00Z'), sink, submitterFonds });
}

/** What the catalogue is given, without the parser's bookkeeping (leaves the check empties to save memory). */
function catalogueInput(p: StoredPackage) {
  return {
    objects: p.objects,
    bytes: p.bytes,
    records: p.records.map((r) => ({ folder: r.folder, volume: r.volume, code: r.metadata.archivalCode, title: r.metadata.description?.title, metadataObject: r.metadataObject, files: r.files })),
    volumes: p.volumes.map((v) => ({ folder: v.folder, metadataObject: v.metadataObject })),
  };
}

describe('package copies made from the check’s read', () => {
  it('stores an accepted package as a storing pass of its own would, in a file store and S3, nothing left pending', async () => {
    const stores = [fsStore('primary'), s3Store('backup')];
    const copies = packageCopies(stores, 'sub-accepted');
    const report = await check(VALID, copies.sink);
    expect(report.verdict).toBe('accepted');
    // Before the verdict is acted on, every copy waits under pending/ and nothing is at a content key.
    for (const s of stores) expect(await keys(s, 'sha256/')).toEqual([]);
    const stored = await copies.promote();

    const own = await storePackage(VALID, [fsStore('reference')], 'sub-reference');
    expect(catalogueInput(stored)).toEqual(catalogueInput(own));
    expect(stored.records.length).toBeGreaterThan(1);
    expect(stored.records.every((r) => r.files.length > 0)).toBe(true);
    const want = [...new Set(own.objects.map((o) => o.key))].sort();
    for (const s of stores) {
      expect(await keys(s)).toEqual(want);
      for (const o of stored.objects) expect(await sha256Of(s, o.key)).toBe(o.sha256);
    }
    // The same report as a check without copies.
    const plain = await check(VALID);
    expect(report.items).toEqual(plain.items);
  });

  it('deduplicates against what the stores already hold', async () => {
    const stores = [fsStore('primary'), s3Store('backup')];
    const first = packageCopies(stores, 'sub-1');
    await check(VALID, first.sink);
    const a = await first.promote();
    const second = packageCopies(stores, 'sub-2');
    await check(VALID, second.sink);
    const b = await second.promote();
    expect(catalogueInput(b)).toEqual(catalogueInput(a));
    for (const s of stores) expect(await keys(s)).toEqual([...new Set(a.objects.map((o) => o.key))].sort());
  });

  it('leaves nothing of a rejected package', async () => {
    const stores = [fsStore('primary'), s3Store('backup')];
    const copies = packageCopies(stores, 'sub-rejected');
    // a submitter who may not submit to this fonds (GD-4-7): every file is read, and copied, all the same
    const report = await check(VALID, copies.sink, ['X999']);
    expect(report.verdict).toBe('rejected');
    expect((await keys(stores[0], 'pending/')).length).toBeGreaterThan(0);
    await copies.discard();
    for (const s of stores) expect(await keys(s)).toEqual([]);
  });

  it('names the store that failed, checks as without it, and removes what the other store holds', async () => {
    const healthy = fsStore('primary');
    // a backup whose root is missing (an unmounted disk): every write fails
    const down = openStore(pathToFileURL(join(dir, 'not-mounted', 'backup')).href, { name: 'offsite' });
    const copies = packageCopies([healthy, down], 'sub-down');
    const report = await check(VALID, copies.sink);
    expect(report.verdict).toBe('accepted');
    expect(report.items).toEqual((await check(VALID)).items);
    const e = await copies.promote().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(StoreCopyError);
    expect((e as StoreCopyError).store).toBe('offsite');
    expect(await keys(healthy, 'sha256/')).toEqual([]);
    await copies.discard().catch(() => {}); // the store that is down cannot be cleaned, the other is
    expect(await keys(healthy)).toEqual([]);
  });
});
