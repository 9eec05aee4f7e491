// The package being built, as the check engine's source: each file is streamed once from the store
// (or the scratch folder for the metadata written here) and, as the check reads it, copied into the
// zip and hashed (SM3, SHA-256 on the digest workers). Those digests feed the manifests and are
// compared with the catalogue's, so the check, the zip and the manifests share one read.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { finding, type Finding } from '../checks/finding.ts';
import type { Digests } from '../crypto/index.ts';
import { guardedStream, type ReadTotals } from '../package/guarded-stream.ts';
import { resolveLimits, type PackageLimits } from '../package/limits.ts';
import { addParentFolders, checkListing, type RawSource } from '../package/raw-source.ts';
import type { EntryStream, PackageEntry } from '../package/types.ts';
import type { ObjectStore } from '../store/index.ts';
import type { StoredZipWriter } from './zip-writer.ts';

export interface PlannedEntry {
  path: string;
  size: number;
  /** A stored object, or a file of the scratch folder. */
  from: { store: ObjectStore; key: string } | { file: string };
  /** The digests the catalogue recorded at ingest: the bytes read back must have them. */
  expect?: { sha256: string; sm3: string; size: number };
  /** Named in a failure: 档案 J001-…, 文件 x.pdf. */
  label: string;
}

export interface BuildSource extends RawSource {
  /** Digests of the entries read so far, by path. */
  readonly digests: ReadonlyMap<string, Digests>;
  /** Entries whose bytes differ from the catalogue's digests (reasons, in Chinese first). */
  readonly mismatches: string[];
}

/** Objects up to this size are read from a local file in one piece. */
const WHOLE_READ_MAX = 16 * 1024 * 1024;

/**
 * A file store's object as a local file: one buffer when it has the size the catalogue expects and
 * is small (the check keeps such a file whole anyway, and one buffer spares it joining the chunks:
 * half the allocation, less garbage collection), else read in 1 MiB chunks; other stores through get().
 */
async function openObject(store: ObjectStore, key: string, size: number): Promise<Readable> {
  const local = await store.localFile?.(key);
  if (!local) return store.get(key);
  if (size > 0 && size <= WHOLE_READ_MAX) {
    const fh = await open(local, 'r');
    try {
      if ((await fh.stat()).size === size) {
        const buf = Buffer.allocUnsafe(size);
        let off = 0;
        while (off < size) {
          const { bytesRead } = await fh.read(buf, off, size - off, off);
          if (bytesRead === 0) break;
          off += bytesRead;
        }
        return Readable.from([off === size ? buf : buf.subarray(0, off)], { objectMode: false });
      }
    } finally {
      await fh.close();
    }
  }
  return createReadStream(local, { highWaterMark: 1 << 20 });
}

export function createBuildSource(entries: PlannedEntry[], zip: StoredZipWriter, limits?: Partial<PackageLimits>): BuildSource {
  const lim = resolveLimits(limits);
  const findings: Finding[] = [];
  const listing: PackageEntry[] = entries.map((e) => ({ path: e.path, size: e.size, readable: true }));
  const folders = new Set<string>();
  for (const e of listing) addParentFolders(e.path, folders);
  checkListing(listing, findings, lim);
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const digests = new Map<string, Digests>();
  const mismatches: string[] = [];
  const totals: ReadTotals = { bytes: 0 };
  let previous: Promise<void> = Promise.resolve();

  return {
    form: 'directory',
    entries: listing,
    folders,
    findings,
    digests,
    mismatches,
    async open(path): Promise<EntryStream> {
      const e = byPath.get(path);
      if (!e) throw new Error(`transfer: no such entry ${path}`);
      const raw = 'file' in e.from ? createReadStream(e.from.file, { highWaterMark: 1 << 20 }) : await openObject(e.from.store, e.from.key, e.size);
      await previous; // the entry before, ended (or padded out) in the zip
      const sink = await zip.entry(path, e.size);
      // Into the zip on the way to the check (back-pressured by the stores' puts). The entry always
      // ends with the declared size, so the zip stays whole and the check goes on to report all: a
      // longer file is cut there, a shorter or unreadable one padded with zeros. Such a file differs
      // from the catalogue's digests, so the package is then never kept (mismatches).
      let n = 0;
      let ended!: () => void;
      previous = new Promise<void>((resolve) => (ended = resolve));
      let finishing: Promise<void> | undefined;
      const finishEntry = () => (finishing ??= padAndEnd());
      const padAndEnd = async () => {
        try {
          const zeros = Buffer.alloc(Math.min(1 << 20, Math.max(0, e.size - n)));
          while (n < e.size) {
            const part = zeros.subarray(0, Math.min(zeros.byteLength, e.size - n));
            n += part.byteLength;
            await sink.write(part);
          }
          await sink.end();
        } finally {
          ended();
        }
      };
      const tap = new Transform({
        highWaterMark: 1,
        transform(chunk: Buffer, _enc, cb: TransformCallback) {
          try {
            const room = e.size - n;
            const part = chunk.byteLength <= room ? chunk : chunk.subarray(0, Math.max(0, room));
            n += part.byteLength;
            const w = part.byteLength ? sink.write(part) : undefined;
            if (w) w.then(() => cb(null, chunk), (err: Error) => cb(err));
            else cb(null, chunk);
          } catch (err) {
            cb(err as Error);
          }
        },
        flush(cb) {
          finishEntry().then(() => cb(), (err: Error) => cb(err));
        },
      });
      raw.once('error', (err: Error) => tap.destroy(err));
      // whoever stops reading early (a read error, the check giving up on a file longer than declared)
      tap.once('close', () => void finishEntry().catch(() => {}));
      raw.pipe(tap);
      const s = guardedStream(tap, { path, declaredSize: e.size, limits: lim, totals, sink: findings });
      void s.result.then((r) => {
        if (!r.ok) {
          mismatches.push(`${e.label} 读回失败 (could not be read back): ${r.finding.message}`);
          return;
        }
        digests.set(path, r.digests);
        const x = e.expect;
        if (x && (r.digests.sha256 !== x.sha256 || r.digests.sm3 !== x.sm3 || r.digests.size !== x.size)) {
          const why = `${e.label} 读回后与入库时记录的摘要不符 (the stored copy differs from the digest recorded at ingest)`;
          mismatches.push(why);
          findings.push(finding('1-1', path, why, { expected: x.sha256, actual: r.digests.sha256 }));
        }
      });
      return s;
    },
    async close() {},
  };
}
