// GD-3-4 (content readability) and GD-3-8 (encryption, non-public compression, nested archives)
// for one content file, dispatched on its detected format. Results are data, never exceptions.
import { analyzePdf, type PdfOptions } from './pdf.ts';
import { analyzeOfd, type OfdOptions } from './ofd.ts';
import { checkImageReadable, type ImageOptions } from './image.ts';
import { checkMediaReadable } from './media.ts';
import { checkTextReadable, checkXmlReadable } from './text.ts';
import { identifyFormat, isEncryptedOffice } from './identify.ts';
import { openZip, DEFAULT_ZIP_LIMITS, type ZipLimits } from './zip.ts';
import { checkXmlText, decodeUtf8 } from './xml.ts';
import { byteSource, errorText, latin1, memo } from './source.ts';
import { fail, pass, skip, type FormatCheckResult } from './result.ts';
import type { DetectedFormat } from './format-list.ts';
import type { FileSample } from './sample.ts';

export interface ReadabilityOptions extends PdfOptions, ImageOptions {
  /** The format already identified (saves a second identification). */
  detected?: DetectedFormat;
  /** Pages of a PDF or OFD loaded (default 1000). */
  maxPages?: number;
  zipLimits?: ZipLimits;
}

/** GD-3-4: does the file open as its (detected) format? */
export async function checkReadability(sample: FileSample, options: ReadabilityOptions = {}): Promise<FormatCheckResult> {
  try {
    const detected = options.detected ?? (await identifyFormat(sample));
    const format = detected.format;
    if (format === 'EMPTY') return fail('3-4', '空文件（0 bytes）');
    if (format === 'PDF' || format.startsWith('PDF/A-')) return await pdfReadable(sample, options);
    if (format === 'OFD') {
      const a = await analyzeOfd(sample, ofdOptions(options));
      if (a.readable) return pass({ format, pages: a.pages, pagesChecked: a.pagesChecked, docRoot: a.docRoot });
      return sample.whole || sample.openRange ? fail('3-4', a.reason) : skip('3-4', a.reason);
    }
    if (format === 'JPEG' || format === 'PNG' || format === 'TIFF') return await checkImageReadable(sample, format, options);
    if (format === 'MP3' || format === 'WAV' || format === 'MP4') return await checkMediaReadable(sample, format);
    if (format === 'XML') return checkXmlReadable(sample);
    if (format === 'TXT') return await checkTextReadable(sample);
    if (format === 'DOCX' || format === 'XLSX' || format === 'PPTX') return await ooxmlReadable(sample, options.zipLimits);
    return skip('3-4', `没有针对格式 ${format} 的可读性检查（no readability check for this format）`);
  } catch (err) {
    return fail('3-4', `可读性检查出错（check failed）: ${errorText(err)}`);
  }
}

function ofdOptions(options: ReadabilityOptions): OfdOptions {
  const o: OfdOptions = {};
  if (options.maxPages !== undefined) o.maxPages = options.maxPages;
  if (options.zipLimits) o.zipLimits = options.zipLimits;
  return o;
}

async function pdfReadable(sample: FileSample, options: PdfOptions): Promise<FormatCheckResult> {
  const a = await analyzePdf(sample, options);
  if (!a.opened) return a.tooLarge ? skip('3-4', a.reason) : fail('3-4', a.reason);
  if (a.pageError) return fail('3-4', a.pageError);
  // pdf.js rebuilds damaged cross-reference tables silently; a missing end marker still tells of a cut file.
  if (!latin1(sample.tail.subarray(Math.max(0, sample.tail.byteLength - 1024))).includes('%%EOF'))
    return fail('3-4', 'PDF 缺少文件结束标记 %%EOF（file cut short）');
  const info: Record<string, unknown> = { pages: a.pages, pagesChecked: a.pagesChecked };
  if (a.pdfVersion) info.pdfVersion = a.pdfVersion;
  if (a.pdfa) info.pdfa = a.pdfa;
  return pass(info);
}

