// The format sampler: fed the chunks of the engine's single read of a file, it keeps what the
// format checks need (head, tail, and the whole file only when small enough) and a way to reach
// any other byte range through an optional random-access opener.

/** Reads bytes [start, end) of the file (end exclusive), e.g. from a stored zip entry or a spool file. */
export type RangeOpener = (start: number, end: number) => Promise<Uint8Array>;

export interface FileSample {
  /** The file's size in bytes. */
  size: number;
  /** The first min(size, headSize) bytes. */
  head: Uint8Array;
  /** The last min(size, tailSize) bytes. */
  tail: Uint8Array;
  /** The whole file, kept only when size ≤ maxBuffered. */
  whole?: Uint8Array;
  /** Random access to the file for those that are too big to keep (optional). */
  openRange?: RangeOpener;
}

export interface SamplerOptions {
  /** Largest file kept whole in memory (default 64 MiB). */
  maxBuffered?: number;
  /** Bytes kept from the start (default 64 KiB). */
  headSize?: number;
  /** Bytes kept from the end (default 128 KiB: enough for a zip's end record with a maximal comment). */
  tailSize?: number;
  openRange?: RangeOpener;
}

export interface FormatSampler {
  /** Feeds the next chunk. Chunks must not be modified afterwards (Node stream chunks are not). */
  update(chunk: Uint8Array): void;
  finish(): FileSample;
}

export const DEFAULT_MAX_BUFFERED = 64 * 1024 * 1024;
export const DEFAULT_HEAD_SIZE = 64 * 1024;
export const DEFAULT_TAIL_SIZE = 128 * 1024;

export function createFormatSampler(options: SamplerOptions = {}): FormatSampler {
  const maxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
  const headSize = options.headSize ?? DEFAULT_HEAD_SIZE;
  const tailSize = options.tailSize ?? DEFAULT_TAIL_SIZE;
  // The head is taken from the kept chunks when the file proves too big to keep whole (files kept
  // whole, most of them, never pay for a separate head buffer).
  let head: Uint8Array | undefined;
  let tail: Uint8Array = new Uint8Array(0);
  let chunks: Uint8Array[] | undefined = [];
  let size = 0;
  let finished: FileSample | undefined;

  return {
    update(chunk) {
      if (finished) throw new Error('format sampler: update after finish()');
      if (chunk.byteLength === 0) return;
      size += chunk.byteLength;
      if (chunks) {
        chunks.push(chunk);
        if (size > maxBuffered) {
          // Too big to keep: from now on only the head and tail are kept, both from the chunks so far.
          const kept = concatPrefix(chunks, Math.min(headSize, size));
          head = kept;
          let seed = 0;
          let from = chunks.length;
          while (from > 0 && seed < tailSize) seed += chunks[--from].byteLength;
          for (let i = from; i < chunks.length; i++) tail = appendTail(tail, chunks[i], tailSize);
          chunks = undefined;
        }
      } else {
        tail = appendTail(tail, chunk, tailSize);
      }
    },
    finish() {
      if (finished) return finished;
      if (chunks) {
        const whole = concat(chunks, size);
        finished = {
          size,
          head: whole.subarray(0, Math.min(headSize, size)),
          tail: whole.subarray(Math.max(0, size - tailSize)),
          whole,
        };
      } else {
        finished = { size, head: head ?? new Uint8Array(0), tail };
      }
      if (options.openRange) finished.openRange = options.openRange;
      chunks = undefined;
      return finished;
    },
  };
}

/** A sample of bytes already in memory (tests, small files read some other way). */
export function sampleFromBytes(bytes: Uint8Array, options: SamplerOptions = {}): FileSample {
  const sampler = createFormatSampler(options);
  sampler.update(bytes);
  return sampler.finish();
}

function appendTail(tail: Uint8Array, chunk: Uint8Array, tailSize: number): Uint8Array {
  if (chunk.byteLength >= tailSize) return chunk.slice(chunk.byteLength - tailSize);
  const keep = Math.min(tail.byteLength, tailSize - chunk.byteLength);
  const next = new Uint8Array(keep + chunk.byteLength);
  next.set(tail.subarray(tail.byteLength - keep), 0);
  next.set(chunk, keep);
  return next;
}

/** A copy of the first `n` bytes of the chunks. */
function concatPrefix(chunks: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    if (at >= n) break;
    const take = Math.min(c.byteLength, n - at);
    out.set(c.subarray(0, take), at);
    at += take;
  }
  return out;
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
