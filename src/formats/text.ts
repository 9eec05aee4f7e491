// Text content: the encoding (UTF-8, UTF-16 with BOM, GB18030), what kind of text it is (XML,
// HTML, a script, plain text) and whether the whole file decodes.
import { checkXmlText } from './xml.ts';
import { fail, pass, skip, type FormatCheckResult } from './result.ts';
import type { FileSample } from './sample.ts';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'gb18030';
export type TextKind = 'XML' | 'HTML' | 'SCRIPT' | 'TXT';

/** Decodes as text or returns undefined for binary data. `partial` tolerates a cut final character. */
export function decodeText(bytes: Uint8Array, partial: boolean): { encoding: TextEncoding; text: string } | undefined {
  const b = bytes;
  let encoding: TextEncoding | undefined;
  if (b[0] === 0xff && b[1] === 0xfe) encoding = 'utf-16le';
  else if (b[0] === 0xfe && b[1] === 0xff) encoding = 'utf-16be';
  if (encoding) {
    try {
      return { encoding, text: new TextDecoder(encoding, { fatal: true }).decode(b, { stream: partial }) };
    } catch {
      return undefined;
    }
  }
  if (b.includes(0)) return undefined;
  for (const enc of ['utf-8', 'gb18030'] as const) {
    try {
      const text = new TextDecoder(enc, { fatal: true }).decode(b, { stream: partial });
      if (/[\x01-\x08\x0e-\x1a\x1c-\x1f]/.test(text)) return undefined; // control characters: binary
      return { encoding: enc, text };
    } catch {
      // try the next encoding
    }
  }
  return undefined;
}

/**
 * Script markers, looked for at the very start of the file (shebang, PHP, a batch file's first
 * line) or at the start of a line within its first 4 KiB (VBScript, PowerShell, Python, Node).
 * A heuristic: plain prose that merely mentions such words mid-line stays text.
 */
const SCRIPT_START: RegExp[] = [/^#!/, /^\s*<\?php/i, /^\s*@?echo\s+(off|on)\b/i];
const SCRIPT_LINE: RegExp[] = [
  /^\s*(set|dim)\s+\w+\s*=\s*(WScript\.|CreateObject\s*\()/im,
  /^\s*WScript\.\w+/im,
  /^\s*(Invoke-Expression|Set-ExecutionPolicy|Invoke-WebRequest|Start-Process|\$\w+\s*=\s*New-Object)\b/im,
  /^\s*(import\s+(os|sys|subprocess)\s*$|from\s+\w+\s+import\s+\w+)/m,
  /^\s*(const|var|let)\s+\w+\s*=\s*require\s*\(\s*['"]child_process/m,
];

export function classifyText(text: string): TextKind {
  const t = text.replace(/^\uFEFF/, '');
  const first = t.slice(0, 4096);
  if (SCRIPT_START.some((re) => re.test(first)) || SCRIPT_LINE.some((re) => re.test(first))) return 'SCRIPT';
  const start = t.trimStart().slice(0, 200).toLowerCase();
  if (start.startsWith('<!doctype html') || start.startsWith('<html')) return 'HTML';
  if (start.startsWith('<?xml') || /^<[a-z_\u00c0-\uffff]/i.test(start)) return 'XML';
  return 'TXT';
}

/** GD-3-4 for TXT: the whole file decodes in one encoding; big files are decoded range by range. */
export async function checkTextReadable(sample: FileSample): Promise<FormatCheckResult> {
  const bad = fail('3-4', '文本无法按 UTF-8、UTF-16 或 GB18030 解码（text does not decode）');
  if (sample.whole) {
    const d = decodeText(sample.whole, false);
    return d ? pass({ encoding: d.encoding, characters: d.text.length }) : bad;
  }
  const h = decodeText(sample.head, true);
  if (!h) return bad;
  if (!sample.openRange) return skip('3-4', '文本过大且无法随机读取，只检查了开头（too large to open: only the head was decoded）');
  const decoder = new TextDecoder(h.encoding, { fatal: true });
  const step = 1024 * 1024;
  try {
    for (let at = 0; at < sample.size; at += step) {
      const chunk = await sample.openRange(at, Math.min(sample.size, at + step));
      if ((h.encoding === 'utf-8' || h.encoding === 'gb18030') && chunk.includes(0)) return bad;
      decoder.decode(chunk, { stream: true });
    }
    decoder.decode();
  } catch {
    return bad;
  }
  return pass({ encoding: h.encoding });
}

/** GD-3-4 for XML: well-formed, no DOCTYPE/ENTITY. */
export function checkXmlReadable(sample: FileSample): FormatCheckResult {
  if (!sample.whole) return skip('3-4', 'XML 文件过大，未完整解析（too large to parse）');
  const d = decodeText(sample.whole, false);
  if (!d) return fail('3-4', 'XML 文件无法解码（not decodable text）');
  const declared = /^\uFEFF?<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(d.text)?.[1]?.toLowerCase();
  if (declared && !sameEncoding(declared, d.encoding)) {
    // Re-decode with the declared encoding when it is one we know; refuse an undeclared mismatch.
    if (!(['gbk', 'gb2312', 'gb18030'].includes(declared) && d.encoding === 'utf-8' && isAscii(sample.whole)))
      return fail('3-4', `XML 声明的编码 ${declared} 与实际编码 ${d.encoding} 不符（encoding mismatch）`);
  }
  const r = checkXmlText(d.text.replace(/^\uFEFF/, ''));
  return r.ok ? pass({ encoding: d.encoding }) : fail('3-4', r.reason);
}

function sameEncoding(declared: string, actual: TextEncoding): boolean {
  if (declared === actual) return true;
  if (declared === 'utf8') return actual === 'utf-8';
  if (declared === 'utf-16') return actual === 'utf-16le' || actual === 'utf-16be';
  if (['gbk', 'gb2312', 'gb18030'].includes(declared)) return actual === 'gb18030';
  return false;
}

function isAscii(b: Uint8Array): boolean {
  for (const x of b) if (x > 0x7f) return false;
  return true;
}
