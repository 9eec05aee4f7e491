// The copies of a package made from the check's own read: every file goes to every store under
// pending/<submission>/… while the check reads it; an accepted package's copies then move to their
// content keys (a rename, a server-side copy), a rejected one's are deleted. The package is read
// and hashed once for checking and storing alike. storePackage is the same in a pass of its own
// (a submission accepted by an earlier attempt).
import { randomBytes } from 'node:crypto';
import type { PackageSink, StreamedItem, WholeItem } from '../checks/engine.ts';
import type { Digests } from '../crypto/digest.ts';
import type { ElectronicFile, RecordMetadata, VolumeMetadata } from '../metadata/index.ts';
import { fanOut, readPackage, type PackageLimits } from '../package/index.ts';
import type { ObjectStore, PutResult } from '../store/index.ts';
import { proven, StoreCopyError, type StoredObject, type StoredPackage, type StoredRecord } from './store-package.ts';

/** Where a submission's copies wait for its verdict, in every store (one folder per attempt below it). */
export const pendingPrefix = (submissionId: string) => `pending/${submissionId}/`;

/** Copies written at once, beyond the one being read: their fsyncs and renames overlap the read. */
const IN_FLIGHT = 8;
/** Copies moved to their content keys at once. */
const MOVES_AT_ONCE = 16;

interface Copy {
  path: string;
  key: string;
  /** The reader's digests of the file (the copies are proven against them). */
  digests: Promise<Digests>;
  /** Every store's put; rejects with the first failure. */
  written: Promise<void>;
  record?: { folder: string; volume?: string; metadata: RecordMetadata };
  volume?: { folder: string; metadata: VolumeMetadata };
  content?: { folder: string; described?: ElectronicFile };
}

export interface PackageCopies {
  /** Hand to checkPackage({ sink }). */
  sink: PackageSink;
  /**
   * The verdict is `accepted`: waits for every copy, moves each to its content key in every store
   * and returns what the catalogue needs. Throws (StoreCopyError) when a store failed or a copy
   * differs from what the check read; the caller retries.
   */
  promote(onStored?: (bytes: number) => void): Promise<StoredPackage>;
  /** Removes every pending copy of the submission, in every store (rejected, failed, or a new attempt); throws when a store could not. */
  discard(): Promise<void>;
}

/**
 * Removes whatever a submission left under pending/ in these stores (an attempt cut short). Best
 * effort: a store that is down keeps its leftovers until the submission's next attempt (they are
 * never catalogued, and a fresh attempt writes under new keys only after removing them).
 */
export async function discardPending(stores: ObjectStore[], submissionId: string): Promise<{ store: string; error: unknown }[]> {
  return removeUnder(stores, pendingPrefix(submissionId));
}

async function removeUnder(stores: ObjectStore[], prefix: string): Promise<{ store: string; error: unknown }[]> {
  const outcomes = await Promise.allSettled(
    stores.map(async (s) => {
      const keys: string[] = [];
      for await (const o of s.list(prefix)) keys.push(o.key);
      await runLimited(keys, MOVES_AT_ONCE, (k) => s.delete(k));
    }),
  );
  return outcomes.flatMap((o, i) => (o.status === 'rejected' ? [{ store: stores[i].name, error: o.reason as unknown }] : []));
}

