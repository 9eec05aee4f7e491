// Byte ranges for get: the same validation and clamping for every driver.
import { StoreError, type ByteRange } from './types.ts';

/** Refuses malformed ranges (negative, fractional, end before start). */
export function assertRangeShape(store: string, range: ByteRange, key: string): void {
  const { start, end } = range;
  const ok = Number.isSafeInteger(start) && start >= 0 && (end === undefined || (Number.isSafeInteger(end) && end >= start));
  if (!ok) throw new StoreError(store, 'invalid_range', `字节范围无效 (invalid range) ${start}-${end ?? ''} for ${key}`);
}

/** The inclusive range actually read from an object of `size` bytes; a start past the end is refused. */
export function checkRange(store: string, range: ByteRange, size: number, key: string): { start: number; end: number } {
  assertRangeShape(store, range, key);
  const { start, end } = range;
  if (start >= size) {
    throw new StoreError(store, 'invalid_range', `字节范围超出对象末尾 (range starts past the end) ${start} >= ${size} for ${key}`);
  }
  return { start, end: Math.min(end ?? size - 1, size - 1) };
}
