// Images: JPEG, PNG and TIFF headers decode (dimensions, structure, data within the file) and the
// resolution they declare — JFIF density, EXIF/TIFF X/YResolution with ResolutionUnit, PNG pHYs —
// for the 数字化 profile (GD-1-5). Small hand-written parsers over a ByteSource.
import { createInflate, crc32 } from 'node:zlib';
import { Broken, byteSource, memo, need, Unreachable, type ByteSource } from './source.ts';
import { fail, pass, skip, type FormatCheckResult } from './result.ts';
import type { FileSample } from './sample.ts';

export interface Resolution {
  xDpi: number;
  yDpi: number;
  /** Where it was read: 'JFIF', 'EXIF', 'pHYs' or 'TIFF'. */
  source: string;
}

export interface ImageInfo {
  format: 'JPEG' | 'PNG' | 'TIFF';
  width: number;
  height: number;
  resolution?: Resolution;
  [k: string]: unknown;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;
const u16 = (b: Uint8Array, o: number, le = false): number => (le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1]);
const u32 = (b: Uint8Array, o: number, le = false): number =>
  le ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000 : b[o] * 0x1000000 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);

// ---------------------------------------------------------------- TIFF / EXIF

type TagValues = Map<number, number[]>;
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8 };

/** Reads the numeric tags of one IFD; `base` is where the TIFF header starts in the source. */
async function readIfd(src: ByteSource, base: number, le: boolean, offset: number, limit: number): Promise<{ tags: TagValues; next: number }> {
  if (offset < 8 || base + offset + 2 > limit) throw new Broken(`IFD 偏移 ${offset} 无效`);
  const count = u16(await need(src, base + offset, 2, 'IFD '), 0, le);
  if (count === 0 || count > 4096) throw new Broken(`IFD 条目数 ${count} 无效`);
  const body = await need(src, base + offset + 2, count * 12 + 4, 'IFD ');
  if (base + offset + 2 + count * 12 + 4 > limit) throw new Broken('IFD 超出范围');
  const tags: TagValues = new Map();
  for (let i = 0; i < count; i++) {
    const e = i * 12;
    const tag = u16(body, e, le);
    const type = u16(body, e + 2, le);
    const n = u32(body, e + 4, le);
    const size = TYPE_SIZE[type];
    if (!size || n === 0 || type === 2 || type === 7) continue;
    const total = size * n;
    if (total > 1 << 24) throw new Broken(`标签 ${tag} 过大`);
    let bytes: Uint8Array;
    if (total <= 4) bytes = body.subarray(e + 8, e + 8 + total);
    else {
      const at = u32(body, e + 8, le);
      if (base + at + total > limit) throw new Broken(`标签 ${tag} 的数据超出范围`);
      bytes = await need(src, base + at, total, `标签 ${tag} `);
    }
    const values: number[] = [];
    for (let k = 0; k < n; k++) {
      const o = k * size;
      if (type === 3 || type === 8) values.push(u16(bytes, o, le));
      else if (type === 4 || type === 9) values.push(u32(bytes, o, le));
      else if (type === 5 || type === 10) {
        const den = u32(bytes, o + 4, le);
        values.push(den === 0 ? NaN : u32(bytes, o, le) / den);
      } else if (type === 1 || type === 6) values.push(bytes[o]);
      else if (type === 11) values.push(new DataView(bytes.buffer, bytes.byteOffset + o, 4).getFloat32(0, le));
      else if (type === 12) values.push(new DataView(bytes.buffer, bytes.byteOffset + o, 8).getFloat64(0, le));
    }
    tags.set(tag, values);
  }
  return { tags, next: u32(body, count * 12, le) };
}

function tiffResolution(tags: TagValues, source: string): Resolution | undefined {
  const x = tags.get(282)?.[0];
  const y = tags.get(283)?.[0] ?? x;
  const unit = tags.get(296)?.[0] ?? 2;
  if (x === undefined || y === undefined || !(x > 0) || !(y > 0) || unit === 1) return undefined;
  const f = unit === 3 ? 2.54 : 1;
  return { xDpi: round2(x * f), yDpi: round2(y * f), source };
}

