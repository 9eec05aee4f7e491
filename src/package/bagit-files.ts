// Parsers for BagIt (RFC 8493, versions 0.97 and 1.0) tag files: bagit.txt, bag-info.txt,
// manifests and fetch.txt. Pure functions over bytes; problems come back as findings.
import { finding, type Finding } from '../checks/finding.ts';

export const BAG_VERSIONS = ['0.97', '1.0'];
export const BAG_ALGORITHMS = ['md5', 'sha1', 'sha256', 'sha512'] as const;
export type BagAlgorithm = (typeof BAG_ALGORITHMS)[number];
const HEX_LENGTH: Record<BagAlgorithm, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };
/** bag-info.txt labels RFC 8493 §2.2.2 does not allow to repeat. */
const NOT_REPEATABLE = ['bagging-date', 'bag-size', 'payload-oxum', 'bag-group-identifier', 'bag-count'];

const BOM = [0xef, 0xbb, 0xbf];

function hasBom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2];
}

function lines(text: string): string[] {
  const out = text.split(/\r\n|\r|\n/);
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

export interface BagDeclaration {
  version: string;
  encoding: string;
}

/** bagit.txt: exactly `BagIt-Version: M.N` and `Tag-File-Character-Encoding: ENC`, UTF-8, no BOM. */
export function parseBagDeclaration(bytes: Uint8Array, target: string, sink: Finding[]): BagDeclaration | undefined {
  if (hasBom(bytes)) sink.push(finding('1-13', target, 'bagit.txt 不得含字节顺序标记 BOM (bagit.txt must not start with a BOM)'));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    sink.push(finding('1-13', target, 'bagit.txt 不是 UTF-8 (bagit.txt is not UTF-8)'));
    return undefined;
  }
  const ls = lines(text);
  const version = /^BagIt-Version: ?(\S+)\s*$/.exec(ls[0] ?? '')?.[1];
  const encoding = /^Tag-File-Character-Encoding: ?(\S+)\s*$/.exec(ls[1] ?? '')?.[1];
  if (!version || !encoding || ls.length !== 2) {
    sink.push(finding('1-13', target, 'bagit.txt 须恰为两行 BagIt-Version 与 Tag-File-Character-Encoding (bagit.txt must be exactly those two lines, in that order)', { actual: text.slice(0, 200) }));
    if (!version || !encoding) return undefined;
  }
  if (!BAG_VERSIONS.includes(version)) {
    sink.push(finding('1-13', target, `不支持的 BagIt 版本 ${version}，支持 0.97 与 1.0 (unsupported BagIt version)`, { expected: BAG_VERSIONS.join(' | '), actual: version }));
  }
  return { version, encoding };
}

/** Decodes a tag file in the bag's declared encoding; undefined (with a finding) when it cannot. */
export function decodeTagFile(bytes: Uint8Array, encoding: string, target: string, sink: Finding[]): string | undefined {
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    sink.push(finding('1-13', target, `未知的标签文件编码 ${encoding} (unknown Tag-File-Character-Encoding)`, { actual: encoding }));
    return undefined;
  }
  try {
    return decoder.decode(bytes); // a leading BOM is stripped by the decoder
  } catch {
    sink.push(finding('1-13', target, `标签文件不是声明的编码 ${encoding} (tag file is not in the declared encoding)`));
    return undefined;
  }
}

/** bag-info.txt: `Label: value` lines, continuation lines start with a space or tab. */
export function parseBagInfo(text: string, target: string, sink: Finding[]): { label: string; value: string }[] {
  const info: { label: string; value: string }[] = [];
  lines(text).forEach((line, i) => {
    if (/^[ \t]/.test(line) && info.length > 0) {
      info[info.length - 1].value += ` ${line.trim()}`;
      return;
    }
    const m = /^([^:\s][^:]*?)\s*:\s?(.*)$/.exec(line);
    if (!m) {
      sink.push(finding('1-13', target, `bag-info.txt 第 ${i + 1} 行不是 "标签: 值" (not a "Label: value" line)`, { actual: line.slice(0, 200) }));
      return;
    }
    info.push({ label: m[1], value: m[2].trim() });
  });
  for (const label of NOT_REPEATABLE) {
    const count = info.filter((x) => x.label.toLowerCase() === label).length;
    if (count > 1) sink.push(finding('1-13', target, `bag-info.txt 的 ${label} 不得重复出现 (${count} times)`, { actual: String(count) }));
  }
  return info;
}

export interface ManifestLine {
  digest: string;
  path: string;
}

/**
 * A manifest (`<checksum> <path>`, one or more spaces or tabs between). Paths are percent-decoded
 * for %0A, %0D and %25 only, as RFC 8493 §2.1.3 prescribes.
 */
export function parseBagManifest(text: string, algorithm: BagAlgorithm, target: string, sink: Finding[]): ManifestLine[] {
  const out: ManifestLine[] = [];
  const seen = new Set<string>();
  lines(text).forEach((line, i) => {
    const m = /^([0-9a-fA-F]+)[ \t]+\*?(.+)$/.exec(line);
    if (!m || m[1].length !== HEX_LENGTH[algorithm]) {
      sink.push(finding('1-14', target, `清单第 ${i + 1} 行格式错误 (malformed manifest line)`, { actual: line.slice(0, 200) }));
      return;
    }
    const path = decodeBagPath(m[2]);
    if (seen.has(path)) {
      sink.push(finding('1-14', target, `清单重复列出 ${path} (listed twice)`));
      return;
    }
    seen.add(path);
    out.push({ digest: m[1].toLowerCase(), path });
  });
  return out;
}

export function decodeBagPath(p: string): string {
  return p.replace(/%(0A|0D|25)/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** fetch.txt: `url length path`. Reported, never followed. */
export function parseFetch(text: string, target: string, sink: Finding[]): { url: string; length: string; path: string }[] {
  const out: { url: string; length: string; path: string }[] = [];
  lines(text).forEach((line, i) => {
    const m = /^(\S+)[ \t]+(\d+|-)[ \t]+(.+)$/.exec(line);
    if (!m) {
      sink.push(finding('1-14', target, `fetch.txt 第 ${i + 1} 行格式错误 (malformed fetch line)`, { actual: line.slice(0, 200) }));
      return;
    }
    out.push({ url: m[1], length: m[2], path: decodeBagPath(m[3]) });
  });
  return out;
}

export function isBagAlgorithm(a: string): a is BagAlgorithm {
  return (BAG_ALGORITHMS as readonly string[]).includes(a);
}
