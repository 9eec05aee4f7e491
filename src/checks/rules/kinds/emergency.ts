// 重特大事件: the responsible units' work logs (文种 工作日志) for the whole response (GD-2-9),
// permanent retention (GD-1-4), archived within six months after 应对结束日期 of 说明文件 (GD-2-12).
import { finding, type Finding, type ItemNumber } from '../../finding.ts';
import { addMonths, compactDate, lateFinding, permanentRetention, showDate } from './shared.ts';
import type { KindRuleInput, KindRuleResult } from './types.ts';

export const WORK_LOG = '工作日志';

export function checkEmergency(input: KindRuleInput): KindRuleResult {
  const out: Finding[] = [];
  const notApplicable = new Map<ItemNumber, string>();
  for (const r of input.records) {
    const f = r.volume === undefined ? permanentRetention(r.target, r.record?.archivalCode?.retention, '重特大事件档案') : undefined;
    if (f) out.push(f);
  }
  for (const v of input.volumes) {
    const f = v.volume && permanentRetention(v.folder, v.volume.retention, '重特大事件案卷');
    if (f) out.push(f);
  }

  const logs = input.records.filter((r) => r.record?.description?.documentType?.trim() === WORK_LOG);
  if (input.records.length > 0 && logs.length === 0) {
    out.push(finding('2-9', 'package', `重特大事件信息包缺少工作日志（文种“${WORK_LOG}”）(no work logs)`, { expected: WORK_LOG }));
  }

  const raw = input.description?.responseEndDate?.trim();
  const end = raw && /^\d{8}$/.test(raw) ? compactDate(raw) : undefined;
  if (raw === undefined || raw === '') {
    out.push(finding('1-12', input.description?.file ?? '说明文件.txt', '重特大事件信息包的说明文件应写明“应对结束日期”(YYYYMMDD)，否则无法检测归档是否及时 (应对结束日期 missing)', { severity: 'warn', expected: '应对结束日期：YYYYMMDD' }));
    notApplicable.set('2-12', '说明文件未写明应对结束日期，无法判断归档是否及时 (no 应对结束日期 in 说明文件)');
  } else if (!end) {
    notApplicable.set('2-12', `说明文件的应对结束日期“${raw}”不是有效日期 (see GD-1-12)`);
  } else {
    // the logs cover the response to its end
    const lastLog = logs.map((r) => compactDate(r.record?.description?.date)).filter((d): d is string => d !== undefined).sort().pop();
    if (lastLog && lastLog < end) {
      out.push(finding('2-9', 'package', `工作日志止于 ${showDate(lastLog)}，应覆盖到应对结束日期 ${showDate(end)} (work logs stop before the response ended)`, { severity: 'warn', expected: `≥ ${end}`, actual: lastLog }));
    }
    const late = lateFinding('package', input.today, addMonths(end, 6), `应对结束日期 ${end} 后六个月内`);
    if (late) out.push(late);
  }
  return { findings: out, notApplicable };
}
