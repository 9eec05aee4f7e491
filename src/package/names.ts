// Entry names: decoding ZIP names (UTF-8 or GBK) and the safety rules every package path obeys.
import { crc32 } from 'node:zlib';
import { finding, type Finding } from '../checks/finding.ts';
import type { PackageLimits } from './limits.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const gbk = new TextDecoder('gbk', { fatal: true });

export type DecodedName = { ok: true; name: string } | { ok: false; message: string };

/**
 * A ZIP entry name: UTF-8 when bit 11 is set, else the Info-ZIP Unicode Path extra field (0x7075)
 * when its CRC matches the raw name, else GBK (what Windows tools in China write) — except a name
 * that is valid UTF-8 with non-ASCII bytes, which is UTF-8: Info-ZIP zip and macOS write UTF-8
 * without bit 11, and Chinese GBK text is almost never valid UTF-8 (its trail bytes are not
 * continuation bytes), so this reads both kinds of real archives correctly.
 */
export function decodeZipName(raw: Uint8Array, flags: number, extra: Uint8Array): DecodedName {
  if (flags & 0x800) {
    try {
      return { ok: true, name: utf8.decode(raw) };
    } catch {
      return { ok: false, message: '文件名声明为 UTF-8 但不是有效的 UTF-8 (name flagged UTF-8 is not valid UTF-8)' };
    }
  }
  const unicodePath = unicodePathField(raw, extra);
  if (unicodePath !== undefined) {
    try {
      return { ok: true, name: utf8.decode(unicodePath) };
    } catch {
      // fall back to the name field, as the Info-ZIP note says for an unusable extra field
    }
  }
  try {
    return { ok: true, name: utf8.decode(raw) };
  } catch {
    // not UTF-8: the GBK of Windows tools
  }
  try {
    return { ok: true, name: gbk.decode(raw) };
  } catch {
    return { ok: false, message: '文件名既非 UTF-8 标记也不是有效的 GBK (name is not valid GBK)' };
  }
}

function unicodePathField(raw: Uint8Array, extra: Uint8Array): Uint8Array | undefined {
  const view = Buffer.from(extra.buffer, extra.byteOffset, extra.byteLength);
  for (let i = 0; i + 4 <= view.length; ) {
    const id = view.readUInt16LE(i);
    const size = view.readUInt16LE(i + 2);
    const start = i + 4;
    if (start + size > view.length) return undefined;
    if (id === 0x7075 && size >= 6 && view[start] === 1 && view.readUInt32LE(start + 1) === crc32(raw)) {
      return view.subarray(start + 5, start + size);
    }
    i = start + size;
  }
  return undefined;
}

/** Why a package-relative file path is unsafe, or undefined when it is fine. */
export function unsafePathReason(path: string, limits: PackageLimits): string | undefined {
  if (path.length === 0) return '空文件名 (empty name)';
  if (path.includes('\\')) return '路径含反斜杠 (backslash in path)';
  if (path.startsWith('/')) return '绝对路径 (absolute path)';
  if (/^[a-zA-Z]:/.test(path)) return '路径含盘符 (drive letter)';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return '路径含控制字符 (control character in path)';
  const segments = path.split('/');
  if (segments.includes('..')) return '路径含 ".." (parent reference)';
  if (segments.includes('.')) return '路径含 "." 段 (dot segment)';
  if (segments.includes('')) return '路径含空段 (empty segment)';
  if (Buffer.byteLength(path) > limits.maxPathBytes) return `路径超过 ${limits.maxPathBytes} 字节 (path too long)`;
  if (segments.length - 1 > limits.maxDepth) return `目录层级超过 ${limits.maxDepth} (nested too deep)`;
  return undefined;
}

/** NFC and case-fold collisions among paths. NFC collisions make all members unreadable. */
export function findCollisions(paths: Iterable<string>): { blocked: Set<string>; findings: Finding[] } {
  const nfc = new Map<string, string[]>();
  for (const p of paths) {
    const key = p.normalize('NFC');
    const list = nfc.get(key);
    if (list) list.push(p);
    else nfc.set(key, [p]);
  }
  const blocked = new Set<string>();
  const findings: Finding[] = [];
  const folded = new Map<string, string[]>();
  for (const [key, list] of nfc) {
    if (list.length > 1) {
      for (const p of list) blocked.add(p);
      findings.push(
        finding('1-13', list[0], `文件名在 Unicode NFC 规范化后重名，不予读取 (names collide after NFC normalisation): ${list.join(' | ')}`, {
          actual: list.join('\n'),
        }),
      );
    }
    const fold = key.toLowerCase();
    const f = folded.get(fold);
    if (f) f.push(list[0]);
    else folded.set(fold, [list[0]]);
  }
  for (const list of folded.values()) {
    if (list.length > 1) {
      findings.push(
        finding('1-13', list[0], `文件名仅大小写不同，在不区分大小写的文件系统上会冲突 (names differ only by case): ${list.join(' | ')}`, {
          severity: 'warn',
          actual: list.join('\n'),
        }),
      );
    }
  }
  return { blocked, findings };
}

/** A file path that is also used as a folder by another path (`a` and `a/b`). */
export function fileFolderClashes(paths: readonly string[]): string[] {
  const files = new Set(paths);
  const clashes: string[] = [];
  for (const p of paths) {
    let i = p.indexOf('/');
    while (i !== -1) {
      if (files.has(p.slice(0, i))) clashes.push(p.slice(0, i));
      i = p.indexOf('/', i + 1);
    }
  }
  return [...new Set(clashes)];
}