async function tiffHeader(src: ByteSource, base: number): Promise<{ le: boolean; ifd0: number }> {
  const h = await need(src, base, 8, 'TIFF 头');
  const le = h[0] === 0x49 && h[1] === 0x49;
  if (!le && !(h[0] === 0x4d && h[1] === 0x4d)) throw new Broken('TIFF 字节序标记无效');
  const magic = u16(h, 2, le);
  if (magic === 43) throw new Unreachable('BigTIFF');
  if (magic !== 42) throw new Broken('TIFF 标识不是 42');
  return { le, ifd0: u32(h, 4, le) };
}

async function parseTiff(src: ByteSource): Promise<ImageInfo> {
  const { le, ifd0 } = await tiffHeader(src, 0);
  let offset = ifd0;
  const seen = new Set<number>();
  let first: { width: number; height: number; resolution?: Resolution } | undefined;
  let pages = 0;
  while (offset !== 0) {
    if (seen.has(offset) || seen.size >= 10_000) throw new Broken('IFD 链循环');
    seen.add(offset);
    const { tags, next } = await readIfd(src, 0, le, offset, src.size);
    const width = tags.get(256)?.[0] ?? 0;
    const height = tags.get(257)?.[0] ?? 0;
    if (!(width > 0 && height > 0)) throw new Broken(`第 ${pages + 1} 个图像缺少宽度或高度`);
    const offsets = tags.get(273) ?? tags.get(324);
    const counts = tags.get(279) ?? tags.get(325);
    if (!offsets || !counts || offsets.length !== counts.length) throw new Broken(`第 ${pages + 1} 个图像缺少条带/分块数据（no strips or tiles）`);
    offsets.forEach((o, i) => {
      if (o + counts[i] > src.size) throw new Broken(`第 ${pages + 1} 个图像的数据超出文件末尾（file cut short）`);
    });
    if (!first) {
      first = { width, height };
      const r = tiffResolution(tags, 'TIFF');
      if (r) first.resolution = r;
    }
    pages++;
    offset = next;
  }
  if (!first) throw new Broken('TIFF 没有图像');
  return { format: 'TIFF', ...first, pages };
}

// ---------------------------------------------------------------- JPEG

async function parseJpeg(src: ByteSource, whole: Uint8Array | undefined, tail: Uint8Array): Promise<ImageInfo> {
  const soi = await need(src, 0, 2, 'JPEG 头');
  if (soi[0] !== 0xff || soi[1] !== 0xd8) throw new Broken('缺少 JPEG 起始标记 SOI');
  let pos = 2;
  let jfif: Resolution | undefined;
  let exif: Resolution | undefined;
  let frame: { width: number; height: number; components: number } | undefined;
  for (let n = 0; n < 100_000; n++) {
    const h = await need(src, pos, 4, 'JPEG 段头');
    if (h[0] !== 0xff) throw new Broken(`偏移 ${pos} 处不是 JPEG 标记`);
    const m = h[1];
    if (m === 0xff) { pos += 1; continue; } // fill byte
    if ((m >= 0xd0 && m <= 0xd7) || m === 0x01) { pos += 2; continue; }
    if (m === 0xd9) throw new Broken('在图像数据之前遇到 EOI');
    const len = u16(h, 2);
    if (len < 2) throw new Broken(`JPEG 段长度 ${len} 无效`);
    if (m === 0xda) {
      if (!frame) throw new Broken('扫描数据之前没有帧头 SOF');
      break;
    }
    const isSof = m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
    if (isSof || m === 0xe0 || m === 0xe1) {
      const seg = await need(src, pos + 4, len - 2, 'JPEG 段');
      if (isSof) {
        if (seg.length < 6) throw new Broken('SOF 段过短');
        frame = { height: u16(seg, 1), width: u16(seg, 3), components: seg[5] };
        if (frame.width === 0 || frame.components < 1 || frame.components > 4) throw new Broken('SOF 中的尺寸或分量数无效');
      } else if (m === 0xe0 && seg.length >= 12 && latin(seg, 0, 5) === 'JFIF\0') {
        const units = seg[7];
        const x = u16(seg, 8);
        const y = u16(seg, 10);
        if (units !== 0 && x > 0 && y > 0) {
          const f = units === 2 ? 2.54 : 1;
          jfif = { xDpi: round2(x * f), yDpi: round2(y * f), source: 'JFIF' };
        }
      } else if (m === 0xe1 && seg.length >= 14 && latin(seg, 0, 6) === 'Exif\0\0') {
        exif = await exifResolution(src, pos + 4 + 6, pos + 4 + len - 2).catch(() => undefined);
      }
    }
    pos += 2 + len;
  }
  if (!frame) throw new Broken('没有找到 JPEG 帧头');
  let trailingBytes = 0;
  if (whole) {
    // Walk the entropy-coded data (and any further scans) to the first EOI; bytes after it (a
    // phone's motion-photo video, say) are reported, not failed.
    const eoi = findEoi(whole, pos);
    if (eoi < 0) throw new Broken('JPEG 缺少结束标记 EOI（file cut short）');
    trailingBytes = whole.length - (eoi + 2);
  } else {
    let end = tail.length;
    while (end > 0 && tail[end - 1] === 0) end--;
    if (end < 2 || tail[end - 2] !== 0xff || tail[end - 1] !== 0xd9) throw new Broken('JPEG 缺少结束标记 EOI（file cut short）');
  }
  const info: ImageInfo = { format: 'JPEG', width: frame.width, height: frame.height, components: frame.components };
  if (trailingBytes > 0) info.trailingBytes = trailingBytes;
  const resolution = jfif ?? exif;
  if (resolution) info.resolution = resolution;
  return info;
}

