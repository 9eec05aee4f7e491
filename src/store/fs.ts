// The file-system object store: one file per key under a root folder, written durably
// (temporary file, fsync, atomic rename, fsync of the folder).
import { randomUUID } from 'node:crypto';
import { mkdir, open, opendir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Readable } from 'node:stream';
import { assertKey, assertPrefix, contentKey, normalizeSha256, TEMP_DIR } from './keys.ts';
import { putDurably } from './put-flow.ts';
import { checkRange } from './range.ts';
import { meter } from './source.ts';
import type { Digests } from '../crypto/digest.ts';
import { StoreError, type ByteRange, type ObjectInfo, type ObjectStore, type PutOptions, type PutResult, type PutSource } from './types.ts';

export interface FsStoreOptions {
  name: string;
  /** Absolute path of the root folder. */
  root: string;
  /** Create the root folder when it is missing (embedded defaults and tests); otherwise a missing root is 'unavailable'. */
  createIfMissing?: boolean;
}

/** Bytes written between two flushes of a large object (see writeTemp). */
const FLUSH_EVERY = 32 * 1024 * 1024;
/** Bytes (or chunks) gathered before one writev. */
const WRITE_BATCH = 1024 * 1024;
const WRITE_BATCH_BUFFERS = 256;

const UNAVAILABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOENT', 'ELOOP', 'ENODEV', 'ENXIO', 'ESTALE']);

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

