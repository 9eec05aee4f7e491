// A streaming writer of stored (uncompressed) zip files: entries are written one after another as
// their bytes arrive (CRC-32 computed natively on the way, sizes known in advance, a data
// descriptor after each), the central directory at the end; ZIP64 where sizes or offsets need it.
// The transfer build feeds it the bytes the check is reading, so every file is read once.
import { PassThrough, type Readable } from 'node:stream';
import { once } from 'node:events';
import { crc32 } from 'node:zlib';

const MAX32 = 0xffffffff;
const MAX16 = 0xffff;

interface Written {
  name: Buffer;
  crc: number;
  size: number;
  offset: number;
  zip64: boolean;
}

export interface ZipEntrySink {
  write(chunk: Uint8Array): Promise<void> | void;
  /** Ends the entry; throws when fewer or more bytes than declared were written. */
  end(): Promise<void>;
}

export interface StoredZipWriter {
  /** The zip's bytes as they are produced (back-pressured by its reader). */
  readonly output: Readable;
  /** Entries written so far, by path. */
  readonly paths: ReadonlySet<string>;
  /** Starts an entry of `size` bytes; the previous one must have ended. */
  entry(path: string, size: number): Promise<ZipEntrySink>;
  /** A whole entry from memory. */
  add(path: string, bytes: Uint8Array): Promise<void>;
  /** Writes the central directory and ends the output. */
  finish(): Promise<void>;
  /** Ends the output with an error (its reader, a store's put, then keeps nothing). */
  abort(err: Error): void;
}

function dosDateTime(d: Date): { date: number; time: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
  };
}