/** Offset of the EOI marker, scanning from the first SOS segment at `pos`; -1 when the data ends first. */
function findEoi(b: Uint8Array, pos: number): number {
  let i = pos;
  while (i + 1 < b.length) {
    const m = b[i + 1];
    if (b[i] !== 0xff) {
      i = b.indexOf(0xff, i + 1);
      if (i < 0) return -1;
      continue;
    }
    if (m === 0xd9) return i;
    if (m === 0x00 || m === 0xff || (m >= 0xd0 && m <= 0xd7)) {
      i += m === 0xff ? 1 : 2;
      continue;
    }
    // A marker segment between scans (DHT, SOS, DQT, DRI, …): skip its header and keep scanning.
    if (i + 4 > b.length) return -1;
    i += 2 + ((b[i + 2] << 8) | b[i + 3]);
  }
  return -1;
}

async function exifResolution(src: ByteSource, base: number, limit: number): Promise<Resolution | undefined> {
  const { le, ifd0 } = await tiffHeader(src, base);
  const { tags } = await readIfd(src, base, le, ifd0, limit);
  return tiffResolution(tags, 'EXIF');
}

const latin = (b: Uint8Array, start: number, end: number): string => String.fromCharCode(...b.subarray(start, end));

// ---------------------------------------------------------------- PNG

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

