// Random access to a ZIP file for yauzl with far fewer system calls: small reads (central
// directory records, local headers, small entries) are served from one cached block read ahead,
// an entry of up to 16 MiB arrives as one chunk, and larger ones stream in 256 KiB reads instead of
// fd-slicer's 64 KiB ones.
import { close, fstat, open, read } from 'node:fs';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** Bytes read ahead on a cache miss (one read serves many consecutive small entries). */
const BLOCK = 256 * 1024;
/** A miss far from the last read (entries out of file order) reads only this much. */
const SMALL_READ = 16 * 1024;
/**
 * An entry of up to this size arrives as one chunk, so keeping it whole (the format checks keep
 * files of up to 64 MiB whole) needs no second copy: a 10 MB PDF in 256 KiB chunks was allocated
 * twice (chunks, then joined), and the garbage drove V8's full collections.
 */
const WHOLE = 16 * 1024 * 1024;
/**
 * Chunk size of larger entries. Small enough that a chunk is garbage before it leaves V8's young
 * generation: 4 MiB chunks lived long enough to be promoted, and dead ones piled up to ~64 MB
 * (V8's external-memory trigger for a full collection) before they were freed. Reading 2 GB of
 * 100 MB entries peaked at ~190 MB RSS with 4 MiB chunks, ~165 MB with 1 MiB, ~135 MB with 256 KiB,
 * for the same CPU time.
 */
const CHUNK = 256 * 1024;

function readAt(fd: number, length: number, position: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const buffer = Buffer.allocUnsafe(length);
    read(fd, buffer, 0, length, position, (err, n) => (err ? reject(err) : resolve(n === length ? buffer : buffer.subarray(0, n))));
  });
}

export class BlockReader extends yauzl.RandomAccessReader {
  readonly fd: number;
  readonly size: number;
  private block: Buffer = Buffer.alloc(0);
  private blockStart = 0;
  lastEnd = 0;
  private closed = false;

  constructor(fd: number, size: number) {
    super();
    this.fd = fd;
    this.size = size;
  }

  /** Bytes [position, position + length) from the cache when they are in it, else undefined. */
  cached(position: number, length: number): Buffer | undefined {
    const off = position - this.blockStart;
    if (off < 0 || off + length > this.block.length) return undefined;
    this.lastEnd = position + length;
    return this.block.subarray(off, off + length);
  }

  /** Bytes [position, position + length), possibly fewer at the end of the file. Shares the cache's memory: copy to keep. */
  async bytes(position: number, length: number): Promise<Buffer> {
    const hit = this.cached(position, length);
    if (hit) return hit;
    if (length >= BLOCK / 2) {
      this.lastEnd = position + length;
      return readAt(this.fd, length, position);
    }
    // Forward and near the last read: the next entries are likely just after, so read a block.
    const sequential = position >= this.lastEnd && position - this.lastEnd < BLOCK;
    const want = Math.min(Math.max(length, sequential ? BLOCK : SMALL_READ), Math.max(this.size - position, length));
    this.block = await readAt(this.fd, want, position);
    this.blockStart = position;
    const got = this.block.subarray(0, length);
    this.lastEnd = position + got.length;
    return got;
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead: number) => void): void {
    const hit = this.cached(position, length);
    if (hit) {
      hit.copy(buffer, offset);
      // yauzl expects the callback later, as fs.read would call it
      queueMicrotask(() => callback(null, length));
      return;
    }
    this.bytes(position, length).then(
      (b) => {
        b.copy(buffer, offset);
        callback(null, b.length);
      },
      (err: Error) => callback(err, 0),
    );
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return this.stream(start, end);
  }

  /**
   * Bytes [start, end) as a stream of chunks the consumer may keep. A short file (truncated under
   * the reader) errors the stream the way yauzl's byte counter would.
   */
  stream(start: number, end: number): Readable {
    const total = end - start;
    const small = total <= BLOCK / 2 ? this.cached(start, total) : undefined;
    if (small) {
      const copy = Buffer.from(small);
      return new Readable({
        read() {
          this.push(copy);
          this.push(null);
        },
      });
    }
    let pos = start;
    const reader = this;
    const chunk = total <= WHOLE ? Math.max(total, 1) : CHUNK;
    return new Readable({
      highWaterMark: chunk,
      read() {
        if (pos >= end) return void this.push(null);
        const n = Math.min(chunk, end - pos);
        const at = pos;
        pos += n;
        const got = n < BLOCK / 2 ? reader.bytes(at, n).then((b) => Buffer.from(b)) : readAt(reader.fd, n, at);
        reader.lastEnd = at + n;
        got.then(
          (b) => {
            if (b.length < n) return this.destroy(new Error(`not enough bytes in the stream. expected ${total}. got only ${at - start + b.length}`));
            this.push(b);
            if (pos >= end) this.push(null);
          },
          (err: Error) => this.destroy(err),
        );
      },
    });
  }

  override close(callback: (err: Error | null) => void): void {
    if (this.closed) return void setImmediate(() => callback(null));
    this.closed = true;
    this.block = Buffer.alloc(0);
    close(this.fd, (err) => callback(err));
  }
}

/** Opens `path` for yauzl through a BlockReader (same options as yauzl.open). */
export function openBlockZip(path: string, options: yauzl.Options): Promise<{ zip: yauzl.ZipFile; reader: BlockReader }> {
  return new Promise((resolve, reject) => {
    open(path, 'r', (err, fd) => {
      if (err) return reject(err);
      fstat(fd, (err2, st) => {
        if (err2) return close(fd, () => reject(err2));
        const reader = new BlockReader(fd, st.size);
        yauzl.fromRandomAccessReader(reader, st.size, options, (err3, zip) => {
          if (err3) return reader.close(() => reject(err3));
          resolve({ zip, reader });
        });
      });
    });
  });
}
