// PDF with pdf.js (legacy build, in-thread "fake" worker): opens, pages load, text is fetchable;
// /Encrypt (also owner-password-only) and the PDF/A claim of the XMP packet, in element and
// attribute form. Large files go through pdf.js's range transport when a range opener exists.
// pdf.js is loaded on first use only (it and @napi-rs/canvas, which it loads, cost ~65 MB of RSS),
// and with a pool (pdf-pool.ts) a file kept whole is analysed on a worker thread instead.
import type * as PdfJs from 'pdfjs-dist/legacy/build/pdf.mjs';
import { checkXmlText, parseXml, textOf } from './xml.ts';
import { errorText, latin1, memo } from './source.ts';
import type { FileSample, RangeOpener } from './sample.ts';

export interface PdfOptions {
  /** Pages loaded and text-extracted (default 1000; the rest are counted only). */
  maxPages?: number;
  /** Gives up on a PDF that takes longer (default 60 s). */
  timeoutMs?: number;
  /** Worker threads to run pdf.js on (files kept whole only); without one, pdf.js runs on this thread. */
  pdfPool?: PdfRunner;
}

/** Runs the analysis of a whole PDF elsewhere (a worker thread); see pdf-pool.ts. */
export interface PdfRunner {
  analyze(bytes: Uint8Array, options: { maxPages: number; timeoutMs: number }): Promise<PdfAnalysis>;
}

export type PdfAnalysis =
  | {
      opened: true;
      pages: number;
      pagesChecked: number;
      /** The first page that failed to load or give its text, with pdf.js's reason. */
      pageError?: string;
      encrypted: boolean;
      encryptFilter?: string;
      pdfVersion?: string;
      xmp?: string;
      pdfa?: PdfaClaim;
    }
  | { opened: false; reason: string; passwordRequired: boolean; tooLarge: boolean; encrypted: boolean };

export interface PdfaClaim {
  part: string;
  conformance?: string;
}

const PDFA_NS = 'http://www.aiim.org/pdfa/ns/id/';

export function analyzePdf(sample: FileSample, options: PdfOptions = {}): Promise<PdfAnalysis> {
  const maxPages = options.maxPages ?? 1000;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pool = options.pdfPool;
  return memo(sample, `pdf:${maxPages}`, () => (pool && sample.whole ? pool.analyze(sample.whole, { maxPages, timeoutMs }) : runPdfjs(sample, maxPages, timeoutMs)));
}

/**
 * pdf.js over bytes this thread owns (the pool's workers): no defensive copy, pdf.js may take
 * them. Same analysis as analyzePdf.
 */
export function analyzeOwnedPdf(bytes: Uint8Array, maxPages: number, timeoutMs: number): Promise<PdfAnalysis> {
  const tail = bytes.subarray(Math.max(0, bytes.byteLength - 128 * 1024));
  return runPdfjs({ size: bytes.byteLength, head: bytes, tail, whole: bytes }, maxPages, timeoutMs, true);
}

type PdfJsModule = typeof PdfJs;
let loaded: Promise<{ pdfjs: PdfJsModule; RangeTransport: ReturnType<typeof rangeTransportClass> }> | undefined;
function loadPdfjs() {
  loaded ??= import('pdfjs-dist/legacy/build/pdf.mjs').then((pdfjs) => ({ pdfjs, RangeTransport: rangeTransportClass(pdfjs) }));
  return loaded;
}

function rangeTransportClass(pdfjs: PdfJsModule) {
  return class RangeTransport extends pdfjs.PDFDataRangeTransport {
    openRange: RangeOpener;
    failed: ((err: unknown) => void) | undefined;
    constructor(length: number, initial: Uint8Array, openRange: RangeOpener) {
      super(length, initial);
      this.openRange = openRange;
    }
    override requestDataRange(begin: number, end: number): void {
      this.openRange(begin, end).then(
        (chunk) => this.onDataRange(begin, chunk),
        (err: unknown) => this.failed?.(err),
      );
    }
  };
}

