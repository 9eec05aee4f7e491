// OFD (GB/T 33190): a zip whose OFD.xml names one DocBody → DocRoot (Document.xml) → pages whose
// Content.xml parse. Encryptions.xml (GM/T 0099) or an Encryptions element, or an encrypted zip
// entry, means the file is encrypted. This service expects exactly one DocBody (one document per file).
import { posix } from 'node:path';
import { asArray, checkXmlText, decodeUtf8, parseXml, textOf } from './xml.ts';
import { byteSource, errorText, memo, type ByteSource } from './source.ts';
import type { FileSample } from './sample.ts';
import { openZip, DEFAULT_ZIP_LIMITS, type OpenedZip, type ZipLimits } from './zip.ts';

export interface OfdOptions {
  /** Page content files parsed (default 1000). */
  maxPages?: number;
  zipLimits?: ZipLimits;
}

export type OfdAnalysis =
  | { readable: true; pages: number; pagesChecked: number; docRoot: string; encrypted: boolean; encryption?: string; nonPublicCompression?: string }
  | { readable: false; reason: string; encrypted: boolean; encryption?: string; nonPublicCompression?: string };

export function analyzeOfd(sample: FileSample, options: OfdOptions = {}): Promise<OfdAnalysis> {
  const maxPages = options.maxPages ?? 1000;
  const limits = options.zipLimits ?? DEFAULT_ZIP_LIMITS;
  return memo(sample, `ofd:${maxPages}:${JSON.stringify(limits)}`, () => runOfd(byteSource(sample), maxPages, limits));
}

async function runOfd(source: ByteSource, maxPages: number, limits: ZipLimits): Promise<OfdAnalysis> {
  if (!source.random) return { readable: false, reason: 'OFD 文件过大且无法随机读取，未打开（too large to open）', encrypted: false };
  let zip: OpenedZip;
  try {
    zip = await openZip(source, limits);
  } catch (err) {
    return { readable: false, reason: `OFD 压缩包无法读取（zip）: ${errorText(err)}`, encrypted: false };
  }
  try {
    const enc = zip.entries.find((e) => e.encrypted);
    const encFile = zip.entries.find((e) => /(^|\/)Encryptions\.xml$/i.test(e.name));
    const odd = zip.entries.find((e) => e.compressionMethod !== 0 && e.compressionMethod !== 8);
    const security: { encrypted: boolean; encryption?: string; nonPublicCompression?: string } = { encrypted: false };
    if (encFile) Object.assign(security, { encrypted: true, encryption: `含加密描述文件 ${encFile.name}` });
    else if (enc) Object.assign(security, { encrypted: true, encryption: `压缩包条目 ${enc.name} 已加密` });
    if (odd) security.nonPublicCompression = `${odd.name} 使用压缩方法 ${odd.compressionMethod}`;

    const readXml = async (name: string, what: string): Promise<Record<string, unknown> | string> => {
      const entry = zip.byName.get(name) ?? zip.entries.find((e) => e.name.toLowerCase() === name.toLowerCase());
      if (!entry) return `缺少 ${what} ${name}（missing）`;
      let bytes: Uint8Array;
      try {
        bytes = await zip.read(entry.name);
      } catch (err) {
        return `${what} ${name} 无法解压（cannot inflate）: ${errorText(err)}`;
      }
      const text = decodeUtf8(bytes);
      if (text === undefined) return `${what} ${name} 不是 UTF-8 文本`;
      const ok = checkXmlText(text.replace(/^\uFEFF/, ''));
      if (!ok.ok) return `${what} ${name}: ${ok.reason}`;
      return parseXml(text.replace(/^\uFEFF/, ''), true);
    };
    const unreadable = (reason: string): OfdAnalysis => ({ readable: false, reason, ...security });

    const ofd = await readXml('OFD.xml', '入口文件');
    if (typeof ofd === 'string') return unreadable(ofd);
    const root = ofd.OFD as Record<string, unknown> | undefined;
    if (!root || typeof root !== 'object') return unreadable('OFD.xml 的根元素不是 OFD');
    const bodies = asArray(root.DocBody);
    if (bodies.length !== 1) return unreadable(`OFD.xml 应有且仅有一个 DocBody，实有 ${bodies.length} 个（exactly one DocBody expected）`);
    const body = bodies[0] as Record<string, unknown>;
    if (body && typeof body === 'object' && 'Encryptions' in body && !security.encrypted)
      Object.assign(security, { encrypted: true, encryption: 'DocBody 含 Encryptions 元素' });
    const docRootText = textOf(body?.DocRoot)?.trim();
    if (!docRootText) return unreadable('DocBody 缺少 DocRoot（no DocRoot）');
    const docRoot = resolvePart('', docRootText);
    if (!docRoot) return unreadable(`DocRoot 路径不安全：${docRootText}`);

    const doc = await readXml(docRoot, '文档根文件');
    if (typeof doc === 'string') return unreadable(doc);
    const document = doc.Document as Record<string, unknown> | undefined;
    if (!document || typeof document !== 'object') return unreadable(`${docRoot} 的根元素不是 Document`);
    const pageList = asArray((document.Pages as Record<string, unknown> | undefined)?.Page);
    if (pageList.length === 0) return unreadable(`${docRoot} 没有页面（no pages）`);
    const docDir = posix.dirname(docRoot) === '.' ? '' : posix.dirname(docRoot);
    let pagesChecked = 0;
    for (const [i, p] of pageList.entries()) {
      if (i >= maxPages) break;
      const baseLoc = (p as Record<string, unknown>)?.['@_BaseLoc'];
      if (typeof baseLoc !== 'string' || baseLoc.trim() === '') return unreadable(`第 ${i + 1} 页缺少 BaseLoc`);
      const loc = resolvePart(docDir, baseLoc.trim());
      if (!loc) return unreadable(`第 ${i + 1} 页路径不安全：${baseLoc}`);
      const page = await readXml(loc, `第 ${i + 1} 页`);
      if (typeof page === 'string') return unreadable(page);
      if (!page.Page || typeof page.Page !== 'object') return unreadable(`${loc} 的根元素不是 Page`);
      pagesChecked++;
    }
    return { readable: true, pages: pageList.length, pagesChecked, docRoot, ...security };
  } finally {
    zip.close();
  }
}

/** Resolves an OFD location (absolute from the package root when it starts with '/'); undefined if it escapes. */
function resolvePart(baseDir: string, loc: string): string | undefined {
  if (loc.includes('\\') || loc.includes('\0')) return undefined;
  const joined = loc.startsWith('/') ? loc.slice(1) : baseDir ? `${baseDir}/${loc}` : loc;
  const norm = posix.normalize(joined);
  if (norm.startsWith('..') || norm.startsWith('/') || norm === '.') return undefined;
  return norm;
}