export function createStoredZipWriter(opts: { mtime: Date; highWaterMark?: number }): StoredZipWriter {
  const out = new PassThrough({ highWaterMark: opts.highWaterMark ?? 4 << 20 });
  const { date, time } = dosDateTime(opts.mtime);
  const written: Written[] = [];
  const paths = new Set<string>();
  let offset = 0;
  let open = false;
  let done = false;

  const push = async (b: Uint8Array): Promise<void> => {
    if (out.destroyed) throw new Error('zip: output closed');
    offset += b.byteLength;
    if (!out.write(b)) await Promise.race([once(out, 'drain'), once(out, 'close')]);
  };

  async function entry(path: string, size: number): Promise<ZipEntrySink> {
    if (open || done) throw new Error(`zip: entry ${path} started while another is open or after finish`);
    if (paths.has(path)) throw new Error(`zip: duplicate entry ${path}`);
    open = true;
    paths.add(path);
    const name = Buffer.from(path, 'utf8');
    const zip64 = size >= MAX32;
    const extra = zip64 ? Buffer.alloc(20) : Buffer.alloc(0);
    if (zip64) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(16, 2); // sizes in the data descriptor
    }
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(zip64 ? 45 : 20, 4);
    h.writeUInt16LE(0x0808, 6); // bit 3: data descriptor; bit 11: UTF-8 name
    h.writeUInt16LE(0, 8); // stored
    h.writeUInt16LE(time, 10);
    h.writeUInt16LE(date, 12);
    // CRC-32 and sizes follow in the data descriptor (bit 3)
    h.writeUInt32LE(0, 14);
    h.writeUInt32LE(zip64 ? MAX32 : 0, 18);
    h.writeUInt32LE(zip64 ? MAX32 : 0, 22);
    h.writeUInt16LE(name.length, 26);
    h.writeUInt16LE(extra.length, 28);
    const start = offset;
    await push(Buffer.concat([h, name, extra]));
    let crc = 0;
    let n = 0;
    return {
      write(chunk) {
        n += chunk.byteLength;
        if (n > size) throw new Error(`zip: ${path} longer than its declared ${size} bytes`);
        crc = crc32(chunk, crc);
        return push(chunk);
      },
      async end() {
        if (n !== size) throw new Error(`zip: ${path} has ${n} of its declared ${size} bytes`);
        const dd = Buffer.alloc(zip64 ? 24 : 16);
        dd.writeUInt32LE(0x08074b50, 0);
        dd.writeUInt32LE(crc >>> 0, 4);
        if (zip64) {
          dd.writeBigUInt64LE(BigInt(size), 8);
          dd.writeBigUInt64LE(BigInt(size), 16);
        } else {
          dd.writeUInt32LE(size, 8);
          dd.writeUInt32LE(size, 12);
        }
        await push(dd);
        written.push({ name, crc: crc >>> 0, size, offset: start, zip64 });
        open = false;
      },
    };
  }

  return {
    output: out,
    paths,
    entry,
    async add(path, bytes) {
      const e = await entry(path, bytes.byteLength);
      await e.write(bytes);
      await e.end();
    },
    async finish() {
      if (open) throw new Error('zip: finish() while an entry is open');
      done = true;
      const cdStart = offset;
      for (const w of written) {
        const bigSize = w.size >= MAX32;
        const bigOffset = w.offset >= MAX32;
        const fields: bigint[] = [];
        if (bigSize) fields.push(BigInt(w.size), BigInt(w.size));
        if (bigOffset) fields.push(BigInt(w.offset));
        const extra = Buffer.alloc(fields.length ? 4 + 8 * fields.length : 0);
        if (fields.length) {
          extra.writeUInt16LE(0x0001, 0);
          extra.writeUInt16LE(8 * fields.length, 2);
          fields.forEach((f, i) => extra.writeBigUInt64LE(f, 4 + 8 * i));
        }
        const c = Buffer.alloc(46);
        c.writeUInt32LE(0x02014b50, 0);
        c.writeUInt16LE((3 << 8) | 45, 4); // made by: Unix, 4.5
        c.writeUInt16LE(fields.length || w.zip64 ? 45 : 20, 6);
        c.writeUInt16LE(0x0808, 8);
        c.writeUInt16LE(0, 10);
        c.writeUInt16LE(time, 12);
        c.writeUInt16LE(date, 14);
        c.writeUInt32LE(w.crc, 16);
        c.writeUInt32LE(bigSize ? MAX32 : w.size, 20);
        c.writeUInt32LE(bigSize ? MAX32 : w.size, 24);
        c.writeUInt16LE(w.name.length, 28);
        c.writeUInt16LE(extra.length, 30);
        c.writeUInt16LE(0, 32); // comment
        c.writeUInt16LE(0, 34); // disk
        c.writeUInt16LE(0, 36); // internal attributes
        c.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
        c.writeUInt32LE(bigOffset ? MAX32 : w.offset, 42);
        await push(Buffer.concat([c, w.name, extra]));
      }
      const cdEnd = offset;
      const cdSize = cdEnd - cdStart;
      const need64 = written.length >= MAX16 || cdStart >= MAX32 || cdSize >= MAX32;
      if (need64) {
        const e = Buffer.alloc(56);
        e.writeUInt32LE(0x06064b50, 0);
        e.writeBigUInt64LE(44n, 4);
        e.writeUInt16LE((3 << 8) | 45, 12);
        e.writeUInt16LE(45, 14);
        e.writeUInt32LE(0, 16);
        e.writeUInt32LE(0, 20);
        e.writeBigUInt64LE(BigInt(written.length), 24);
        e.writeBigUInt64LE(BigInt(written.length), 32);
        e.writeBigUInt64LE(BigInt(cdSize), 40);
        e.writeBigUInt64LE(BigInt(cdStart), 48);
        const l = Buffer.alloc(20);
        l.writeUInt32LE(0x07064b50, 0);
        l.writeUInt32LE(0, 4);
        l.writeBigUInt64LE(BigInt(cdEnd), 8);
        l.writeUInt32LE(1, 16);
        await push(Buffer.concat([e, l]));
      }
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(0, 4);
      end.writeUInt16LE(0, 6);
      end.writeUInt16LE(Math.min(written.length, MAX16), 8);
      end.writeUInt16LE(Math.min(written.length, MAX16), 10);
      end.writeUInt32LE(need64 ? MAX32 : cdSize, 12);
      end.writeUInt32LE(need64 ? MAX32 : cdStart, 16);
      end.writeUInt16LE(0, 20);
      await push(end);
      out.end();
    },
    abort(err) {
      done = true;
      out.destroy(err);
    },
  };
}
