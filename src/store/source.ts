// Reading a put's source once: hash (SHA-256 + SM3) and count every byte, and refuse to finish when
// the bytes are not what the caller promised, so a driver never completes a wrong object.
import type { Digests } from '../crypto/digest.ts';
import { splitDigestPool, type AsyncDigester } from '../crypto/parallel-digest.ts';
import { StoreError, type PutSource } from './types.ts';

export interface Expectations {
  /** Lowercase hex. */
  sha256?: string;
  size?: number;
  signal?: AbortSignal;
  /**
   * The source's digests as its producer computed them from these same chunks (see
   * PutOptions.sourceDigests): the bytes are counted, not hashed again, and these digests are
   * awaited and held to the count and the expectations before the source counts as ended.
   */
  digests?: Promise<Digests>;
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
  // Awaited only once the source has ended; a rejection before then must not go unhandled.
  expect.digests?.catch(() => {});

  async function* chunks(): AsyncGenerator<Buffer> {
    // Large objects are hashed on the digest workers, beside the upload (src/crypto/parallel-digest.ts);
    // bytes whose producer hashed them already are only counted.
    // a put hashes one stream while its caller mostly waits (an upload arriving): SM3 and SHA-256 on workers of their own
    const d = expect.digests ? counted(store, expect.digests) : splitDigestPool().create();
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
      let r: Digests;
      try {
        r = await d.digest();
      } catch (e) {
        if (e instanceof StoreError) throw e;
        throw new StoreError(store, 'source', `源数据的摘要不可用 (the source's digests are not available): ${(e as Error)?.message ?? e}`, { cause: e });
      }
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

/**
 * A digester that counts instead of hashing and answers with digests computed elsewhere, provided
 * they are of as many bytes as were counted.
 */
function counted(store: string, digests: Promise<Digests>): AsyncDigester {
  let n = 0;
  return {
    update(chunk) {
      n += chunk.byteLength;
    },
    async digest() {
      const r = await digests;
      if (r.size !== n) throw new StoreError(store, 'size_mismatch', `给出的摘要针对 ${r.size} 字节，实际读到 ${n} 字节 (the digests given cover ${r.size} bytes, ${n} were read)`);
      return r;
    },
    abort() {},
  };
}

/** Reads the whole metered source without storing it (used when the content already exists). */
export async function drain(m: MeteredSource): Promise<Digests> {
  for await (const _ of m.chunks);
  return m.digests();
}