/**
 * One pdf.js worker (in Node a "fake" one, on this thread) shared by every document: setting one
 * up per document cost ~15% of a small PDF's check. Destroying a document leaves it running.
 */
let sharedWorker: PdfJs.PDFWorker | undefined;
function pdfWorker(pdfjs: PdfJsModule): PdfJs.PDFWorker {
  if (!sharedWorker || sharedWorker.destroyed) sharedWorker = new pdfjs.PDFWorker({ verbosity: 0 });
  return sharedWorker;
}

async function runPdfjs(sample: FileSample, maxPages: number, timeoutMs: number, owned = false): Promise<PdfAnalysis> {
  const rawEncrypt = hasTrailerEncrypt(sample.tail);
  const { pdfjs, RangeTransport } = await loadPdfjs();
  const common = {
    verbosity: 0,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    useWorkerFetch: false,
    stopAtErrors: false,
    worker: pdfWorker(pdfjs),
  };
  let params: Parameters<typeof pdfjs.getDocument>[0];
  let transport: InstanceType<typeof RangeTransport> | undefined;
  if (sample.whole) {
    // a plain copy: pdf.js refuses Buffers and may take ownership (bytes the caller hands over are not copied)
    const owns = owned && !Buffer.isBuffer(sample.whole) && sample.whole.byteOffset === 0 && sample.whole.byteLength === sample.whole.buffer.byteLength;
    params = { ...common, data: owns ? sample.whole : new Uint8Array(sample.whole) };
  } else if (sample.openRange) {
    transport = new RangeTransport(sample.size, new Uint8Array(sample.head), sample.openRange);
    params = { ...common, range: transport, length: sample.size, disableAutoFetch: true, disableStream: true, rangeChunkSize: 65_536 };
  } else {
    return { opened: false, reason: '文件过大且无法随机读取，未打开（too large to open）', passwordRequired: false, tooLarge: true, encrypted: rawEncrypt };
  }
  let task: ReturnType<typeof pdfjs.getDocument>;
  try {
    task = pdfjs.getDocument(params);
  } catch (err) {
    return { opened: false, reason: `PDF 无法打开（pdf.js）: ${errorText(err)}`, passwordRequired: false, tooLarge: false, encrypted: rawEncrypt };
  }
  let timer: NodeJS.Timeout | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`PDF 解析超时（timed out after ${timeoutMs} ms）`)), timeoutMs);
    if (transport) transport.failed = reject;
  });
  try {
    const work = (async (): Promise<PdfAnalysis> => {
      const doc = await task.promise;
      const pages = doc.numPages;
      const limit = Math.min(pages, maxPages);
      let pageError: string | undefined;
      let pagesChecked = 0;
      for (let i = 1; i <= limit; i++) {
        try {
          const page = await doc.getPage(i);
          await page.getTextContent();
          page.cleanup();
          pagesChecked++;
        } catch (err) {
          pageError = `第 ${i} 页无法读取（page ${i}）: ${errorText(err)}`;
          break;
        }
      }
      const meta = await doc.getMetadata().catch(() => undefined);
      const info = (meta?.info ?? {}) as Record<string, unknown>;
      const encryptFilter = typeof info.EncryptFilterName === 'string' ? info.EncryptFilterName : undefined;
      const xmp = meta?.metadata?.getRaw();
      const result: PdfAnalysis = {
        opened: true,
        pages,
        pagesChecked,
        encrypted: encryptFilter !== undefined || rawEncrypt,
      };
      if (pageError) result.pageError = pageError;
      if (encryptFilter) result.encryptFilter = encryptFilter;
      if (typeof info.PDFFormatVersion === 'string') result.pdfVersion = info.PDFFormatVersion;
      if (typeof xmp === 'string') {
        result.xmp = xmp;
        const claim = pdfaClaimFromXmp(xmp);
        if (claim) result.pdfa = claim;
      }
      return result;
    })();
    return await Promise.race([work, stop]);
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    const passwordRequired = name === 'PasswordException';
    return {
      opened: false,
      reason: passwordRequired ? `PDF 需要打开密码（password required）: ${errorText(err)}` : `PDF 无法打开（pdf.js）: ${errorText(err)}`,
      passwordRequired,
      tooLarge: false,
      encrypted: passwordRequired || rawEncrypt,
    };
  } finally {
    clearTimeout(timer);
    await task.destroy().catch(() => undefined);
  }
}

