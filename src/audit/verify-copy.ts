// Reading one stored copy back: presence and size, then (on a full read) its digests recomputed and
// compared with the catalogue, and optionally the same bytes rescanned for viruses — one pass.
import { createHash } from 'node:crypto';
import { fileDigestPool } from '../crypto/parallel-digest.ts';
import { isStoreError, type ObjectStore } from '../store/index.ts';
import type { ScanResult, Scanner } from '../scan/index.ts';
import type { DigestChoice } from './policy.ts';
import type { Throttle } from './throttle.ts';

export interface Expected {
  size: number;
  sha256: string;
  sm3: string;
}

export type CopyState =
  | { state: 'ok'; bytes: number; scan?: ScanResult }
  | { state: 'missing' }
  | { state: 'corrupt'; bytes: number; what: 'size' | 'sha256' | 'sm3'; expected: string; actual: string; scan?: ScanResult }
  /** The store could not be read (not the copy's fault as far as we know). */
  | { state: 'error'; bytes: number; message: string };

export interface ReadOptions {
  full: boolean;
  digests: DigestChoice[];
  throttle: Throttle;
  scanner?: Scanner;
  signal?: AbortSignal;
}

export async function verifyCopy(store: ObjectStore, key: string, want: Expected, o: ReadOptions): Promise<CopyState> {
  if (!o.full) {
    try {
      const info = await store.head(key);
      if (!info) return { state: 'missing' };
      if (info.size !== want.size) return { state: 'corrupt', bytes: 0, what: 'size', expected: String(want.size), actual: String(info.size) };
      return { state: 'ok', bytes: 0 };
    } catch (e) {
      return { state: 'error', bytes: 0, message: (e as Error).message };
    }
  }
  // Both digests: on the digest workers beside the reading (the audit reads several copies at once:
  // each file on the less busy of two workers); one (SHA-256 alone is fast) on this thread.
  const both = o.digests.includes('sha256') && o.digests.includes('sm3');
  const pooled = both ? fileDigestPool().create() : undefined;
  const hashes = both ? [] : o.digests.map((d) => [d, createHash(d)] as const);
  const scan = o.scanner?.startScan({ signal: o.signal });
  let bytes = 0;
  try {
    const body = await store.get(key);
    for await (const chunk of body as AsyncIterable<Buffer>) {
      await o.throttle.take(chunk.byteLength, o.signal);
      bytes += chunk.byteLength;
      for (const [, h] of hashes) h.update(chunk);
      if (pooled) {
        const wait = pooled.update(chunk);
        if (wait) await wait;
      }
      if (scan) await scan.write(chunk);
    }
  } catch (e) {
    pooled?.abort();
    scan?.abort('read failed');
    if (o.signal?.aborted) throw e;
    if (isStoreError(e, 'not_found')) return { state: 'missing' };
    return { state: 'error', bytes, message: (e as Error).message };
  }
  const scanned = scan ? await scan.finish() : undefined;
  const extra = scanned ? { scan: scanned } : {};
  if (bytes !== want.size) {
    pooled?.abort();
    return { state: 'corrupt', bytes, what: 'size', expected: String(want.size), actual: String(bytes), ...extra };
  }
  const actuals: [DigestChoice, string][] = pooled ? await pooled.digest().then((r) => [['sha256', r.sha256], ['sm3', r.sm3]] as [DigestChoice, string][]) : hashes.map(([d, h]) => [d, h.digest('hex')]);
  for (const [d, actual] of actuals) {
    if (actual !== want[d]) return { state: 'corrupt', bytes, what: d, expected: want[d], actual, ...extra };
  }
  return { state: 'ok', bytes, ...extra };
}
