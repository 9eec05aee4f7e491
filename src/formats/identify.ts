// Format identification by content: file-type 21 on the head, plus our own checks for what it
// cannot tell from magic bytes alone — OFD and Office files inside zips, the PDF/A claim, scripts,
// text and XML — and for executables of every platform.
import { analyzePdf, pdfaClaimFromXmp, pdfaName, xmpFromBytes, type PdfOptions } from './pdf.ts';
import { classifyText, decodeText } from './text.ts';
import { sniffImage } from './image.ts';
import { byteSource, latin1, memo } from './source.ts';
import { openZip } from './zip.ts';
import type { DetectedFormat, FormatKind } from './format-list.ts';
import type { FileSample } from './sample.ts';

export interface IdentifyOptions extends PdfOptions {
  /** Open the PDF with pdf.js to read its XMP (default true); false reads only an uncompressed packet in head/tail. */
  openPdf?: boolean;
}

/** file-type (~12 MB with its tokenizers) is loaded the first time a file is not told by our own checks. */
let fileType: Promise<typeof import('file-type')> | undefined;
async function fileTypeFromBuffer(bytes: Uint8Array) {
  fileType ??= import('file-type');
  return (await fileType).fileTypeFromBuffer(bytes);
}

const f = (format: string, mime: string, kind: FormatKind, extra: Partial<DetectedFormat> = {}): DetectedFormat => ({ format, mime, kind, ...extra });

/** file-type extensions → our names. Anything else keeps file-type's name (upper case) and a kind by its MIME. */
const BY_EXT: Record<string, [string, FormatKind]> = {
  jpg: ['JPEG', 'image'], png: ['PNG', 'image'], tif: ['TIFF', 'image'], mp3: ['MP3', 'audio'], wav: ['WAV', 'audio'],
  mp4: ['MP4', 'video'], m4v: ['MP4', 'video'], m4a: ['MP4', 'audio'], mov: ['MOV', 'video'], xml: ['XML', 'document'],
  docx: ['DOCX', 'document'], xlsx: ['XLSX', 'document'], pptx: ['PPTX', 'document'], odt: ['ODT', 'document'],
  ods: ['ODS', 'document'], odp: ['ODP', 'document'], epub: ['EPUB', 'document'], rtf: ['RTF', 'document'],
  cfb: ['CFB', 'document'], jp2: ['JP2', 'image'], gif: ['GIF', 'image'], bmp: ['BMP', 'image'], webp: ['WEBP', 'image'],
  exe: ['EXE', 'executable'], elf: ['ELF', 'executable'], macho: ['MACHO', 'executable'], wasm: ['WASM', 'executable'],
  class: ['CLASS', 'executable'], jar: ['JAR', 'executable'], apk: ['APK', 'executable'], swf: ['SWF', 'executable'],
  lnk: ['LNK', 'executable'], crx: ['CRX', 'executable'], xpi: ['XPI', 'executable'], deb: ['DEB', 'archive'],
  rpm: ['RPM', 'archive'], msi: ['MSI', 'executable'], chm: ['CHM', 'executable'], reg: ['REG', 'script'],
};
const ARCHIVES = new Set(['zip', 'rar', '7z', 'gz', 'tar', 'bz2', 'xz', 'zst', 'lz', 'lz4', 'lzh', 'cab', 'arj', 'ace', 'cpio', 'ar', 'dmg', 'asar', 'Z']);

/** Archive names as the profiles spell them. */
const ARCHIVE_NAMES: Record<string, string> = { gz: 'GZIP', bz2: 'BZIP2', zst: 'ZSTD' };

export function identifyFormat(sample: FileSample, options: IdentifyOptions = {}): Promise<DetectedFormat> {
  return memo(sample, `identify:${options.openPdf !== false}:${options.maxPages ?? ''}`, () => identify(sample, options));
}

async function identify(sample: FileSample, options: IdentifyOptions): Promise<DetectedFormat> {
  const head = sample.head;
  if (sample.size === 0) return f('EMPTY', 'application/x-empty', 'other');
  const start = latin1(head.subarray(0, 1024));

  if (start.includes('%PDF-')) return identifyPdf(sample, options);
  const exe = executable(head);
  if (exe) return exe;
  if (head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6)) {
    const z = await identifyZip(sample);
    if (z) return z;
    // The central directory was out of reach (too big to keep, no opener): a local or central
    // header naming OFD.xml in the kept bytes still tells an OFD from a plain zip.
    if ([sample.head, sample.tail].some((b) => latin1(b).includes('OFD.xml'))) return f('OFD', 'application/ofd', 'document', { via: 'name-scan' });
  }

  // file-type reads what it needs, e.g. a TIFF's IFD (often at the end) to tell camera raw from TIFF.
  const ft = await fileTypeFromBuffer(sample.whole ?? head).catch(() => undefined);
  if (ft) {
    if (ARCHIVES.has(ft.ext)) return f(ARCHIVE_NAMES[ft.ext] ?? ft.ext.toUpperCase(), ft.mime, 'archive', { via: ft.ext });
    if (ft.ext === 'cfb' && isEncryptedOffice(sample)) return f('CFB', ft.mime, 'document', { via: 'cfb-encrypted-package' });
    const known = BY_EXT[ft.ext];
    if (known) {
      if (known[0] === 'XML') return identifyText(sample) ?? f('XML', 'application/xml', 'document', { via: ft.ext });
      return f(known[0], ft.mime, known[1], { via: ft.ext });
    }
    const kind: FormatKind = ft.mime.startsWith('image/') ? 'image' : ft.mime.startsWith('audio/') ? 'audio' : ft.mime.startsWith('video/') ? 'video' : 'other';
    return f(ft.ext.toUpperCase(), ft.mime, kind, { via: ft.ext });
  }
  const image = sniffImage(head); // a big TIFF whose IFD lies beyond the head
  if (image) return f(image, image === 'TIFF' ? 'image/tiff' : image === 'PNG' ? 'image/png' : 'image/jpeg', 'image', { via: 'magic' });
  // ID3 tags larger than the head hide the first frame from file-type.
  if (start.startsWith('ID3')) return f('MP3', 'audio/mpeg', 'audio', { via: 'id3' });
  return identifyText(sample) ?? f('UNKNOWN', 'application/octet-stream', 'other');
}

