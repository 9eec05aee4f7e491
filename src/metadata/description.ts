// 说明文件.txt: `key：value` lines (full-width or ASCII colon) → PackageDescription, and back.
import { finding, type Finding } from '../checks/finding.ts';
import { DIGEST_ALGORITHM_NAMES } from './domains.ts';
import type { Draft, PackageDescription, ParseResult } from './model.ts';
import { decodePlainText } from './text-encoding.ts';
import { DEFAULT_MAX_XML_BYTES } from './xml.ts';

type KnownKey = Exclude<
  keyof PackageDescription,
  'file' | 'encoding' | 'extra' | 'lines' | 'digestAlgorithm' | 'codeRangeParts'
>;

/** The keys of 说明文件 in their written order, with their model property. */
export const DESCRIPTION_KEYS: readonly { key: string; prop: KnownKey; required: boolean }[] = [
  { key: '立档单位名称', prop: 'unitName', required: true },
  { key: '全宗号', prop: 'fonds', required: true },
  { key: '档案数量', prop: 'recordCount', required: true },
  { key: '文件数量', prop: 'fileCount', required: true },
  { key: '总字节数', prop: 'totalBytes', required: true },
  { key: '摘要算法', prop: 'digestAlgorithmText', required: true },
  { key: '起止档号', prop: 'codeRange', required: false },
  { key: '内容描述', prop: 'contentDescription', required: false },
  { key: '软硬件环境', prop: 'environment', required: false },
  { key: '形成时间', prop: 'createdAt', required: false },
  { key: '来源系统', prop: 'sourceSystem', required: false },
  { key: '应对结束日期', prop: 'responseEndDate', required: false },
];

/** Keys accepted as another name of a known key. */
export const DESCRIPTION_KEY_ALIASES: Readonly<Record<string, string>> = { 移交单位: '立档单位名称' };

export interface DescriptionOptions {
  /** Refuse files larger than this many bytes (default 8 MiB). */
  maxBytes?: number;
}

/** 说明文件.txt bytes → PackageDescription with '1-12' findings (and '3-1' when unreadable). */
export function parseDescription(bytes: Uint8Array, path: string, options: DescriptionOptions = {}): ParseResult<PackageDescription> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_XML_BYTES;
  if (bytes.byteLength > maxBytes) {
    return { value: undefined, findings: [finding('3-1', path, `说明文件过大，未读取 (file too large: ${bytes.byteLength} bytes > ${maxBytes})`)] };
  }
  const decoded = decodePlainText(bytes);
  if (!decoded.ok) return { value: undefined, findings: [finding('3-1', path, decoded.message)] };

  const findings: Finding[] = [];
  const d: PackageDescription = { file: path, encoding: decoded.encoding, extra: {}, lines: [] };
  const seen = new Set<string>();
  const byKey = new Map(DESCRIPTION_KEYS.map((k) => [k.key, k]));

  decoded.text.split(/\r\n|\n|\r/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const colon = raw.search(/[：:]/);
    if (colon < 0) {
      findings.push(finding('1-12', path, `说明文件第 ${line} 行不是“键：值”格式 (line ${line} is not "key：value")`, { actual: raw.slice(0, 80) }));
      return;
    }
    const key = raw.slice(0, colon).trim();
    const value = raw.slice(colon + 1);
    d.lines.push({ line, key, value });
    const canonical = DESCRIPTION_KEY_ALIASES[key] ?? key;
    const known = byKey.get(canonical);
    if (!known) {
      d.extra[key] = value;
      return;
    }
    if (seen.has(canonical)) {
      findings.push(finding('1-12', path, `说明文件第 ${line} 行重复给出 ${key}，以第一次为准 (key repeated; the first one counts)`, { severity: 'warn' }));
      return;
    }
    seen.add(canonical);
    d[known.prop] = value;
  });

  for (const k of DESCRIPTION_KEYS) {
    if (!k.required) continue;
    const v = d[k.prop];
    if (v === undefined) findings.push(finding('1-12', path, `说明文件缺少必填项 ${k.key} (missing required key)`, { expected: k.key }));
    else if (v.trim() === '') findings.push(finding('1-12', path, `说明文件的 ${k.key} 为空 (required key is empty)`, { expected: k.key }));
  }
  for (const prop of ['recordCount', 'fileCount', 'totalBytes'] as const) {
    const v = d[prop];
    if (v !== undefined && v.trim() !== '' && !/^\d+$/.test(v.trim())) {
      const key = DESCRIPTION_KEYS.find((k) => k.prop === prop)!.key;
      findings.push(finding('1-12', path, `说明文件的 ${key} 应为非负整数 (must be a non-negative integer)`, { actual: v }));
    }
  }
  if (d.digestAlgorithmText !== undefined && d.digestAlgorithmText.trim() !== '') {
    const alg = DIGEST_ALGORITHM_NAMES[d.digestAlgorithmText.trim().toUpperCase()];
    if (alg) d.digestAlgorithm = alg;
    else findings.push(finding('1-12', path, `说明文件的摘要算法应为 SM3 或 SHA256 (unknown digest algorithm)`, { expected: 'SM3 | SHA256', actual: d.digestAlgorithmText }));
  }
  if (d.codeRange !== undefined && d.codeRange.trim() !== '') {
    const m = /^(.+?)\s*[～~至]\s*(.+)$/u.exec(d.codeRange.trim());
    if (m) d.codeRangeParts = { first: m[1]!, last: m[2]! };
    else findings.push(finding('1-12', path, `说明文件的起止档号应写作“A～B”或“A至B” (code range not understood)`, { actual: d.codeRange }));
  }
  if (d.responseEndDate !== undefined && !/^\d{8}$/.test(d.responseEndDate.trim())) {
    findings.push(finding('1-12', path, `说明文件的应对结束日期应为 YYYYMMDD (must be YYYYMMDD)`, { actual: d.responseEndDate }));
  }
  return { value: d, findings };
}

/** PackageDescription → 说明文件.txt text (UTF-8, full-width colons, known keys first, then extra). */
export function writeDescription(d: Draft<PackageDescription> | Omit<Draft<PackageDescription>, 'encoding' | 'lines'>): string {
  const out: string[] = [];
  for (const k of DESCRIPTION_KEYS) {
    let v = d[k.prop];
    if (v === undefined && k.prop === 'digestAlgorithmText' && d.digestAlgorithm) v = d.digestAlgorithm.toUpperCase();
    if (v !== undefined) out.push(`${k.key}：${v}`);
  }
  for (const [key, value] of Object.entries(d.extra ?? {})) out.push(`${key}：${value}`);
  return out.join('\n') + '\n';
}
