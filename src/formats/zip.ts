// Reading a zip-based content file (OFD, DOCX, a nested zip) from a ByteSource with yauzl, with the
// package reader's safety: central directory only, entry-count/size/ratio caps, no unsafe names.
import { PassThrough, type Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { ByteSource } from './source.ts';

export interface ZipLimits {
  /** Most entries (default 65 535). */
  maxEntries: number;
  /** Most bytes inflated from one entry that is read (default 32 MiB). */
  maxEntryBytes: number;
  /** Highest inflated/compressed ratio for an entry over 1 MiB (default 500). */
  maxRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntries: 65_535, maxEntryBytes: 32 * 1024 * 1024, maxRatio: 500 };

export interface ZipEntryInfo {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  compressionMethod: number;
  encrypted: boolean;
}

export interface OpenedZip {
  entries: ZipEntryInfo[];
  /** Entry by exact name. */
  byName: Map<string, ZipEntryInfo>;
  /** Inflates one entry, refusing more than the caps; errors are thrown (callers turn them into reasons). */
  read(name: string): Promise<Uint8Array>;
  close(): void;
}

class SourceReader extends yauzl.RandomAccessReader {
  #source: ByteSource;
  constructor(source: ByteSource) {
    super();
    this.#source = source;
  }
  override _readStreamForRange(start: number, end: number): Readable {
    const out = new PassThrough();
    this.#source.read(start, end).then(
      (bytes) => {
        if (bytes === undefined) out.destroy(new Error('zip range not reachable'));
        else out.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      },
      (err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))),
    );
    return out;
  }
}

/** Opens the zip and lists its entries; throws (with a reason) when it is not a readable zip. */
export async function openZip(source: ByteSource, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<OpenedZip> {
  const zip = await yauzl.fromRandomAccessReaderPromise(new SourceReader(source), source.size, {
    lazyEntries: true,
    autoClose: false,
    decodeStrings: true, // also runs yauzl's validateFileName: no absolute paths, `..`, backslashes
    validateEntrySizes: true,
    strictFileNames: true,
  });
  try {
    if (zip.entryCount > limits.maxEntries) throw new Error(`too many entries (${zip.entryCount} > ${limits.maxEntries})`);
    const entries: ZipEntryInfo[] = [];
    const raw = new Map<string, yauzl.Entry>();
    for await (const e of zip.eachEntry()) {
      if (raw.has(e.fileName)) throw new Error(`duplicate entry name: ${e.fileName}`);
      raw.set(e.fileName, e);
      entries.push({
        name: e.fileName,
        compressedSize: e.compressedSize,
        uncompressedSize: e.uncompressedSize,
        compressionMethod: e.compressionMethod,
        encrypted: e.isEncrypted(),
      });
    }
    return {
      entries,
      byName: new Map(entries.map((e) => [e.name, e])),
      async read(name) {
        const e = raw.get(name);
        if (!e) throw new Error(`no entry ${name}`);
        if (e.isEncrypted()) throw new Error(`entry ${name} is encrypted`);
        if (e.compressionMethod !== 0 && e.compressionMethod !== 8) throw new Error(`entry ${name} uses compression method ${e.compressionMethod}`);
        if (e.uncompressedSize > limits.maxEntryBytes) throw new Error(`entry ${name} is too large (${e.uncompressedSize} bytes)`);
        if (e.uncompressedSize > 1024 * 1024 && e.uncompressedSize / Math.max(1, e.compressedSize) > limits.maxRatio)
          throw new Error(`entry ${name} has a suspicious compression ratio`);
        const stream = await zip.openReadStreamPromise(e);
        const parts: Buffer[] = [];
        let total = 0;
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          total += chunk.byteLength;
          if (total > limits.maxEntryBytes) {
            stream.destroy();
            throw new Error(`entry ${name} inflates beyond ${limits.maxEntryBytes} bytes`);
          }
          parts.push(chunk);
        }
        return Buffer.concat(parts, total);
      },
      close() {
        zip.close();
      },
    };
  } catch (err) {
    zip.close();
    throw err;
  }
}
