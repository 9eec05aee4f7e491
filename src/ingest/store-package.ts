// The storing pass over an accepted package: every file (metadata, manifests, seals, content) is
// written content-addressed to the primary store and every backup store at once, each copy proven
// against the digests the reader computed while reading; returns what the catalogue needs.
import { fanOut, readPackage } from '../package/index.ts';
import type { ElectronicFile, RecordMetadata, VolumeMetadata } from '../metadata/index.ts';
import type { PackageLimits } from '../package/index.ts';
import { contentKey, type ObjectStore, type PutResult } from '../store/index.ts';

export interface StoredObject {
  path: string;
  key: string;
  size: number;
  sha256: string;
  sm3: string;
}

export interface StoredRecord {
  folder: string;
  volume?: string;
  metadata: RecordMetadata;
  metadataObject: StoredObject;
  files: { object: StoredObject; described?: ElectronicFile }[];
}

export interface StoredVolume {
  folder: string;
  metadata: VolumeMetadata;
  metadataObject: StoredObject;
}

export interface StoredPackage {
  objects: StoredObject[];
  records: StoredRecord[];
  volumes: StoredVolume[];
  /** Bytes written per store (deduplicated objects count as stored). */
  bytes: number;
}

/** A store that failed: which one and why (a backup store that is down, a digest that differs). */
export class StoreCopyError extends Error {
  readonly store: string;
  constructor(store: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreCopyError';
    this.store = store;
  }
}

function proven(store: string, path: string, r: PutResult, want: { sha256: string; sm3: string; size: number }): void {
  if (r.sha256 !== want.sha256 || r.sm3 !== want.sm3 || r.size !== want.size) {
    throw new StoreCopyError(store, `存储「${store}」写入的 ${path} 与读取时的摘要不符 (copy differs from the digest computed on reading)`);
  }
}

export async function storePackage(
  path: string,
  stores: ObjectStore[],
  opts: { limits?: Partial<PackageLimits>; signal?: AbortSignal; onStored?: (bytes: number) => void } = {},
): Promise<StoredPackage> {
  const reader = await readPackage(path, { limits: opts.limits });
  const out: StoredPackage = { objects: [], records: [], volumes: [], bytes: 0 };
  const byFolder = new Map<string, StoredRecord>();

  const putWhole = async (p: string, bytes: Uint8Array, d: { sha256: string; sm3: string; size: number }): Promise<StoredObject> => {
    await Promise.all(
      stores.map(async (s) => {
        let r: PutResult;
        try {
          r = await s.put([bytes], { expectedSha256: d.sha256, expectedSize: d.size, signal: opts.signal });
        } catch (e) {
          throw new StoreCopyError(s.name, (e as Error).message, { cause: e });
        }
        proven(s.name, p, r, d);
      }),
    );
    const o = { path: p, key: contentKey(d.sha256), size: d.size, sha256: d.sha256, sm3: d.sm3 };
    out.objects.push(o);
    out.bytes += d.size;
    opts.onStored?.(d.size * stores.length);
    return o;
  };

  try {
    for await (const item of reader.items()) {
      if (item.kind === 'content' || item.kind === 'other') {
        // Each byte of a content file is hashed once here, by the reader, and every store's put
        // reuses those digests for the very chunks it was handed (the same buffers, fanned out)
        // instead of hashing them again per store: a second hash of the same memory proves nothing
        // a first one does not. What each copy then rests on:
        //  - the bytes handed to it are the ones hashed (same buffers) and their digests equal the
        //    reader's (proven below), as the catalogue records them;
        //  - the store's own confirmation that it holds them: on a file store every write returned
        //    and the file and its folder were fsynced before the rename into place; on S3 the
        //    multipart upload completed and HeadObject shows the full size at the temporary and the
        //    final key. Reading a just-written file back would come from the page cache, not the
        //    disk, so it is no stronger than fsync; what lies on the medium, later, is the fixity
        //    audit's job (it re-reads and re-hashes every copy, BC-1-1).
        // Nothing is promoted to its content key before the reader's digests are in and agree.
        const digests = item.result.then((r) => {
          if (!r.ok) throw new Error(`读取 ${item.path} 失败 (cannot read a file of an accepted package): ${r.finding.message}`);
          return r.digests;
        });
        const settled = await fanOut(
          item.stream,
          stores.map((s) => (chunks: AsyncIterable<Uint8Array>) => s.put(chunks, { signal: opts.signal, sourceDigests: digests })),
        );
        const read = await item.result;
        if (!read.ok) throw new Error(`读取 ${item.path} 失败 (cannot read a file of an accepted package): ${read.finding.message}`);
        settled.forEach((r, i) => {
          if (r.status === 'rejected') throw new StoreCopyError(stores[i].name, (r.reason as Error).message, { cause: r.reason });
          proven(stores[i].name, item.path, r.value as PutResult, read.digests);
        });
        const d = read.digests;
        const o = { path: item.path, key: contentKey(d.sha256), size: d.size, sha256: d.sha256, sm3: d.sm3 };
        out.objects.push(o);
        out.bytes += d.size;
        opts.onStored?.(d.size * stores.length);
        if (item.kind === 'content' && item.folder) byFolder.get(item.folder)?.files.push({ object: o, described: item.described });
        continue;
      }
      if (!item.bytes || !item.digests) throw new Error(`无法读取 ${item.path} (cannot read a metadata file of an accepted package)`);
      const o = await putWhole(item.path, item.bytes, item.digests);
      if (item.kind === 'record') {
        if (!item.parsed?.value) throw new Error(`无法解析 ${item.path} (cannot parse a record of an accepted package)`);
        const r: StoredRecord = { folder: item.folder, volume: item.volume, metadata: item.parsed.value, metadataObject: o, files: [] };
        byFolder.set(item.folder, r);
        out.records.push(r);
      } else if (item.kind === 'volume' && item.parsed?.value) {
        out.volumes.push({ folder: item.folder, metadata: item.parsed.value, metadataObject: o });
      }
    }
  } finally {
    await reader.close();
  }
  return out;
}
