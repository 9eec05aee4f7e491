// Helpers the record kinds share: dates and deadlines, permanent retention, records of a volume.
import { archivalCodeParts, RETENTION_WORDS } from '../../../metadata/index.ts';
import { finding, type Finding } from '../../finding.ts';
import type { RecordEntry } from '../package.ts';
import { compactDate, dateProblem } from '../values.ts';
import type { KindRuleInput } from './types.ts';

export { compactDate };

/** YYYYMMDD of an ISO date-time or date (its local calendar date as written), or undefined. */
export function dateOf(value: string | undefined): string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(v);
  if (!m) return undefined;
  const d = `${m[1]}${m[2]}${m[3]}`;
  return dateProblem(d) ? undefined : d;
}

/** `date` plus `months` calendar months, clamped to the end of the month (20240831 + 6 → 20250228). */
export function addMonths(date: string, months: number): string {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(4, 6)) - 1 + months;
  const year = y + Math.floor(m / 12);
  const month = ((m % 12) + 12) % 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(Number(date.slice(6, 8)), last);
  return `${year}${String(month + 1).padStart(2, '0')}${String(day).padStart(2, '0')}`;
}

/** 2024-03-31 for 20240331. */
export function showDate(d: string): string {
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
}

/** GD-2-12: a finding when today is past the deadline. */
export function lateFinding(target: string, today: string, deadline: string, rule: string): Finding | undefined {
  if (today <= deadline) return undefined;
  return finding('2-12', target, `应于 ${showDate(deadline)} 前归档（${rule}），检测日 ${showDate(today)} 已逾期 (archived late)`, { expected: `≤ ${deadline}`, actual: today });
}

/** GD-1-4: 保管期限 must be 永久 (Y) for this kind; the word 永久 counts as Y (GD-1-4 warns about the word). */
export function permanentRetention(target: string, retention: string | undefined, what: string): Finding | undefined {
  const v = retention?.trim();
  if (v === undefined || v === '') return undefined; // GD-2-3 / 2-4
  const code = RETENTION_WORDS[v] ?? v;
  if (code === 'Y') return undefined;
  return finding('1-4', target, `${what}的保管期限应为永久（Y），实为 ${v} (must be kept permanently)`, { expected: 'Y', actual: v });
}

/** The records of each volume folder, in 卷内顺序号 order (records without a number last, in package order). */
export function recordsByVolume(input: KindRuleInput): Map<string, RecordEntry[]> {
  const out = new Map<string, RecordEntry[]>();
  for (const v of input.volumes) out.set(v.folder, []);
  for (const r of input.records) if (r.volume !== undefined) out.set(r.volume, [...(out.get(r.volume) ?? []), r]);
  for (const list of out.values()) list.sort((a, b) => sequenceOf(a) - sequenceOf(b));
  return out;
}

function sequenceOf(r: RecordEntry): number {
  const p = r.record && archivalCodeParts(r.record.archivalCode);
  const s = p?.form === 'volume' ? p.sequenceInVolume : undefined;
  return s !== undefined && /^\d+$/.test(s) ? Number(s) : Number.MAX_SAFE_INTEGER;
}

/** The latest 日期 among records, or undefined. */
export function latestDate(records: RecordEntry[]): string | undefined {
  const dates = records.map((r) => compactDate(r.record?.description?.date)).filter((d): d is string => d !== undefined).sort();
  return dates[dates.length - 1];
}