async function identifyPdf(sample: FileSample, options: IdentifyOptions): Promise<DetectedFormat> {
  let xmp: string | undefined;
  if (options.openPdf !== false && (sample.whole || sample.openRange)) {
    const a = await analyzePdf(sample, options);
    if (a.opened) xmp = a.xmp;
  }
  xmp ??= xmpFromBytes(sample.head, sample.tail);
  const claim = xmp ? pdfaClaimFromXmp(xmp) : undefined;
  return claim ? f(pdfaName(claim), 'application/pdf', 'document', { pdfa: claim }) : f('PDF', 'application/pdf', 'document');
}

/** ELF, PE (MZ with a PE header), Mach-O and fat Mach-O binaries, Windows shortcuts are left to file-type. */
function executable(h: Uint8Array): DetectedFormat | undefined {
  if (h[0] === 0x7f && h[1] === 0x45 && h[2] === 0x4c && h[3] === 0x46) return f('ELF', 'application/x-elf', 'executable');
  if (h[0] === 0x4d && h[1] === 0x5a) {
    const pe = h.length >= 0x40 ? h[0x3c] | (h[0x3d] << 8) | (h[0x3e] << 16) : -1;
    const isPe = pe > 0 && pe + 4 <= h.length && latin1(h.subarray(pe, pe + 4)) === 'PE\0\0';
    return f('EXE', 'application/x-msdownload', 'executable', { via: isPe ? 'pe' : 'mz' });
  }
  const magic = ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
  if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe].includes(magic)) return f('MACHO', 'application/x-mach-binary', 'executable');
  // 0xcafebabe is both a fat Mach-O and a Java class; a fat binary has a small architecture count.
  if (magic === 0xcafebabe) {
    const n = ((h[4] << 24) | (h[5] << 16) | (h[6] << 8) | h[7]) >>> 0;
    return n > 0 && n < 30 ? f('MACHO', 'application/x-mach-binary', 'executable') : f('CLASS', 'application/java-vm', 'executable');
  }
  return undefined;
}

/** Names inside a zip decide: OFD, OOXML, Java/Android packages, or a plain (nested) archive. */
async function identifyZip(sample: FileSample): Promise<DetectedFormat | undefined> {
  let names: string[];
  try {
    const zip = await openZip(byteSource(sample));
    names = zip.entries.map((e) => e.name);
    zip.close();
  } catch {
    return undefined; // not listable: file-type's look at the local headers decides
  }
  const has = (n: string): boolean => names.some((x) => x.toLowerCase() === n.toLowerCase());
  const under = (p: string): boolean => names.some((x) => x.startsWith(p));
  if (has('OFD.xml')) return f('OFD', 'application/ofd', 'document');
  if (has('[Content_Types].xml')) {
    if (under('word/')) return f('DOCX', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'document');
    if (under('xl/')) return f('XLSX', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'document');
    if (under('ppt/')) return f('PPTX', 'application/vnd.openxmlformats-officedocument.presentationml.presentation', 'document');
  }
  if (has('AndroidManifest.xml') && has('classes.dex')) return f('APK', 'application/vnd.android.package-archive', 'executable');
  if (has('META-INF/MANIFEST.MF') || names.some((n) => n.endsWith('.class'))) return f('JAR', 'application/java-archive', 'executable');
  if (has('mimetype')) {
    const ft = await fileTypeFromBuffer(sample.head).catch(() => undefined);
    const known = ft && BY_EXT[ft.ext];
    if (ft && known) return f(known[0], ft.mime, known[1], { via: ft.ext });
  }
  return f('ZIP', 'application/zip', 'archive');
}

/** Old-format Office files protected with a password keep their content in an "EncryptedPackage" stream. */
export function isEncryptedOffice(sample: FileSample): boolean {
  const needle = Buffer.from('EncryptedPackage', 'utf16le');
  const hay = (b: Uint8Array): boolean => Buffer.from(b.buffer, b.byteOffset, b.byteLength).includes(needle);
  return hay(sample.whole ?? sample.head) || hay(sample.tail);
}

function identifyText(sample: FileSample): DetectedFormat | undefined {
  // The head decides the kind; checkReadability decodes the whole file.
  const d = decodeText(sample.head, sample.size > sample.head.byteLength);
  if (!d) return undefined;
  const kind = classifyText(d.text);
  if (kind === 'SCRIPT') return f('SCRIPT', 'text/x-script', 'script', { encoding: d.encoding });
  if (kind === 'HTML') return f('HTML', 'text/html', 'document', { encoding: d.encoding });
  if (kind === 'XML') return f('XML', 'application/xml', 'document', { encoding: d.encoding });
  return f('TXT', 'text/plain', 'document', { encoding: d.encoding });
}