const ENCRYPT = Buffer.from('/Encrypt', 'latin1');
const ENCRYPT_ENTRY = /^\/Encrypt\s*(\d+\s+\d+\s+R|<<)/;
/** What a window cut short may still hold of an entry (only whitespace and digits so far). */
const ENCRYPT_CUT = /^\/Encrypt\s*(\d+\s*(\d+\s*)?)?$/;

/**
 * A trailer or cross-reference-stream dictionary with /Encrypt in the file's last bytes. The bytes
 * are searched, not turned into a string: the tail may be megabytes, checked for every PDF.
 */
export function hasTrailerEncrypt(tail: Uint8Array): boolean {
  const b = Buffer.from(tail.buffer, tail.byteOffset, tail.byteLength);
  for (let i = b.indexOf(ENCRYPT); i >= 0; i = b.indexOf(ENCRYPT, i + 1)) {
    for (let w = 256; ; w *= 4) {
      const s = latin1(b.subarray(i, i + w));
      if (ENCRYPT_ENTRY.test(s)) return true;
      if (i + w >= b.byteLength || !ENCRYPT_CUT.test(s)) break;
    }
  }
  return false;
}

/** The PDF/A identification (pdfaid:part, pdfaid:conformance) in element or attribute form. */
export function pdfaClaimFromXmp(xmp: string): PdfaClaim | undefined {
  const text = xmp.replace(/^\uFEFF/, '');
  if (!checkXmlText(text).ok) return undefined;
  let tree: Record<string, unknown>;
  try {
    tree = parseXml(text);
  } catch {
    return undefined;
  }
  const prefixes = new Set<string>(['pdfaid']);
  collectPrefixes(tree, prefixes);
  let part: string | undefined;
  let conformance: string | undefined;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      const attr = key.startsWith('@_');
      const name = attr ? key.slice(2) : key;
      const colon = name.indexOf(':');
      if (colon > 0 && prefixes.has(name.slice(0, colon))) {
        const local = name.slice(colon + 1).toLowerCase();
        const v = textOf(Array.isArray(value) ? value[0] : value)?.trim();
        if (local === 'part' && v && part === undefined) part = v;
        if (local === 'conformance' && v && conformance === undefined) conformance = v;
      }
      if (!attr) visit(value);
    }
  };
  visit(tree);
  if (!part || !/^\d$/.test(part)) return undefined;
  return conformance ? { part, conformance: conformance.toLowerCase() } : { part };
}

function collectPrefixes(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) return node.forEach((n) => collectPrefixes(n, out));
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key.startsWith('@_xmlns:') && typeof value === 'string' && value.trim() === PDFA_NS) out.add(key.slice(8));
    else if (!key.startsWith('@_')) collectPrefixes(value, out);
  }
}

/** The PDF/A format name for a claim: 'PDF/A-2b', 'PDF/A-4'. */
export function pdfaName(claim: PdfaClaim): string {
  return `PDF/A-${claim.part}${claim.conformance ?? ''}`;
}

const XMP_OPEN = Buffer.from('<x:xmpmeta', 'latin1');
const XMP_CLOSE = Buffer.from('</x:xmpmeta>', 'latin1');

/** Scans raw bytes for an uncompressed XMP packet (used when pdf.js cannot open the file or finds none). */
export function xmpFromBytes(...parts: Uint8Array[]): string | undefined {
  for (const p of parts) {
    const b = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    const start = b.indexOf(XMP_OPEN);
    if (start < 0) continue;
    const end = b.indexOf(XMP_CLOSE, start);
    if (end >= 0) return b.subarray(start, end + XMP_CLOSE.byteLength).toString('utf8');
  }
  return undefined;
}