export function packageCopies(stores: ObjectStore[], submissionId: string, opts: { signal?: AbortSignal } = {}): PackageCopies {
  // This attempt's own folder: a stalled worker still running an earlier attempt writes elsewhere.
  const prefix = `${pendingPrefix(submissionId)}${randomBytes(6).toString('hex')}/`;
  const copies: Copy[] = [];
  const inFlight = new Set<Promise<void>>();
  let seq = 0;

  /** Every store's put of one file, proven against the reader's digests; never rejects unhandled. */
  function track(copy: Copy): void {
    copy.written.catch(() => {});
    const settled = copy.written.then(
      () => {},
      () => {},
    );
    inFlight.add(settled);
    void settled.then(() => inFlight.delete(settled));
  }

  async function room(): Promise<void> {
    while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }

  const sink: PackageSink = {
    async whole(item: WholeItem) {
      const key = `${prefix}${seq++}`;
      const bytes = item.bytes;
      const d = item.digests;
      const unusable =
        !bytes || !d
          ? `无法读取 ${item.path} (cannot read a metadata file of the package)`
          : item.kind === 'record' && !item.parsed?.value
            ? `无法解析 ${item.path} (cannot parse a record of the package)`
            : undefined;
      const digests = unusable ? Promise.reject(new Error(unusable)) : Promise.resolve(d!);
      digests.catch(() => {});
      await room();
      const copy: Copy = {
        path: item.path,
        key,
        digests,
        written: (async () => {
          await digests;
          await Promise.all(
            stores.map(async (s) => {
              let r: PutResult;
              try {
                r = await s.put([bytes!], { key, expectedSha256: d!.sha256, expectedSize: d!.size, signal: opts.signal });
              } catch (e) {
                throw new StoreCopyError(s.name, (e as Error).message, { cause: e });
              }
              proven(s.name, item.path, r, d!);
            }),
          );
        })(),
      };
      if (item.kind === 'record' && item.parsed?.value) copy.record = { folder: item.folder, volume: item.volume, metadata: item.parsed.value };
      else if (item.kind === 'volume' && item.parsed?.value) copy.volume = { folder: item.folder, metadata: item.parsed.value };
      track(copy);
      copies.push(copy);
    },

    async streamed(item: StreamedItem, chunks: AsyncIterable<Uint8Array>) {
      const key = `${prefix}${seq++}`;
      const digests = item.result.then((r) => {
        if (!r.ok) throw new Error(`读取 ${item.path} 失败 (cannot read a file of the package): ${r.finding.message}`);
        return r.digests;
      });
      digests.catch(() => {});
      await room();
      let taken!: () => void;
      const allTaken = new Promise<void>((r) => (taken = r));
      async function* passOn(): AsyncGenerator<Uint8Array> {
        try {
          for await (const c of chunks) yield c;
        } finally {
          taken();
        }
      }
      const copy: Copy = {
        path: item.path,
        key,
        digests,
        written: (async () => {
          const settled = await fanOut(
            passOn(),
            stores.map((s) => (c: AsyncIterable<Uint8Array>) => s.put(c, { key, sourceDigests: digests, signal: opts.signal })),
          );
          const d = await digests;
          settled.forEach((r, i) => {
            if (r.status === 'rejected') throw new StoreCopyError(stores[i].name, (r.reason as Error).message, { cause: r.reason });
            proven(stores[i].name, item.path, r.value as PutResult, d);
          });
        })(),
      };
      if (item.kind === 'content' && item.folder) copy.content = { folder: item.folder, described: item.described };
      track(copy);
      copies.push(copy);
      // The check's read goes on once every store took the last chunk; the fsync and rename of
      // this copy overlap the reading of the next files.
      await Promise.race([allTaken, copy.written.catch(() => {})]);
    },
  };

  async function promote(onStored?: (bytes: number) => void): Promise<StoredPackage> {
    // Every copy first: a failure anywhere means nothing moves (the caller retries the submission).
    for (const c of copies) await c.written;
    const out: StoredPackage = { objects: [], records: [], volumes: [], bytes: 0 };
    const byFolder = new Map<string, StoredRecord>();
    const objects: StoredObject[] = [];
    for (const c of copies) {
      const d = await c.digests;
      const o: StoredObject = { path: c.path, key: '', size: d.size, sha256: d.sha256, sm3: d.sm3 };
      objects.push(o);
      out.objects.push(o);
      out.bytes += d.size;
      if (c.record) {
        const r: StoredRecord = { folder: c.record.folder, volume: c.record.volume, metadata: c.record.metadata, metadataObject: o, files: [] };
        byFolder.set(c.record.folder, r);
        out.records.push(r);
      } else if (c.volume) out.volumes.push({ folder: c.volume.folder, metadata: c.volume.metadata, metadataObject: o });
      else if (c.content) byFolder.get(c.content.folder)?.files.push({ object: o, described: c.content.described });
    }
    await runLimited(copies, MOVES_AT_ONCE, async (c, i) => {
      const d = await c.digests;
      const moved = await Promise.all(
        stores.map(async (s) => {
          try {
            return await s.moveToContentKey(c.key, d);
          } catch (e) {
            throw new StoreCopyError(s.name, (e as Error).message, { cause: e });
          }
        }),
      );
      objects[i].key = moved[0].key;
      onStored?.(d.size * stores.length);
    });
    return out;
  }

  async function discard(): Promise<void> {
    await Promise.allSettled(copies.map((c) => c.written));
    const failed = await removeUnder(stores, prefix);
    if (failed.length) throw new StoreCopyError(failed[0].store, `无法删除待定副本 (cannot remove the pending copies): ${(failed[0].error as Error).message}`, { cause: failed[0].error });
  }

  return { sink, promote, discard };
}

/**
 * Stores an accepted package in a read of its own (its check was an earlier attempt's): every file
 * through the same copies the check's read makes, then moved to its content key.
 */
export async function storePackage(
  path: string,
  stores: ObjectStore[],
  submissionId: string,
  opts: { limits?: Partial<PackageLimits>; signal?: AbortSignal; onStored?: (bytes: number) => void } = {},
): Promise<StoredPackage> {
  const reader = await readPackage(path, { limits: opts.limits });
  const copies = packageCopies(stores, submissionId, { signal: opts.signal });
  try {
    for await (const item of reader.items()) {
      if (item.kind === 'content' || item.kind === 'other') await copies.sink.streamed(item, item.stream);
      else await copies.sink.whole(item);
    }
    return await copies.promote(opts.onStored);
  } catch (e) {
    await copies.discard().catch(() => {});
    throw e;
  } finally {
    await reader.close();
  }
}

/** Runs fn over items, at most `limit` at once; rejects with the first failure once all settled. */
async function runLimited<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  let failure: { e: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (e) {
        failure ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.e;
}
