// Audio and video structure: MP3 (ID3 tags, then consecutive valid MPEG audio frames), WAV
// (RIFF/WAVE with fmt and data chunks inside the file), MP4 (ftyp first, a moov box with mvhd,
// top-level boxes ending within the file; moov may sit at the end). Header walking over a ByteSource.
import { Broken, byteSource, need, Unreachable, type ByteSource } from './source.ts';
import { fail, pass, skip, type FormatCheckResult } from './result.ts';
import type { FileSample } from './sample.ts';

const u32be = (b: Uint8Array, o: number): number => b[o] * 0x1000000 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
const u32le = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
const u16le = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8);
const ascii = (b: Uint8Array, s: number, e: number): string => String.fromCharCode(...b.subarray(s, e));

// ---------------------------------------------------------------- MP3

const BITRATES: Record<string, number[]> = {
  // kbit/s by index 1..14 for (version 1 | 2/2.5) and layer
  '1-1': [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** Length in bytes of the MPEG audio frame whose header is at b[o], or 0 if it is not a valid header. */
export function mpegFrameLength(b: Uint8Array, o: number): { length: number; sampleRate: number; bitrate: number } | undefined {
  if (b[o] !== 0xff || (b[o + 1] & 0xe0) !== 0xe0) return undefined;
  const version = (b[o + 1] >> 3) & 3; // 3: MPEG1, 2: MPEG2, 0: MPEG2.5, 1 reserved
  const layerBits = (b[o + 1] >> 1) & 3; // 3: layer I, 2: II, 1: III
  const brIndex = b[o + 2] >> 4;
  const srIndex = (b[o + 2] >> 2) & 3;
  const padding = (b[o + 2] >> 1) & 1;
  if (version === 1 || layerBits === 0 || brIndex === 0 || brIndex === 15 || srIndex === 3) return undefined;
  const layer = 4 - layerBits;
  const bitrate = BITRATES[`${version === 3 ? 1 : 2}-${layer}`][brIndex - 1] * 1000;
  const sampleRate = RATES[version][srIndex];
  let length: number;
  if (layer === 1) length = (Math.floor((12 * bitrate) / sampleRate) + padding) * 4;
  else if (layer === 3 && version !== 3) length = Math.floor((72 * bitrate) / sampleRate) + padding;
  else length = Math.floor((144 * bitrate) / sampleRate) + padding;
  return { length, sampleRate, bitrate };
}

async function parseMp3(src: ByteSource, whole: Uint8Array | undefined): Promise<Record<string, unknown>> {
  let pos = 0;
  let id3 = 0;
  for (;;) {
    const h = await need(src, pos, 10, 'ID3 标签头');
    if (ascii(h, 0, 3) !== 'ID3') break;
    if (h[3] === 0xff || h[4] === 0xff || (h[6] | h[7] | h[8] | h[9]) & 0x80) throw new Broken('ID3 标签头无效');
    const size = (h[6] << 21) | (h[7] << 14) | (h[8] << 7) | h[9];
    pos += 10 + size + (h[5] & 0x10 ? 10 : 0);
    id3++;
    if (pos >= src.size) throw new Broken('只有 ID3 标签，没有音频帧（no audio frames）');
  }
  // Some encoders pad after the tag: look for two consecutive valid frames within 64 KiB.
  const window = await need(src, pos, Math.min(65_536 + 4, src.size - pos), '音频数据');
  for (let i = 0; i + 4 <= window.length; i++) {
    const f = mpegFrameLength(window, i);
    if (!f) continue;
    const next = pos + i + f.length;
    if (next === src.size) return { id3Tags: id3, sampleRate: f.sampleRate, bitrate: f.bitrate, frames: 1 };
    if (next + 4 > src.size) continue;
    const nb = i + f.length + 4 <= window.length ? window.subarray(i + f.length, i + f.length + 4) : await need(src, next, 4, '音频帧');
    if (mpegFrameLength(nb, 0)) {
      const frames = whole ? walkFrames(whole, pos + i) : undefined;
      return { id3Tags: id3, sampleRate: f.sampleRate, bitrate: f.bitrate, firstFrameAt: pos + i, ...(frames ? { frames } : {}) };
    }
  }
  throw new Broken('没有找到有效的 MPEG 音频帧（no valid MPEG audio frame）');
}

/** Walks every frame of a file kept whole; only known tags (ID3v1, APE, Lyrics3) may follow the last frame. */
function walkFrames(b: Uint8Array, start: number): number {
  let pos = start;
  let frames = 0;
  while (pos + 4 <= b.length) {
    const f = mpegFrameLength(b, pos);
    if (!f) break;
    if (pos + f.length > b.length) throw new Broken(`第 ${frames + 1} 帧不完整（file cut short）`);
    pos += f.length;
    frames++;
  }
  const rest = ascii(b, pos, Math.min(b.length, pos + 8));
  if (pos < b.length && !/^(TAG|APETAGEX|LYRICS|ID3)/.test(rest))
    throw new Broken(`音频帧在偏移 ${pos} 处中断（invalid frame after ${frames} frames）`);
  return frames;
}

// ---------------------------------------------------------------- WAV

async function parseWav(src: ByteSource): Promise<Record<string, unknown>> {
  const h = await need(src, 0, 12, 'RIFF 头');
  if (ascii(h, 0, 4) !== 'RIFF' || ascii(h, 8, 12) !== 'WAVE') throw new Broken('不是 RIFF/WAVE 文件');
  const riffEnd = 8 + u32le(h, 4);
  if (riffEnd > src.size) throw new Broken(`RIFF 声明 ${riffEnd} 字节，文件只有 ${src.size} 字节（file cut short）`);
  let pos = 12;
  let fmt: { audioFormat: number; channels: number; sampleRate: number; bitsPerSample: number } | undefined;
  for (let n = 0; n < 100_000 && pos + 8 <= riffEnd; n++) {
    const c = await need(src, pos, 8, 'RIFF 块头');
    const id = ascii(c, 0, 4);
    const size = u32le(c, 4);
    if (pos + 8 + size > riffEnd) throw new Broken(`块 ${id.trim()} 超出文件末尾（file cut short）`);
    if (id === 'fmt ') {
      if (size < 16) throw new Broken('fmt 块过短');
      const f = await need(src, pos + 8, 16, 'fmt 块');
      fmt = { audioFormat: u16le(f, 0), channels: u16le(f, 2), sampleRate: u32le(f, 4), bitsPerSample: u16le(f, 14) };
      if (fmt.channels === 0 || fmt.sampleRate === 0) throw new Broken('fmt 块中声道数或采样率为 0');
    } else if (id === 'data') {
      if (!fmt) throw new Broken('data 块之前没有 fmt 块');
      return { ...fmt, dataBytes: size };
    }
    pos += 8 + size + (size & 1);
  }
  throw new Broken(fmt ? '缺少 data 块' : '缺少 fmt 块');
}

// ---------------------------------------------------------------- MP4

async function boxes(src: ByteSource, start: number, end: number, visit: (type: string, at: number, size: number, header: number) => Promise<boolean | void>): Promise<void> {
  let pos = start;
  for (let n = 0; n < 1_000_000 && pos < end; n++) {
    if (pos + 8 > end) throw new Broken('box 头不完整（file cut short）');
    const h = await need(src, pos, 8, 'box 头');
    let size = u32be(h, 0);
    const type = ascii(h, 4, 8);
    let header = 8;
    if (size === 1) {
      const l = await need(src, pos + 8, 8, 'box 大小');
      size = u32be(l, 0) * 0x100000000 + u32be(l, 4);
      header = 16;
    } else if (size === 0) size = end - pos;
    if (size < header) throw new Broken(`box ${type} 大小无效`);
    if (pos + size > end) throw new Broken(`box ${type} 超出文件末尾（file cut short）`);
    if ((await visit(type, pos, size, header)) === false) return;
    pos += size;
  }
}

async function parseMp4(src: ByteSource): Promise<Record<string, unknown>> {
  let first = true;
  let brand = '';
  let moov: { at: number; size: number; header: number } | undefined;
  const topLevel: string[] = [];
  await boxes(src, 0, src.size, async (type, at, size, header) => {
    if (first) {
      if (type !== 'ftyp') throw new Broken('第一个 box 不是 ftyp');
      brand = ascii(await need(src, at + header, 4, 'ftyp'), 0, 4);
      first = false;
    }
    if (topLevel.length < 64) topLevel.push(type);
    if (type === 'moov' && !moov) moov = { at, size, header };
  });
  if (!moov) throw new Broken('缺少 moov box（no movie header）');
  const m = moov;
  let mvhd = false;
  let tracks = 0;
  await boxes(src, m.at + m.header, m.at + m.size, async (type) => {
    if (type === 'mvhd') mvhd = true;
    if (type === 'trak') tracks++;
  });
  if (!mvhd) throw new Broken('moov 中缺少 mvhd');
  if (tracks === 0) throw new Broken('moov 中没有轨道（no tracks）');
  return { brand: brand.trim(), tracks, boxes: topLevel };
}

// ---------------------------------------------------------------- public

/** GD-3-4 for MP3, WAV and MP4. */
export async function checkMediaReadable(sample: FileSample, format: 'MP3' | 'WAV' | 'MP4'): Promise<FormatCheckResult> {
  const src = byteSource(sample);
  try {
    const info = format === 'MP3' ? await parseMp3(src, sample.whole) : format === 'WAV' ? await parseWav(src) : await parseMp4(src);
    return pass({ format, ...info });
  } catch (err) {
    if (err instanceof Broken) return fail('3-4', `${format} 文件无法读取：${err.message}`);
    if (err instanceof Unreachable) return skip('3-4', `${format} 文件过大且无法随机读取，未完整检查（too large to open: ${err.message}）`);
    return fail('3-4', `${format} 文件无法读取：${String(err)}`);
  }
}
