// Streaming SM3 + SHA-256 in one pass: every byte the service reads is hashed here, once.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export type DigestAlgorithm = 'sm3' | 'sha256';

export interface Digests {
  sha256: string;
  sm3: string;
  size: number;
}

/** Accumulates SHA-256 and SM3 (lowercase hex) and the byte count of whatever is fed to it. */
export interface Digester {
  update(chunk: Uint8Array): void;
  /** Finishes both hashes; call once. */
  digest(): Digests;
}

export function createDigester(): Digester {
  const sha256: Hash = createHash('sha256');
  const sm3: Hash = createHash('sm3');
  let size = 0;
  let done: Digests | undefined;
  return {
    update(chunk) {
      if (done) throw new Error('digest: update after digest()');
      sha256.update(chunk);
      sm3.update(chunk);
      size += chunk.byteLength;
    },
    digest() {
      done ??= { sha256: sha256.digest('hex'), sm3: sm3.digest('hex'), size };
      return done;
    },
  };
}

/**
 * A pass-through stream that hashes what flows through it. `digests` resolves when the stream
 * ends (and rejects if it is destroyed with an error).
 */
export function digestingStream(): Transform & { digests: Promise<Digests> } {
  const d = createDigester();
  let resolve!: (v: Digests) => void;
  let reject!: (e: Error) => void;
  const digests = new Promise<Digests>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  digests.catch(() => {}); // a caller that never awaits must not see an unhandled rejection
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      d.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      resolve(d.digest());
      cb();
    },
  });
  t.once('error', (e) => reject(e));
  t.once('close', () => reject(new Error('digest: stream closed before its end')));
  return Object.assign(t, { digests });
}

/** Hashes a whole stream or async iterable of bytes. */
export async function digestStream(source: AsyncIterable<Uint8Array>): Promise<Digests> {
  const d = createDigester();
  for await (const chunk of source) d.update(chunk);
  return d.digest();
}

export function digestOf(algorithm: DigestAlgorithm, d: Digests): string {
  return algorithm === 'sm3' ? d.sm3 : d.sha256;
}
