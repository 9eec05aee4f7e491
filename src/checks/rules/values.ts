// Value rules over a parsed document, driven by the metadata scheme: absent (GD-2-3) and empty
// (GD-2-4) elements, lengths (GD-1-2), types and patterns (GD-1-3), value domains (GD-1-4) and
// special characters (GD-1-6).
import type { Profile } from '../../config/profile.ts';
import { maxLengthOf, RETENTION_WORDS, visitElements, type DocumentDef, type LeafDef } from '../../metadata/index.ts';
import { finding, type Finding } from '../finding.ts';

/** Free-text types, whose only rule is "no special characters" (GD-1-6) and a length. */
const FREE_TEXT = new Set(['Text', 'LongText']);
// C0 controls except TAB/LF/CR, DEL, C1 controls, and the Unicode line/paragraph separators.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]/u;
const MARKUP = /<\/?[A-Za-z\u4e00-\u9fff][^<>]*>|&[A-Za-z]+;|&#\d+;/u;

/** Checks every element of a document model against the scheme and the profile. */
export function checkValues(def: DocumentDef, doc: object, target: string, profile: Profile): Finding[] {
  const out: Finding[] = [];
  for (const v of visitElements(def, doc)) {
    const required = v.def.required || profile.required.includes(v.def.name);
    if (v.def.kind === 'group') {
      if (required && !v.present) out.push(finding('2-3', target, `缺少元素 ${v.path} (element absent)`, { expected: v.def.name }));
      continue;
    }
    checkLeaf(v.def, v.value, v.path, target, profile, out);
  }
  return out;
}

function checkLeaf(d: LeafDef, value: string | undefined, path: string, target: string, profile: Profile, out: Finding[]): void {
  const required = d.required || profile.required.includes(d.name);
  if (value === undefined) {
    if (required) out.push(finding('2-3', target, `缺少元素 ${path} (element absent)`, { expected: d.name }));
    return;
  }
  if (value.trim() === '') {
    if (required) out.push(finding('2-4', target, `必填项 ${path} 为空 (required element is empty)`, { expected: d.name }));
    else if (value !== '') out.push(finding('1-6', target, `${path} 只含空白字符 (only white space)`, { actual: JSON.stringify(value) }));
    return;
  }
  const max = profile.maxLengths[d.name] ?? maxLengthOf(d);
  const length = [...value].length;
  if (max !== undefined && length > max) {
    out.push(finding('1-2', target, `${path} 长度 ${length} 超过上限 ${max} (value too long)`, { expected: `≤ ${max}`, actual: String(length) }));
  }
  if (CONTROL.test(value)) out.push(finding('1-6', target, `${path} 含控制字符 (control characters)`, { actual: JSON.stringify(value.slice(0, 60)) }));
  if (MARKUP.test(value)) out.push(finding('1-6', target, `${path} 含标记 (markup in a value)`, { actual: value.slice(0, 60) }));
  if (value !== value.trim()) out.push(finding('1-6', target, `${path} 首尾有空格 (leading or trailing spaces)`, { actual: JSON.stringify(value.slice(0, 60)) }));
  if (d.name !== '题名' && d.type.name === 'Text' && /[\n\r\t]/.test(value)) {
    out.push(finding('1-6', target, `${path} 含换行或制表符 (line break or tab)`, { actual: JSON.stringify(value.slice(0, 60)) }));
  }
  if (FREE_TEXT.has(d.type.name)) return;

  const v = value.trim();
  if (d.type.enumeration) {
    if (d.type.enumeration.includes(v)) {
      if (d.type.name === 'Retention' && v in RETENTION_WORDS) {
        out.push(finding('1-4', target, `${path} 写作“${v}”，应使用代码 ${RETENTION_WORDS[v]} (word instead of code)`, { severity: 'warn', expected: RETENTION_WORDS[v], actual: v }));
      }
    } else {
      out.push(finding('1-4', target, `${path} 的值“${v.slice(0, 40)}”不在值域内 (value outside its domain)`, { expected: d.type.enumeration.join(' | '), actual: v.slice(0, 60) }));
    }
    return;
  }
  if (d.type.pattern && !new RegExp(`^(?:${d.type.pattern})$`, 'u').test(v)) {
    out.push(finding('1-3', target, `${path} 格式不符：${d.type.doc} (wrong format)`, { expected: d.type.doc, actual: v.slice(0, 60) }));
    return;
  }
  if (d.type.name === 'Date') {
    const problem = dateProblem(v);
    if (problem) out.push(finding('1-3', target, `${path} ${problem}`, { expected: 'YYYYMMDD', actual: v }));
    else if (v.includes('-')) out.push(finding('1-3', target, `${path} 写作 YYYY-MM-DD，应为 YYYYMMDD (dashed date)`, { severity: 'warn', expected: 'YYYYMMDD', actual: v }));
  }
  if (d.type.name === 'DateTime' && !Number.isFinite(Date.parse(v.length === 8 ? `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6)}` : v))) {
    out.push(finding('1-3', target, `${path} 不是有效的时间 (not a real date-time)`, { actual: v }));
  }
  if (d.type.name === 'DateRange') {
    const [a, b] = v.split('-');
    const problem = dateProblem(a) ?? dateProblem(b);
    if (problem) out.push(finding('1-3', target, `${path} ${problem}`, { expected: 'YYYYMMDD-YYYYMMDD', actual: v }));
    else if (a > b) out.push(finding('1-5', target, `${path} 起始日期晚于终止日期 (range starts after it ends)`, { actual: v }));
  }
}

/** A reason when a YYYYMMDD or YYYY-MM-DD string is not a real calendar date. */
export function dateProblem(v: string): string | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(v);
  if (!m) return '不是日期 (not a date)';
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return '不是真实存在的日期 (not a real calendar date)';
  return undefined;
}

/** YYYYMMDD of a date written YYYYMMDD or YYYY-MM-DD, or undefined. */
export function compactDate(v: string | undefined): string | undefined {
  if (v === undefined || dateProblem(v.trim())) return undefined;
  return v.trim().replaceAll('-', '');
}
