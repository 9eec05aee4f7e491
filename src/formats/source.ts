// Random reads over a FileSample: served from the kept bytes when they cover the range, else
// through the sample's range opener; `undefined` when the bytes cannot be reached at all.
import type { FileSample } from './sample.ts';

export interface ByteSource {
  size: number;
  /** Bytes [start, end) clipped to the file; undefined when neither kept nor openable. */
  read(start: number, end: number): Promise<Uint8Array | undefined>;
  /** True when any range can be read (whole file kept, or a range opener). */
  random: boolean;
}

export function byteSource(sample: FileSample): ByteSource {
  const { size, head, tail, whole, openRange } = sample;
  const tailStart = size - tail.byteLength;
  return {
    size,
    random: whole !== undefined || openRange !== undefined,
    async read(start, end) {
      start = Math.max(0, start);
      end = Math.min(size, end);
      if (end <= start) return new Uint8Array(0);
      if (whole) return whole.subarray(start, end);
      if (end <= head.byteLength) return head.subarray(start, end);
      if (start >= tailStart) return tail.subarray(start - tailStart, end - tailStart);
      if (!openRange) return undefined;
      const got = await openRange(start, end);
      if (got.byteLength !== end - start) throw new Error(`openRange(${start}, ${end}) returned ${got.byteLength} bytes`);
      return got;
    },
  };
}

/** A structural problem found by a parser; becomes a GD-3-4 reason. */
export class Broken extends Error {}
/** Bytes a parser needs cannot be reached (too large to keep, no range opener); becomes a skip. */
export class Unreachable extends Error {}

/** Exactly `length` bytes at `start`, or Broken when the file ends first, Unreachable when not kept. */
export async function need(src: ByteSource, start: number, length: number, what: string): Promise<Uint8Array> {
  if (start + length > src.size) throw new Broken(`${what}超出文件末尾（file cut short）`);
  const b = await src.read(start, start + length);
  if (b === undefined) throw new Unreachable(what);
  return b;
}

/** Caches one analysis per sample and key, so readability and encryption checks share a parse. */
const cache = new WeakMap<FileSample, Map<string, Promise<unknown>>>();

export function memo<T>(sample: FileSample, key: string, run: () => Promise<T>): Promise<T> {
  let byKey = cache.get(sample);
  if (!byKey) cache.set(sample, (byKey = new Map()));
  let p = byKey.get(key) as Promise<T> | undefined;
  if (!p) byKey.set(key, (p = run()));
  return p;
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}

export const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
