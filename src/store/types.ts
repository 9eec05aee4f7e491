// The object-store port: what ingest, transfer and audit may ask of any store (file system, S3).
import type { Readable } from 'node:stream';
import type { Digests } from '../crypto/digest.ts';

/** What `put` reads: an (async) iterable of byte chunks, or a Node readable stream. */
export type PutSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | NodeJS.ReadableStream;

export interface PutResult {
  key: string;
  size: number;
  /** Lowercase hex digests of the bytes read from the source. */
  sha256: string;
  sm3: string;
  /** True when the content key already held these bytes and nothing new was written. */
  deduplicated: boolean;
}

export interface ObjectInfo {
  key: string;
  size: number;
  modified?: Date;
}

export interface PutOptions {
  /** Where to store the bytes; omitted means the content key `sha256/ab/cd/<sha256>`. */
  key?: string;
  /** The SHA-256 the bytes must have (lowercase or uppercase hex); otherwise 'digest_mismatch' and nothing is kept. */
  expectedSha256?: string;
  /** The size the bytes must have; otherwise 'size_mismatch' and nothing is kept. */
  expectedSize?: number;
  /**
   * The source's digests, computed by the caller from these very chunks while producing them (a
   * package reader that hashes as it reads, its chunks fanned out to every store): put counts the
   * bytes instead of hashing them a second time, waits for these digests before the object becomes
   * visible, and keeps nothing when they reject, cover another number of bytes, or break
   * expectedSha256/expectedSize. Only for chunks the caller hashed itself, never for bytes it was told about.
   */
  sourceDigests?: Promise<Digests>;
  signal?: AbortSignal;
}

/** A byte range; `end` is inclusive and is clamped to the object's last byte. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface ObjectStore {
  /** Operator-facing name, e.g. 'primary', 'backup-1'. */
  readonly name: string;
  /** Where the store is, as a URL without secrets, for logs and health. */
  readonly location: string;
  /** Streams the source into the store; resolves only once the bytes are durable. */
  put(source: PutSource, opts?: PutOptions): Promise<PutResult>;
  /** The object's bytes (or a range of them); 'not_found' when missing, 'invalid_range' past its end. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Moves an object put earlier under a key of the caller's (with these digests, as put returned
   * them) to its content key, without passing its bytes through this process where the backend can
   * (a rename; a server-side copy), durably; `from` is gone afterwards. When the content key already
   * holds as many bytes, only `from` is removed (deduplicated). 'not_found' when `from` is missing,
   * 'size_mismatch' when it does not hold d.size bytes (then nothing moves).
   */
  moveToContentKey(from: string, d: Digests): Promise<PutResult>;
  /**
   * The object as a local file that may be read in place (a file store), or undefined (no such
   * object, or a store without local files: S3). For readers that need random access.
   */
  localFile?(key: string): Promise<string | undefined>;
  /** Every object whose key starts with `prefix` (a plain string prefix, not only folders); order unspecified. */
  list(prefix?: string): AsyncIterable<ObjectInfo>;
  /**
   * Removes temporary objects last written before `before`: what puts cut short by a crash (kill -9
   * in the middle of a write) left in the store's temporary area, which list() never shows. A put
   * still running is younger than any sensible cutoff. Returns how many were removed.
   */
  removeStaleTemporary(before: Date): Promise<number>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
  /** Health: resolves when the store is reachable and usable, else throws StoreError('unavailable'). */
  check(): Promise<void>;
  close(): Promise<void>;
}

export type StoreErrorCode =
  | 'not_found'
  | 'unavailable'
  | 'digest_mismatch'
  | 'size_mismatch'
  | 'io'
  | 'invalid_key'
  | 'invalid_range'
  /** The bytes handed to put could not be read, or the put was aborted by its signal. */
  | 'source';

/** The only error a store throws on purpose. The message starts with the store's name. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly store: string;

  constructor(store: string, code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(`存储「${store}」: ${message}`, options);
    this.name = 'StoreError';
    this.code = code;
    this.store = store;
  }
}

export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}
