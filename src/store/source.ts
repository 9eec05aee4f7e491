// Reading a put's source once: hash (SHA-256 + SM3) and count every byte, and refuse to finish when
// the bytes are not what the caller promised, so a driver never completes a wrong object.
import type { Digests } from '../crypto/digest.ts';
import { digestPool } from '../crypto/parallel-digest.ts';
import { StoreError, type PutSource } from './types.ts';

export interface Expectations {
  /** Lowercase hex. */
  sha256?: string;
  size?: number;
  signal?: AbortSignal;
}

export interface MeteredSource {
  /** The source's bytes. Throws StoreError ('source', 'size_mismatch', 'digest_mismatch') instead of ending when something is wrong. */
  chunks: AsyncIterable<Buffer>;
  /** The digests, once `chunks` has ended normally. */
  digests(): Digests;
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError(`not bytes: ${typeof chunk}`);
}

export function meter(store: string, source: PutSource, expect: Expectations = {}): MeteredSource {
  let result: Digests | undefined;
  const { sha256, size, signal } = expect;

  async function* chunks(): AsyncGenerator<Buffer> {
    // Large objects are hashed on the digest workers, beside the upload (src/crypto/parallel-digest.ts).
    const d = digestPool().create();
    try {
      let n = 0;
      try {
        signal?.throwIfAborted();
        for await (const c of source as AsyncIterable<unknown>) {
          signal?.throwIfAborted();
          const chunk = toBuffer(c);
          n += chunk.byteLength;
          if (size !== undefined && n > size) {
            throw new StoreError(store, 'size_mismatch', `数据比预期长 (more bytes than expected): expected ${size}, got at least ${n}`);
          }
          const wait = d.update(chunk);
          if (wait) await wait;
          yield chunk;
        }
        signal?.throwIfAborted();
      } catch (e) {
        d.abort();
        if (e instanceof StoreError) throw e;
        const what = signal?.aborted ? '写入已取消 (put aborted)' : '源数据读取失败 (source stream failed)';
        throw new StoreError(store, 'source', `${what}: ${(e as Error)?.message ?? e}`, { cause: e });
      }
      const r = await d.digest();
      if (size !== undefined && r.size !== size) {
        throw new StoreError(store, 'size_mismatch', `数据长度不符 (size mismatch): expected ${size}, got ${r.size}`);
      }
      if (sha256 !== undefined && r.sha256 !== sha256) {
        throw new StoreError(store, 'digest_mismatch', `SHA-256 不符 (digest mismatch): expected ${sha256}, got ${r.sha256}`);
      }
      result = r;
    } finally {
      // a driver that stops reading early (a failed upload) must free the digest workers; a no-op after digest()
      d.abort();
    }
  }

  return {
    chunks: chunks(),
    digests() {
      if (!result) throw new Error('store: digests() before the source ended');
      return result;
    },
  };
}

/** Reads the whole metered source without storing it (used when the content already exists). */
export async function drain(m: MeteredSource): Promise<Digests> {
  for await (const _ of m.chunks);
  return m.digests();
}