export function createFsStore(opts: FsStoreOptions): ObjectStore {
  const { name, root } = opts;
  if (!root.startsWith('/')) throw new StoreError(name, 'invalid_key', `根目录必须是绝对路径 (root must be absolute): ${root}`);
  const tempDir = join(root, TEMP_DIR);
  const location = pathToFileURL(root).href;

  const fail = (c: StoreError['code'], msg: string, cause?: unknown) =>
    new StoreError(name, c, `${msg}${cause ? `: ${(cause as Error).message ?? cause}` : ''} (${location})`, { cause });

  const pathOf = (key: string) => join(root, ...key.split('/'));

  /**
   * Called when something is missing: a missing root is the store's problem, not the object's —
   * unless the store makes its root on first write (createIfMissing): until then it is empty.
   */
  async function assertRoot(): Promise<void> {
    const s = await stat(root).catch((e: unknown) => e as Error);
    if (s instanceof Error && opts.createIfMissing && code(s) === 'ENOENT') return;
    if (s instanceof Error || !s.isDirectory()) {
      throw fail('unavailable', '存储根目录不可用 (store root missing or not a folder)', s instanceof Error ? s : undefined);
    }
  }

  /** The root must exist as a folder (a missing one may be an unmounted disk); it is created only when allowed. */
  async function ensureRoot(): Promise<void> {
    if (opts.createIfMissing) {
      try {
        await mkdirDurable(root);
      } catch (e) {
        throw fail('unavailable', '无法创建存储根目录 (cannot create the store root)', e);
      }
    }
    await assertRoot();
  }

  /** Writes the chunks to `tmp` and fsyncs it; removes it when anything fails. */
  async function writeTemp(tmp: string, chunks: AsyncIterable<Buffer>, always?: 'unavailable'): Promise<void> {
    try {
      await mkdir(tempDir, { recursive: true });
    } catch (e) {
      throw fail('unavailable', '无法写入存储根目录 (cannot write to the store root)', e);
    }
    let fh: FileHandle | undefined;
    let flushing: Promise<void> | undefined;
    try {
      fh = await open(tmp, 'wx');
      // A large object is flushed to the disk as it arrives, one stretch behind the writing, so the
      // final fsync finds little left to write (an upload's last byte is not followed by seconds of
      // flushing a whole gigabyte).
      // Small chunks (an upload's arrive as the socket reads them, often 64 KiB) are written a
      // batch at a time with one writev: a write per chunk costs a thread-pool round trip each.
      const file = fh;
      let unflushed = 0;
      let batch: Uint8Array[] = [];
      let batchBytes = 0;
      const writeBatch = async () => {
        let bufs = batch;
        const n = batchBytes;
        batch = [];
        batchBytes = 0;
        while (bufs.length) {
          let written = (await file.writev(bufs)).bytesWritten;
          let i = 0;
          while (i < bufs.length && written >= bufs[i].byteLength) written -= bufs[i++].byteLength;
          bufs = bufs.slice(i);
          if (written > 0) bufs[0] = bufs[0].subarray(written);
        }
        unflushed += n;
        if (unflushed >= FLUSH_EVERY) {
          await flushing;
          flushing = file.datasync();
          unflushed = 0;
        }
      };
      for await (const chunk of chunks) {
        if (chunk.byteLength === 0) continue;
        batch.push(chunk);
        batchBytes += chunk.byteLength;
        if (batchBytes >= WRITE_BATCH || batch.length >= WRITE_BATCH_BUFFERS) await writeBatch();
      }
      await writeBatch();
      await flushing;
      flushing = undefined;
      await fh.sync();
      await fh.close();
      fh = undefined;
    } catch (e) {
      await flushing?.catch(() => {});
      await fh?.close().catch(() => {});
      await unlink(tmp).catch(() => {});
      if (e instanceof StoreError) throw e;
      throw fail(always ?? (UNAVAILABLE.has(code(e) ?? '') ? 'unavailable' : 'io'), '写入临时文件失败 (writing the temporary file failed)', e);
    }
  }

  /** Atomic rename into place, then fsync of the folder so the new name survives a crash. */
  async function promote(tmp: string, key: string): Promise<void> {
    const final = pathOf(key);
    try {
      await mkdirDurable(dirname(final));
      await rename(tmp, final);
      await syncDir(dirname(final));
    } catch (e) {
      // S3 lets 'a' and 'a/b' both exist; a file system cannot.
      if (['ENOTDIR', 'EISDIR', 'EEXIST', 'ENOTEMPTY'].includes(code(e) ?? '')) {
        throw fail('invalid_key', `键与已有对象或目录冲突 (key clashes with an existing object or folder) ${key}`, e);
      }
      throw fail(UNAVAILABLE.has(code(e) ?? '') ? 'unavailable' : 'io', `保存文件失败 (storing the file failed) ${key}`, e);
    }
  }

  async function statFile(path: string): Promise<{ size: number; mtime: Date } | undefined> {
    try {
      const s = await stat(path);
      return s.isFile() ? s : undefined;
    } catch (e) {
      if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') {
        await assertRoot();
        return undefined;
      }
      throw fail('io', '读取文件信息失败 (stat failed)', e);
    }
  }

  function put(source: PutSource, o: PutOptions = {}): Promise<PutResult> {
    return putDurably(name, source, o, {
      ensure: ensureRoot,
      sizeOf: async (key) => (await statFile(pathOf(key)))?.size,
      tempName: () => join(tempDir, randomUUID()),
      writeTemp: (tmp, chunks) => writeTemp(tmp, chunks),
      promote,
      discard: (tmp) => unlink(tmp).catch(() => {}),
    });
  }

  async function get(key: string, range?: ByteRange): Promise<Readable> {
    assertKey(name, key);
    let fh: FileHandle | undefined;
    try {
      fh = await open(pathOf(key), 'r');
      const s = await fh.stat();
      if (!s.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      if (!range) return fh.createReadStream();
      const { start, end } = checkRange(name, range, s.size, key);
      return fh.createReadStream({ start, end });
    } catch (e) {
      await fh?.close().catch(() => {});
      if (e instanceof StoreError) throw e;
      if (['ENOENT', 'ENOTDIR', 'EISDIR'].includes(code(e) ?? '')) {
        await assertRoot();
        throw fail('not_found', `对象不存在 (no such object) ${key}`);
      }
      throw fail(UNAVAILABLE.has(code(e) ?? '') ? 'unavailable' : 'io', `读取失败 (read failed) ${key}`, e);
    }
  }

  async function head(key: string): Promise<ObjectInfo | undefined> {
    assertKey(name, key);
    const s = await statFile(pathOf(key));
    return s && { key, size: s.size, modified: s.mtime };
  }

  async function removeStaleTemporary(before: Date): Promise<number> {
    let d;
    try {
      d = await opendir(tempDir);
    } catch (e) {
      if (code(e) === 'ENOENT') return 0;
      throw fail(UNAVAILABLE.has(code(e) ?? '') ? 'unavailable' : 'io', '列出临时目录失败 (listing the temporary folder failed)', e);
    }
    let removed = 0;
    for await (const entry of d) {
      const path = join(tempDir, entry.name);
      const s = await stat(path).catch(() => undefined);
      if (!s?.isFile() || s.mtime >= before) continue;
      await unlink(path).catch(() => {});
      removed++;
    }
    return removed;
  }

  async function moveToContentKey(from: string, d: Digests): Promise<PutResult> {
    assertKey(name, from);
    const sha256 = normalizeSha256(name, d.sha256);
    const key = contentKey(sha256);
    const src = await statFile(pathOf(from));
    if (!src) throw fail('not_found', `对象不存在 (no such object) ${from}`);
    if (src.size !== d.size) throw fail('size_mismatch', `对象长度不符 (object size differs): ${from} holds ${src.size} bytes, expected ${d.size}`);
    const done = { key, size: d.size, sha256, sm3: d.sm3 };
    if ((await statFile(pathOf(key)))?.size === d.size) {
      await del(from);
      return { ...done, deduplicated: true };
    }
    await promote(pathOf(from), key);
    await syncDir(dirname(pathOf(from))).catch(() => {});
    return { ...done, deduplicated: false };
  }

  async function* walk(dir: string): AsyncGenerator<ObjectInfo> {
    let d;
    try {
      d = await opendir(dir);
    } catch (e) {
      if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return assertRoot();
      throw fail('io', '列出目录失败 (listing failed)', e);
    }
    for await (const entry of d) {
      const path = join(dir, entry.name);
      if (dir === root && entry.name === TEMP_DIR) continue;
      if (entry.isDirectory()) yield* walk(path);
      else if (entry.isFile()) {
        const s = await statFile(path);
        if (s) yield { key: relative(root, path).split(sep).join('/'), size: s.size, modified: s.mtime };
      }
    }
  }

  async function* list(prefix = ''): AsyncGenerator<ObjectInfo> {
    assertPrefix(name, prefix);
    // Walk only the folder the prefix names fully; filter the partial last segment.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    for await (const info of walk(folder ? pathOf(folder) : root)) {
      if (info.key.startsWith(prefix)) yield info;
    }
  }

  async function del(key: string): Promise<void> {
    assertKey(name, key);
    const path = pathOf(key);
    try {
      await unlink(path);
      await syncDir(dirname(path));
    } catch (e) {
      if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return assertRoot();
      if (code(e) === 'EISDIR' || code(e) === 'EPERM') {
        // unlink of a folder: not an object, so nothing to delete.
        if ((await stat(path).catch(() => undefined))?.isDirectory()) return;
      }
      throw fail(UNAVAILABLE.has(code(e) ?? '') ? 'unavailable' : 'io', `删除失败 (delete failed) ${key}`, e);
    }
  }

  async function check(): Promise<void> {
    await ensureRoot();
    // Prove the store can take a durable write: a probe file, synced and removed.
    const tmp = join(tempDir, `check-${randomUUID()}`);
    await writeTemp(tmp, meter(name, [Buffer.from('dangan store check\n')]).chunks, 'unavailable');
    await unlink(tmp).catch(() => {});
  }

  return {
    name,
    location,
    put,
    get,
    head,
    async localFile(key: string) {
      assertKey(name, key);
      return (await statFile(pathOf(key))) ? pathOf(key) : undefined;
    },
    moveToContentKey,
    removeStaleTemporary,
    list,
    delete: del,
    check,
    async close() {},
  };
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** mkdir -p, then fsync the parent of every folder it created so the new entries survive a crash. */
async function mkdirDurable(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  for (let d = dir; ; d = dirname(d)) {
    await syncDir(dirname(d));
    if (d === first || d === dirname(d)) break;
  }
}