async function parsePng(src: ByteSource, whole: Uint8Array | undefined, tail: Uint8Array, maxInflate: number): Promise<ImageInfo> {
  const sig = await need(src, 0, 8, 'PNG 签名');
  if (PNG_SIG.some((v, i) => sig[i] !== v)) throw new Broken('PNG 签名无效');
  const ihdr = await need(src, 8, 25, 'IHDR');
  if (u32(ihdr, 0) !== 13 || latin(ihdr, 4, 8) !== 'IHDR') throw new Broken('第一个数据块不是 IHDR（broken header）');
  if (crc32(ihdr.subarray(4, 21)) !== u32(ihdr, 21)) throw new Broken('IHDR 校验和（CRC）错误（broken header）');
  const width = u32(ihdr, 8);
  const height = u32(ihdr, 12);
  const depth = ihdr[16];
  const colour = ihdr[17];
  const interlace = ihdr[20];
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) throw new Broken('PNG 尺寸无效');
  if (!DEPTHS[colour]?.includes(depth) || ihdr[18] !== 0 || ihdr[19] !== 0 || interlace > 1) throw new Broken('IHDR 中的颜色类型、位深或方法无效');
  const info: ImageInfo = { format: 'PNG', width, height, bitDepth: depth, colourType: colour };

  let pos = 33;
  let sawIdat = false;
  const idat: Uint8Array[] = [];
  for (let n = 0; n < 10_000_000 && pos < src.size; n++) {
    const head = whole ? whole.subarray(pos, pos + 8) : await src.read(pos, pos + 8);
    if (head === undefined) break; // not reachable: the remaining checks use the tail
    if (head.length < 8) throw new Broken('PNG 数据块头不完整（file cut short）');
    const len = u32(head, 0);
    const type = latin(head, 4, 8);
    if (!/^[A-Za-z]{4}$/.test(type)) throw new Broken(`偏移 ${pos} 处数据块类型无效`);
    if (pos + 12 + len > src.size) throw new Broken(`数据块 ${type} 超出文件末尾（file cut short）`);
    if (whole) {
      if (crc32(whole.subarray(pos + 4, pos + 8 + len)) !== u32(whole, pos + 8 + len)) throw new Broken(`数据块 ${type} 校验和（CRC）错误`);
      if (type === 'IDAT') idat.push(whole.subarray(pos + 8, pos + 8 + len));
    }
    if (type === 'pHYs' && !sawIdat && len === 9) {
      const p = whole ? whole.subarray(pos + 8, pos + 17) : await src.read(pos + 8, pos + 17);
      if (p && p[8] === 1 && u32(p, 0) > 0 && u32(p, 4) > 0)
        info.resolution = { xDpi: round2(u32(p, 0) * 0.0254), yDpi: round2(u32(p, 4) * 0.0254), source: 'pHYs' };
    }
    if (type === 'IDAT') sawIdat = true;
    if (type === 'IEND') {
      pos += 12 + len;
      break;
    }
    if (!whole && sawIdat) break; // without the whole file, stop at the image data and use the tail
    pos += 12 + len;
  }
  const iend = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
  if (tail.length < 12 || iend.some((v, i) => tail[tail.length - 12 + i] !== v)) throw new Broken('PNG 缺少结束块 IEND（file cut short）');
  if (whole) {
    if (idat.length === 0) throw new Broken('PNG 没有图像数据 IDAT');
    const expected = pngRawSize(width, height, CHANNELS[colour] * depth, interlace === 1);
    if (expected <= maxInflate) {
      const got = await inflatedSize(idat, expected + 1);
      if (got !== expected) throw new Broken(`PNG 图像数据解压后为 ${got} 字节，应为 ${expected}（image data incomplete）`);
      info.pixelsChecked = true;
    }
  }
  return info;
}

function pngRawSize(w: number, h: number, bits: number, interlaced: boolean): number {
  const rows = (pw: number, ph: number): number => (pw === 0 || ph === 0 ? 0 : ph * (1 + Math.ceil((pw * bits) / 8)));
  if (!interlaced) return rows(w, h);
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
  return passes.reduce((sum, [x0, y0, dx, dy]) => sum + rows(Math.max(0, Math.ceil((w - x0) / dx)), Math.max(0, Math.ceil((h - y0) / dy))), 0);
}

/** Inflates the zlib stream and counts its bytes without keeping them; stops past `cap`. */
function inflatedSize(parts: Uint8Array[], cap: number): Promise<number> {
  return new Promise((resolve) => {
    const inflate = createInflate();
    let total = 0;
    let done = false;
    const finish = (n: number): void => {
      if (done) return;
      done = true;
      inflate.destroy();
      resolve(n);
    };
    inflate.on('data', (c: Buffer) => {
      total += c.byteLength;
      if (total > cap) finish(total);
    });
    inflate.on('end', () => finish(total));
    inflate.on('error', () => finish(-1));
    for (const p of parts) inflate.write(p);
    inflate.end();
  });
}

// ---------------------------------------------------------------- public

export interface ImageOptions {
  /** Largest decoded PNG (bytes) whose pixel data is inflated to check it is complete (default 256 MiB). */
  maxInflate?: number;
}

type Parsed = { ok: true; info: ImageInfo } | { ok: false; broken: boolean; reason: string };