async function ooxmlReadable(sample: FileSample, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<FormatCheckResult> {
  if (!sample.whole && !sample.openRange) return skip('3-4', '文件过大且无法随机读取，未打开（too large to open）');
  let zip;
  try {
    zip = await openZip(byteSource(sample), limits);
  } catch (err) {
    return fail('3-4', `压缩包无法读取（zip）: ${errorText(err)}`);
  }
  try {
    const bytes = await zip.read('[Content_Types].xml');
    const text = decodeUtf8(bytes);
    const r = text === undefined ? { ok: false as const, reason: '不是 UTF-8' } : checkXmlText(text.replace(/^\uFEFF/, ''));
    return r.ok ? pass({ entries: zip.entries.length }) : fail('3-4', `[Content_Types].xml: ${r.reason}`);
  } catch (err) {
    return fail('3-4', `[Content_Types].xml 无法读取: ${errorText(err)}`);
  } finally {
    zip.close();
  }
}

/**
 * GD-3-8: an encrypted or password-protected file (PDF /Encrypt — also owner-password-only —,
 * OFD Encryptions, encrypted zip entries, password-protected old Office files), a non-public zip
 * compression method inside a zip-based format, or a nested archive.
 */
export async function checkEncryption(sample: FileSample, options: ReadabilityOptions = {}): Promise<FormatCheckResult> {
  try {
    const detected = options.detected ?? (await identifyFormat(sample));
    const format = detected.format;
    if (format === 'PDF' || format.startsWith('PDF/A-')) {
      const a = await analyzePdf(sample, options);
      if (a.opened && a.encrypted)
        return fail('3-8', `PDF 已加密（/Encrypt${a.encryptFilter ? `，安全处理器 ${a.encryptFilter}` : ''}；即使只设了权限密码也不允许）`);
      if (!a.opened && a.encrypted) return fail('3-8', a.passwordRequired ? 'PDF 设有打开密码（password protected）' : 'PDF 含 /Encrypt 加密字典');
      if (!a.opened && a.tooLarge) return skip('3-8', a.reason);
      return pass({ encrypted: false });
    }
    if (format === 'OFD') {
      const a = await analyzeOfd(sample, ofdOptions(options));
      if (a.encrypted) return fail('3-8', `OFD 已加密（${a.encryption}）`);
      if (a.nonPublicCompression) return fail('3-8', `OFD 使用非公开的压缩方法（${a.nonPublicCompression}）`);
      return pass({ encrypted: false });
    }
    if (format === 'CFB' && isEncryptedOffice(sample)) return fail('3-8', 'Office 文件设有密码（EncryptedPackage）');
    if (detected.kind === 'archive') {
      const z = await zipSecurity(sample, options.zipLimits);
      return fail('3-8', `内容文件是压缩包（${format}），不允许嵌套压缩包（nested archive）${z ? '；' + z : ''}`);
    }
    if (['DOCX', 'XLSX', 'PPTX', 'ODT', 'ODS', 'ODP', 'EPUB', 'JAR', 'APK'].includes(format)) {
      const z = await zipSecurity(sample, options.zipLimits);
      if (z) return fail('3-8', z);
    }
    return pass({ encrypted: false });
  } catch (err) {
    return fail('3-8', `加密检查出错（check failed）: ${errorText(err)}`);
  }
}

/** Encrypted entries or non-public compression methods in a zip, as one reason; undefined when clean or unreadable. */
function zipSecurity(sample: FileSample, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<string | undefined> {
  return memo(sample, 'zip-security', async () => {
    if (!(sample.head[0] === 0x50 && sample.head[1] === 0x4b)) return undefined;
    try {
      const zip = await openZip(byteSource(sample), limits);
      zip.close();
      const enc = zip.entries.filter((e) => e.encrypted).map((e) => e.name);
      const odd = zip.entries.filter((e) => e.compressionMethod !== 0 && e.compressionMethod !== 8);
      const parts: string[] = [];
      if (enc.length) parts.push(`已加密的条目：${enc.slice(0, 5).join(', ')}${enc.length > 5 ? ' …' : ''}`);
      if (odd.length) parts.push(`非公开压缩方法：${odd.slice(0, 5).map((e) => `${e.name}(${e.compressionMethod})`).join(', ')}`);
      return parts.length ? parts.join('；') : undefined;
    } catch {
      return undefined;
    }
  });
}
