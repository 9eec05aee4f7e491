// The format vocabulary: names as 格式信息 records them, the kinds that are never acceptable, the
// default format list of a profile, GD-1-10 (recorded vs detected vs extension) and GD-3-3.
import { fail, pass, skip, type FormatCheckResult } from './result.ts';

export type FormatKind = 'document' | 'image' | 'audio' | 'video' | 'archive' | 'executable' | 'script' | 'other';

export interface DetectedFormat {
  /** 'PDF', 'PDF/A-2b', 'OFD', 'JPEG', 'PNG', 'TIFF', 'XML', 'TXT', 'MP3', 'WAV', 'MP4', 'DOCX', 'ZIP', 'ELF', 'EXE', 'SCRIPT', 'EMPTY', 'UNKNOWN', … */
  format: string;
  mime: string;
  kind: FormatKind;
  /** PDF/A claim read from XMP (a claim, not a validation). */
  pdfa?: { part: string; conformance?: string };
  /** Text encoding for text formats. */
  encoding?: string;
  /** file-type's extension when it took part, for diagnostics. */
  via?: string;
}

/** Kinds never acceptable as archival content, whatever a profile's list says (GD-3-3). */
export const NEVER_ALLOWED_KINDS: readonly FormatKind[] = ['executable', 'script', 'archive'];

/**
 * The default format list of the 文书/数字化 profiles: long-term formats for documents, images,
 * audio and video. 'PDF' admits PDF/A of any level; 'PDF/A' admits any PDF/A level; 'PDF/A-2'
 * admits PDF/A-2a/b/u.
 */
export const DEFAULT_FORMATS: readonly string[] = ['OFD', 'PDF', 'JPEG', 'TIFF', 'PNG', 'XML', 'TXT', 'MP3', 'WAV', 'MP4'];

const ALIASES: Record<string, string> = {
  JPG: 'JPEG', JPE: 'JPEG', JFIF: 'JPEG', TIF: 'TIFF', 'MPEG-4': 'MP4', MPEG4: 'MP4', TEXT: 'TXT', WAVE: 'WAV',
  'PDF/A': 'PDF/A', PDFA: 'PDF/A',
};

/** Upper-case canonical form: 'pdf/a-2B' → 'PDF/A-2B', 'jpg' → 'JPEG', 'PDFA-2b' → 'PDF/A-2B'. */
export function canonicalFormat(name: string): string {
  let n = name.trim().toUpperCase().replace(/\s+/g, '');
  n = n.replace(/^PDF\/?A[-_]?(\d)/, 'PDF/A-$1');
  return ALIASES[n] ?? n;
}

/** Does the recorded or listed name `want` admit the detected format `got` (both canonical)? */
function admits(want: string, got: string): boolean {
  if (want === got) return true;
  if (want === 'PDF') return got.startsWith('PDF/A-'); // every PDF/A is a PDF
  if (want === 'PDF/A') return got.startsWith('PDF/A-');
  if (/^PDF\/A-\d$/.test(want)) return got.startsWith(want) && got.length === want.length + 1;
  if (want === 'TXT') return got === 'XML'; // XML is text
  return false;
}

/** File extensions that may carry each detected format (lower case, no dot). */
const EXTENSIONS: Record<string, string[]> = {
  PDF: ['pdf'], OFD: ['ofd'], JPEG: ['jpg', 'jpeg', 'jpe', 'jfif'], PNG: ['png'], TIFF: ['tif', 'tiff'],
  XML: ['xml'], TXT: ['txt'], MP3: ['mp3'], WAV: ['wav'], MP4: ['mp4', 'm4v', 'm4a'], DOCX: ['docx'],
  XLSX: ['xlsx'], PPTX: ['pptx'], ZIP: ['zip'], HTML: ['html', 'htm'],
};

function extensionsFor(format: string): string[] | undefined {
  return format.startsWith('PDF/A-') ? EXTENSIONS.PDF : EXTENSIONS[format];
}

/**
 * GD-1-10: the recorded 格式信息 agrees with the detected format, and the file name's extension
 * with what the content is. Case-insensitive. 'PDF/A-2b' recorded on a plain PDF is a mismatch;
 * 'PDF' recorded on a PDF/A is a match.
 */
export function formatMatches(recorded: string | undefined, detected: DetectedFormat, fileName: string): FormatCheckResult<{ format: string }> {
  const got = canonicalFormat(detected.format);
  if (got === 'EMPTY') return skip('1-10', '空文件，无法识别格式（empty file）');
  if (recorded !== undefined && recorded.trim() !== '') {
    const want = canonicalFormat(recorded);
    if (!admits(want, got))
      return fail('1-10', `著录的格式信息“${recorded}”与检测到的格式 ${detected.format} 不符（recorded format differs from content）`, {
        expected: recorded,
        actual: detected.format,
      });
  }
  const dot = fileName.lastIndexOf('.');
  const ext = dot > 0 && dot > fileName.lastIndexOf('/') ? fileName.slice(dot + 1).toLowerCase() : '';
  const allowed = extensionsFor(got);
  if (allowed && !allowed.includes(ext))
    return fail('1-10', `文件扩展名“${ext ? '.' + ext : '（无）'}”与内容格式 ${detected.format} 不符（extension does not match the content）`, {
      expected: allowed.map((e) => '.' + e).join(' '),
      actual: ext ? '.' + ext : '',
    });
  return pass({ format: detected.format });
}

/** GD-3-3: the detected format is on the list, and is never an executable, a script or an archive. */
export function isFormatAllowed(detected: DetectedFormat, list: readonly string[] = DEFAULT_FORMATS): boolean {
  if (NEVER_ALLOWED_KINDS.includes(detected.kind)) return false;
  const got = canonicalFormat(detected.format);
  return list.some((w) => admits(canonicalFormat(w), got));
}

/** GD-3-3 as a result with a reason. */
export function checkFormatAllowed(detected: DetectedFormat, list: readonly string[] = DEFAULT_FORMATS): FormatCheckResult<{ format: string }> {
  if (isFormatAllowed(detected, list)) return pass({ format: detected.format });
  const why = NEVER_ALLOWED_KINDS.includes(detected.kind)
    ? `${KIND_NAMES[detected.kind]}不允许作为归档内容`
    : '不在允许的格式清单中';
  return fail('3-3', `格式 ${detected.format}：${why}（format not allowed）`, { expected: list.join(', '), actual: detected.format });
}

const KIND_NAMES: Record<FormatKind, string> = {
  document: '文档', image: '图像', audio: '音频', video: '视频', archive: '压缩包（嵌套）',
  executable: '可执行程序', script: '脚本', other: '其他格式',
};