function parseImage(sample: FileSample, format: string, options: ImageOptions = {}): Promise<Parsed> {
  return memo(sample, `image:${format}`, async () => {
    const src = byteSource(sample);
    try {
      const info =
        format === 'JPEG' ? await parseJpeg(src, sample.whole, sample.tail)
        : format === 'PNG' ? await parsePng(src, sample.whole, sample.tail, options.maxInflate ?? 256 * 1024 * 1024)
        : format === 'TIFF' ? await parseTiff(src)
        : undefined;
      if (!info) return { ok: false, broken: false, reason: `不是可检查的图像格式 ${format}` };
      return { ok: true, info };
    } catch (err) {
      if (err instanceof Broken) return { ok: false, broken: true, reason: err.message };
      if (err instanceof Unreachable) return { ok: false, broken: false, reason: `图像过大且无法随机读取，未完整检查（too large to open: ${err.message}）` };
      return { ok: false, broken: false, reason: String(err) };
    }
  });
}

/** GD-3-4 for JPEG, PNG, TIFF. */
export async function checkImageReadable(sample: FileSample, format: string, options: ImageOptions = {}): Promise<FormatCheckResult<ImageInfo>> {
  const r = await parseImage(sample, format, options);
  if (r.ok) return pass(r.info);
  return r.broken ? fail('3-4', `${format} 图像无法读取：${r.reason}`) : skip('3-4', r.reason);
}

/** The resolution the image declares, in dots per inch; undefined when it declares none (or is not an image). */
export async function imageResolution(sample: FileSample, format?: string): Promise<Resolution | undefined> {
  const f = format ?? sniffImage(sample.head);
  if (!f) return undefined;
  const r = await parseImage(sample, f);
  return r.ok ? r.info.resolution : undefined;
}

export function sniffImage(head: Uint8Array): 'JPEG' | 'PNG' | 'TIFF' | undefined {
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'JPEG';
  if (PNG_SIG.every((v, i) => head[i] === v)) return 'PNG';
  if ((head[0] === 0x49 && head[1] === 0x49 && head[2] === 42 && head[3] === 0) || (head[0] === 0x4d && head[1] === 0x4d && head[2] === 0 && head[3] === 42)) return 'TIFF';
  return undefined;
}

/**
 * GD-1-5 for digitised records: the recorded 扫描分辨率 (e.g. '300', '300dpi', '300×300') equals
 * the image's own resolution (±`tolerance` dpi) and reaches `minDpi` (default 200).
 */
export async function checkScanResolution(
  sample: FileSample,
  recorded: string | number | undefined,
  options: { minDpi?: number; tolerance?: number; format?: string } = {},
): Promise<FormatCheckResult<Resolution>> {
  const minDpi = options.minDpi ?? 200;
  const tolerance = options.tolerance ?? 1;
  const res = await imageResolution(sample, options.format);
  if (!res) return fail('1-5', '图像未声明分辨率（no resolution in the image）', { expected: recorded === undefined ? `≥${minDpi} dpi` : String(recorded) });
  const actual = res.xDpi === res.yDpi ? `${res.xDpi} dpi` : `${res.xDpi}×${res.yDpi} dpi`;
  if (recorded !== undefined && String(recorded).trim() !== '') {
    const nums = String(recorded).match(/\d+(\.\d+)?/g)?.map(Number) ?? [];
    if (nums.length === 0) return fail('1-5', `著录的扫描分辨率“${recorded}”不是数值`, { expected: actual, actual: String(recorded) });
    const [rx, ry = rx] = nums;
    if (Math.abs(rx - res.xDpi) > tolerance || Math.abs(ry - res.yDpi) > tolerance)
      return fail('1-5', `著录的扫描分辨率 ${recorded} 与图像分辨率 ${actual} 不符`, { expected: String(recorded), actual });
  }
  if (Math.min(res.xDpi, res.yDpi) + tolerance < minDpi)
    return fail('1-5', `图像分辨率 ${actual} 低于最低要求 ${minDpi} dpi`, { expected: `≥${minDpi} dpi`, actual });
  return pass(res);
}
