// The file-system store: the shared contract, plus roots that cannot be used.
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestsOf, expectStoreError, failingSource, listAll, readAll, streamOf, testObjectStore } from './contract.ts';
import { createFsStore } from './fs.ts';
import { openStore } from './index.ts';

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'dangan-store-fs-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

let n = 0;
testObjectStore('fs', async () => {
  const root = join(base, `s${++n}`);
  await mkdir(root);
  const store = openStore(pathToFileURL(root).href, { name: 'fs-test' });
  return {
    store,
    leftovers: async () => readdir(join(root, '.tmp')).catch(() => []),
    plantTemporary: async (name, body) => {
      await mkdir(join(root, '.tmp'), { recursive: true });
      await writeFile(join(root, '.tmp', name), body);
    },
    dispose: () => store.close(),
  };
});

describe('fs store specifics', () => {
  it('writes an object of several flush stretches (70 MB) whole, and one that fails after a flush not at all', async () => {
    const root = join(base, 'flush');
    const store = openStore(pathToFileURL(root).href, { name: 'flush', createIfMissing: true });
    const data = randomBytes(70 * 1024 * 1024);
    const r = await store.put(streamOf(data, 1024 * 1024), { key: 'big/x' });
    expect(r).toMatchObject({ ...digestsOf(data), key: 'big/x' });
    expect((await readAll(await store.get('big/x'))).equals(data)).toBe(true);
    await expectStoreError(store.put(failingSource(data, 40 * 1024 * 1024, 1024 * 1024), { key: 'big/y' }), 'source');
    expect(await store.head('big/y')).toBeUndefined();
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('refuses a root whose parent is a regular file (fails even as root)', async () => {
    const file = join(base, 'plain-file');
    await writeFile(file, 'not a folder');
    const store = openStore(pathToFileURL(join(file, 'store')).href, { name: 'backup-1', createIfMissing: true });
    const e = await expectStoreError(store.check(), 'unavailable', 'backup-1');
    expect(e.message).toContain(join(file, 'store'));
    await expectStoreError(store.put([Buffer.from('x')], { key: 'a' }), 'unavailable', 'backup-1');
  });

  it('refuses a root that is a regular file', async () => {
    const file = join(base, 'root-file');
    await writeFile(file, 'x');
    const store = createFsStore({ name: 'primary', root: file });
    await expectStoreError(store.check(), 'unavailable', 'primary');
    await expectStoreError(store.put([Buffer.from('x')]), 'unavailable');
  });

  it('does not create a missing root unless asked (an unmounted disk must not become an empty store)', async () => {
    const root = join(base, 'later', 'store');
    const strict = createFsStore({ name: 'primary', root });
    await expectStoreError(strict.check(), 'unavailable');
    await expectStoreError(strict.put([Buffer.from('x')], { key: 'a' }), 'unavailable');
    // Reads must not mistake a missing root for a missing object.
    await expectStoreError(strict.head('a'), 'unavailable');
    await expectStoreError(strict.get('a'), 'unavailable');
    await expectStoreError(listAll(strict), 'unavailable');
    await expectStoreError(strict.delete('a'), 'unavailable');
    const lenient = createFsStore({ name: 'primary', root, createIfMissing: true });
    // A store that makes its root on first write is empty until then (a sweep at start-up lists it).
    expect(await listAll(lenient)).toEqual([]);
    expect(await lenient.head('a')).toBeUndefined();
    await expectStoreError(lenient.get('a'), 'not_found');
    await lenient.delete('a');
    await lenient.check();
    await lenient.put([Buffer.from('x')], { key: 'a' });
    await strict.check();
    expect((await readAll(await strict.get('a'))).toString()).toBe('x');
  });

  it('hides stale temporary files from list and keeps them out of keys', async () => {
    const root = join(base, 'stale');
    await mkdir(join(root, '.tmp'), { recursive: true });
    await writeFile(join(root, '.tmp', 'crashed-upload'), 'partial');
    const store = createFsStore({ name: 'primary', root });
    await store.put(streamOf(Buffer.from('whole')), { key: 'k' });
    expect((await listAll(store)).map((o) => o.key)).toEqual(['k']);
  });

  it('treats a folder as no object', async () => {
    const root = join(base, 'folders');
    await mkdir(root);
    const store = createFsStore({ name: 'primary', root });
    await store.put([Buffer.from('x')], { key: 'dir/file' });
    expect(await store.head('dir')).toBeUndefined();
    await expectStoreError(store.get('dir'), 'not_found');
    await store.delete('dir');
    expect((await store.head('dir/file'))?.size).toBe(1);
  });

  it('refuses a key that clashes with a file or folder', async () => {
    const root = join(base, 'clash');
    await mkdir(root);
    const store = createFsStore({ name: 'primary', root });
    await store.put([Buffer.from('x')], { key: 'a' });
    await store.put([Buffer.from('y')], { key: 'b/c' });
    await expectStoreError(store.put([Buffer.from('z')], { key: 'a/b' }), 'invalid_key');
    await expectStoreError(store.put([Buffer.from('z')], { key: 'b' }), 'invalid_key');
    expect((await listAll(store)).map((o) => o.key).sort()).toEqual(['a', 'b/c']);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('parses file URLs and refuses others', () => {
    expect(() => openStore('file:./data', { name: 'p' })).toThrow(/absolute/);
    expect(openStore('file:///srv/archive/', { name: 'p' }).location).toBe('file:///srv/archive');
    expect(() => openStore('file://host/srv', { name: 'p' })).toThrow(/file:\/\/\//);
    expect(() => openStore('ftp://x/y', { name: 'p' })).toThrow(/unsupported/);
  });
});
