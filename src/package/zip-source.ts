// Reads a ZIP package through yauzl from its central directory only (never by streaming local
// headers), decoding names itself and refusing anything unsafe before a byte is inflated.
import { open as openFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import type yauzl from 'yauzl';
import { openBlockZip, type BlockReader } from './block-reader.ts';
import { finding, type Finding } from '../checks/finding.ts';
import { guardedStream, type ReadTotals } from './guarded-stream.ts';
import type { PackageLimits } from './limits.ts';
import { decodeZipName, fileFolderClashes, unsafePathReason } from './names.ts';
import { addParentFolders, block, checkListing, type RawSource } from './raw-source.ts';
import type { EntryStream, OpenOptions, PackageEntry, ZipEntryInfo } from './types.ts';

interface ZipEntry extends PackageEntry {
  zip: ZipEntryInfo & { localHeaderOffset: number };
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** Opens a ZIP file. Expected failures (not a zip, truncated, split, too many entries) are findings. */
export async function openZip(path: string, limits: PackageLimits): Promise<RawSource> {
  const findings: Finding[] = [];
  const entries: ZipEntry[] = [];
  const folders = new Set<string>();
  const empty = (): RawSource => rawZip(undefined, entries, folders, findings, limits);

  const fh = await openFile(path, 'r');
  const head = Buffer.alloc(4);
  const { bytesRead } = await fh.read(head, 0, 4, 0);
  await fh.close();
  if (bytesRead === 4 && head.readUInt32LE(0) === 0x08074b50) {
    findings.push(finding('3-8', 'package', 'ZIP 为分卷或跨盘压缩包，不予处理 (split/spanned archive)'));
    return empty();
  }

  let zip: yauzl.ZipFile;
  let reader: BlockReader;
  try {
    ({ zip, reader } = await openBlockZip(path, { lazyEntries: true, decodeStrings: false, validateEntrySizes: false, autoClose: false, strictFileNames: true }));
  } catch (err) {
    const message = (err as Error).message;
    if (/multi-disk/.test(message)) findings.push(finding('3-8', 'package', `ZIP 为分卷或跨盘压缩包，不予处理 (split/spanned archive): ${message}`));
    else findings.push(finding('1-13', 'package', `不是有效的 ZIP 文件或文件被截断 (not a zip file, or truncated): ${message}`));
    return empty();
  }
  if (zip.entryCount > limits.maxEntries) {
    findings.push(finding('3-8', 'package', `ZIP 条目数 ${zip.entryCount} 超过上限 ${limits.maxEntries} (too many entries)`, { expected: `<=${limits.maxEntries}`, actual: String(zip.entryCount) }));
    zip.close();
    return empty();
  }

  // yauzl starts its cursor at the central directory; entry data must end before it
  const centralDirectoryOffset = (zip as unknown as { readEntryCursor: number }).readEntryCursor;
  try {
    await readCentralDirectory(zip, entries, folders, findings, limits);
  } catch (err) {
    const message = (err as Error).message;
    if (/strong encryption/.test(message)) findings.push(finding('3-8', 'package', `ZIP 使用强加密，不予处理 (strong encryption): ${message}`));
    else findings.push(finding('1-13', 'package', `ZIP 中央目录损坏 (damaged central directory): ${message}`));
    zip.close();
    entries.length = 0;
    folders.clear();
    return empty();
  }
  checkWhole(entries, findings, limits, centralDirectoryOffset);
  return rawZip({ zip, reader }, entries, folders, findings, limits);
}

function readCentralDirectory(zip: yauzl.ZipFile, entries: ZipEntry[], folders: Set<string>, findings: Finding[], limits: PackageLimits): Promise<void> {
  return new Promise((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (e: yauzl.Entry) => {
      try {
        addEntry(e, entries, folders, findings, limits);
      } catch (err) {
        return reject(err);
      }
      zip.readEntry();
    });
    zip.readEntry();
  });
}

function addEntry(e: yauzl.Entry, entries: ZipEntry[], folders: Set<string>, findings: Finding[], limits: PackageLimits): void {
  const raw = e.fileName as unknown as Buffer;
  const extra = (e as unknown as { extraFieldRaw: Buffer }).extraFieldRaw;
  const decoded = decodeZipName(raw, e.generalPurposeBitFlag, extra);
  const name = decoded.ok ? decoded.name : new TextDecoder('gbk').decode(raw);
  const isFolder = name.endsWith('/') && e.uncompressedSize === 0;
  const full = isFolder ? name.slice(0, -1) : name;
  // a hostile central directory may hold huge names: keep only a bounded prefix of unsafe ones
  const path = full.length > limits.maxPathBytes ? `${full.slice(0, 200)}…` : full;
  const entry: ZipEntry = {
    path,
    size: e.uncompressedSize,
    readable: true,
    zip: {
      compressedSize: e.compressedSize,
      method: e.compressionMethod,
      flags: e.generalPurposeBitFlag,
      crc32: e.crc32,
      localHeaderOffset: e.relativeOffsetOfLocalHeader,
    },
  };
  const unsafe = decoded.ok ? unsafePathReason(full, limits) : decoded.message;
  if (unsafe) {
    // an unsafe folder entry is reported too; its files are caught by their own names
    findings.push(finding('1-13', path || '(空文件名)', `不安全的条目名，不予读取 (unsafe entry name): ${unsafe}`, { actual: JSON.stringify(name.slice(0, 300)) }));
    if (isFolder) return;
    entry.readable = false;
  }
  if (isFolder) {
    folders.add(path);
    addParentFolders(path, folders);
    return;
  }
  if (entry.readable) addParentFolders(path, folders);
  const mode = (e.externalFileAttributes >>> 16) & S_IFMT;
  if (mode === S_IFLNK) block(entry, findings, finding('1-13', path, '条目是符号链接，不予读取 (symbolic link entry)'));
  if (e.generalPurposeBitFlag & 0x1) block(entry, findings, finding('3-8', path, '条目已加密，不予读取 (encrypted entry)'));
  if (e.compressionMethod !== 0 && e.compressionMethod !== 8) {
    block(entry, findings, finding('3-8', path, `不支持的压缩方法 ${e.compressionMethod}，仅允许 0 (存储) 和 8 (deflate) (compression method not allowed)`, { expected: '0 或 8', actual: String(e.compressionMethod) }));
  }
  if (e.compressionMethod === 0 && !(e.generalPurposeBitFlag & 0x1) && e.compressedSize !== e.uncompressedSize) {
    block(entry, findings, finding('2-7', path, '存储条目的压缩前后大小声明不一致 (stored entry: compressed and uncompressed sizes differ)', { expected: String(e.compressedSize), actual: String(e.uncompressedSize) }));
  }
  if (e.uncompressedSize > limits.maxEntryBytes) {
    block(entry, findings, finding('3-8', path, `条目声明大小 ${e.uncompressedSize} 超过上限 ${limits.maxEntryBytes} (entry too large)`, { expected: `<=${limits.maxEntryBytes}`, actual: String(e.uncompressedSize) }));
  }
  const ratio = e.uncompressedSize / Math.max(e.compressedSize, 1);
  if (e.uncompressedSize > limits.ratioFloorBytes && ratio > limits.maxCompressionRatio) {
    block(entry, findings, finding('3-8', path, `压缩比 ${Math.round(ratio)}:1 超过上限 ${limits.maxCompressionRatio}:1，疑似压缩炸弹 (compression ratio too high: zip bomb?)`, { expected: `<=${limits.maxCompressionRatio}`, actual: String(Math.round(ratio)) }));
  }
  entries.push(entry);
}

/** Checks over the whole listing: declared total, collisions, overlapping entries, file/folder clashes. */
function checkWhole(entries: ZipEntry[], findings: Finding[], limits: PackageLimits, centralDirectoryOffset: number): void {
  checkListing(entries, findings, limits);
  // Overlapping entries are how the densest zip bombs reuse one compressed kernel many times.
  const byOffset = [...entries].sort((a, b) => a.zip.localHeaderOffset - b.zip.localHeaderOffset);
  for (let i = 0; i < byOffset.length; i++) {
    const e = byOffset[i];
    const end = e.zip.localHeaderOffset + 30 + e.zip.compressedSize;
    const next = i + 1 < byOffset.length ? byOffset[i + 1].zip.localHeaderOffset : centralDirectoryOffset;
    if (end > next) {
      block(e, findings, finding('3-8', e.path, 'ZIP 条目的数据与其他条目或中央目录重叠，疑似压缩炸弹 (overlapping entry data: zip bomb?)'));
      if (i + 1 < byOffset.length) byOffset[i + 1].readable = false;
    }
  }
  for (const clash of fileFolderClashes(entries.map((e) => e.path))) {
    findings.push(finding('1-13', clash, '同一路径既是文件又是文件夹 (a path is both a file and a folder)'));
    for (const e of entries) if (e.path === clash) e.readable = false;
  }
}

interface OpenZip {
  zip: yauzl.ZipFile;
  reader: BlockReader;
}

function rawZip(open: OpenZip | undefined, entries: ZipEntry[], folders: Set<string>, findings: Finding[], limits: PackageLimits): RawSource {
  const byPath = new Map<string, ZipEntry>();
  for (const e of entries) if (!byPath.has(e.path)) byPath.set(e.path, e);
  const totals: ReadTotals = { bytes: 0 };
  return {
    form: 'zip',
    entries,
    folders,
    findings,
    async open(path: string, options: OpenOptions = {}): Promise<EntryStream> {
      const e = byPath.get(path);
      if (!open || !e || !e.readable) throw new Error(`package: entry not readable: ${path}`);
      const guard = { path, declaredSize: e.size, crc32: e.zip.crc32, extraAlgorithms: options.extraAlgorithms, inlineDigest: options.inlineDigest, limits, totals, sink: findings };
      const raw = await openEntryData(open, e).catch((err: Error) => err);
      if (raw instanceof Error) {
        const f = raw instanceof LocalHeaderMismatch ? finding(raw.item, path, raw.message) : finding('2-7', path, `无法读取 ZIP 条目 (cannot read entry): ${raw.message}`);
        return guardedStream(failedStream(raw), { ...guard, describeError: () => f });
      }
      return guardedStream(raw, { ...guard, describeError: (err) => finding('2-7', path, `ZIP 条目数据损坏 (corrupt entry data): ${err.message}`) });
    },
    async close() {
      open?.zip.close();
    },
  };
}

/** The local header contradicts the central directory: a sign of a crafted archive. */
class LocalHeaderMismatch extends Error {
  readonly item: '1-13' | '3-8';
  constructor(item: '1-13' | '3-8', message: string) {
    super(message);
    this.item = item;
  }
}

async function openEntryData({ zip, reader }: OpenZip, e: ZipEntry): Promise<Readable> {
  const header = await new Promise<{ fileDataStart: number; fileName: Buffer; extraField: Buffer; generalPurposeBitFlag: number }>((resolve, reject) =>
    zip.readLocalFileHeader({ relativeOffsetOfLocalHeader: e.zip.localHeaderOffset, compressedSize: e.zip.compressedSize } as yauzl.Entry, { minimal: false }, (err, h) =>
      err ? reject(err) : resolve(h as unknown as { fileDataStart: number; fileName: Buffer; extraField: Buffer; generalPurposeBitFlag: number }),
    ),
  );
  const local = decodeZipName(header.fileName, header.generalPurposeBitFlag, header.extraField);
  const localName = local.ok ? local.name : undefined;
  if (localName !== e.path) {
    throw new LocalHeaderMismatch('1-13', `本地文件头的文件名与中央目录不一致 (local header name differs from the central directory): ${JSON.stringify(localName)}`);
  }
  if (header.generalPurposeBitFlag & 0x1) throw new LocalHeaderMismatch('3-8', '本地文件头标记为加密 (local header says encrypted)');
  // The data, read through the block cache (what yauzl's openReadStreamLowLevel does, in fewer reads)
  const data = reader.stream(header.fileDataStart, header.fileDataStart + e.zip.compressedSize);
  if (e.zip.method !== 8) return data;
  const inflate = createInflateRaw();
  data.once('error', (err) => inflate.destroy(err));
  return data.pipe(inflate);
}

function failedStream(err: Error): Readable {
  // fails at once, so an entry that cannot be opened reports through the same channel
  return new Readable({
    read() {
      this.destroy(err);
    },
  });
}
