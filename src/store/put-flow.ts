// The one put procedure every driver follows: meter the source into a temporary object, prove the
// bytes, deduplicate content keys, then move the object into place; any failure leaves nothing.
import type { Digests } from '../crypto/digest.ts';
import { assertPutKey, contentKey, normalizeSha256 } from './keys.ts';
import { drain, meter } from './source.ts';
import type { PutOptions, PutResult, PutSource } from './types.ts';

/** What a driver supplies; everything else about put is the same for every store. */
export interface PutSteps {
  /** The store is usable (root or bucket exists, created when allowed). */
  ensure(): Promise<void>;
  /** Size of the object at key, or undefined when there is none. */
  sizeOf(key: string): Promise<number | undefined>;
  /** A fresh temporary name, invisible to list and get. */
  tempName(): string;
  /**
   * Writes the chunks durably under the temporary name. The chunks throw instead of ending when the
   * bytes are wrong, so a driver must not keep anything when iterating them fails.
   */
  writeTemp(tmp: string, chunks: AsyncIterable<Buffer>, o: { size?: number; signal?: AbortSignal; label: string }): Promise<void>;
  /** Moves the proven temporary object to key, durably, and verifies it there. */
  promote(tmp: string, key: string, digests: Digests): Promise<void>;
  /** Best-effort removal of the temporary object; never throws. */
  /** `failed`: the put did not succeed, so a server may still be finishing a request we gave up on. */
  discard(tmp: string, failed: boolean): Promise<void>;
}

export async function putDurably(store: string, source: PutSource, o: PutOptions, steps: PutSteps): Promise<PutResult> {
  if (o.key !== undefined) assertPutKey(store, o.key);
  const sha256 = o.expectedSha256 === undefined ? undefined : normalizeSha256(store, o.expectedSha256);
  if (o.expectedSize !== undefined && !(Number.isSafeInteger(o.expectedSize) && o.expectedSize >= 0)) {
    throw new TypeError(`put: expectedSize must be a whole number of bytes, got ${o.expectedSize}`);
  }
  const m = meter(store, source, { sha256, size: o.expectedSize, signal: o.signal, digests: o.sourceDigests });
  await steps.ensure();

  // Content already stored and the caller promised digest and size: read the source to prove the
  // promise, write nothing.
  if (o.key === undefined && sha256 !== undefined && o.expectedSize !== undefined) {
    if ((await steps.sizeOf(contentKey(sha256))) === o.expectedSize) {
      const d = await drain(m);
      return { key: contentKey(d.sha256), ...d, deduplicated: true };
    }
  }

  const tmp = steps.tempName();
  let failed = true;
  try {
    await steps.writeTemp(tmp, m.chunks, {
      size: o.expectedSize,
      signal: o.signal,
      label: o.key ?? '内容寻址对象 (content-addressed object)',
    });
    const d = m.digests();
    const key = o.key ?? contentKey(d.sha256);
    // A content key that already holds as many bytes holds these bytes (its name is their digest);
    // whether they are still intact is the fixity audit's question, not put's.
    if (o.key === undefined && (await steps.sizeOf(key)) === d.size) {
      failed = false;
      return { key, ...d, deduplicated: true };
    }
    try {
      await steps.promote(tmp, key, d);
    } catch (e) {
      // Two puts of the same content at once: the other one may have won the race.
      if (o.key === undefined && (await steps.sizeOf(key).catch(() => undefined)) === d.size) {
        failed = false;
        return { key, ...d, deduplicated: true };
      }
      throw e;
    }
    failed = false;
    return { key, ...d, deduplicated: false };
  } finally {
    // Also after a failed write: a server may have kept a partial body, or completed it unseen.
    await steps.discard(tmp, failed);
  }
}
