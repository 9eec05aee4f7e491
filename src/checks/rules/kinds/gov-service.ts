// 政务服务: each record is one 办件. A 办件 has a 结果材料 (or an 电子证照, the licence it issued)
// (GD-2-9); an 电子证照 keeps its 证照编号 and 证照类型 (GD-2-3, 2-4); process records for
// 收件/受理/审核/办结 (GD-2-5) in time order (GD-1-5); 受理时间 not after 办结时间 (GD-1-5); 办件编号 not
// repeated (GD-1-8); archived by the end of June of the year after 办结时间 (GD-2-12).
import { finding, type Finding } from '../../finding.ts';
import { dateOf, lateFinding } from './shared.ts';
import type { KindRuleInput, KindRuleResult } from './types.ts';

/** The process steps every 办件 records (业务行为), in order. */
export const SERVICE_STEPS = ['收件', '受理', '审核', '办结'] as const;
/** 材料类别 values that count as the case's result. */
export const RESULT_CATEGORIES = ['结果材料', '电子证照'];
const LICENCE = '电子证照';

export function checkGovService(input: KindRuleInput): KindRuleResult {
  const out: Finding[] = [];
  const caseNumbers = new Map<string, string>();
  for (const { target, record: r } of input.records) {
    if (!r) continue;
    // GD-2-9 a result
    const categories = r.files.map((f) => f.materialCategory?.trim());
    if (r.files.length > 0 && !categories.some((c) => c !== undefined && RESULT_CATEGORIES.includes(c))) {
      out.push(finding('2-9', target, '办件缺少结果材料（材料类别为“结果材料”或“电子证照”的文件）(a case without its result)', { expected: RESULT_CATEGORIES.join(' | '), actual: categories.map((c) => c ?? '(无)').join(',') }));
    }
    // GD-2-3, 2-4 licences keep their number and type
    for (const f of r.files) {
      if (f.materialCategory?.trim() !== LICENCE) continue;
      for (const [el, value] of [['证照编号', f.licenceNumber], ['证照类型', f.licenceType]] as const) {
        if (value === undefined) out.push(finding('2-3', target, `电子证照 ${f.fileName ?? f.at} 缺少元素 ${f.at}/${el} (licence without its ${el === '证照编号' ? 'number' : 'type'})`, { expected: el }));
        else if (value.trim() === '') out.push(finding('2-4', target, `电子证照 ${f.fileName ?? f.at} 的 ${f.at}/${el} 为空 (licence ${el} is empty)`, { expected: el }));
      }
    }
    // GD-2-5 the process steps, GD-1-5 their order
    if (r.processes.length > 0) {
      const at = new Map<string, string | undefined>();
      for (const p of r.processes) {
        const a = p.action?.trim();
        if (a && !at.has(a)) at.set(a, p.time?.trim());
      }
      const missing = SERVICE_STEPS.filter((s) => !at.has(s));
      if (missing.length > 0) {
        out.push(finding('2-5', target, `办件缺少“${missing.join('、')}”过程信息（业务实体的业务行为）(process steps missing)`, { expected: SERVICE_STEPS.join(','), actual: [...at.keys()].join(',') }));
      }
      let previous: { step: string; ms: number } | undefined;
      for (const step of SERVICE_STEPS) {
        const ms = Date.parse(at.get(step) ?? '');
        if (!Number.isFinite(ms)) continue;
        if (previous && ms < previous.ms) {
          out.push(finding('1-5', target, `“${step}”的行为时间早于“${previous.step}” (process steps out of time order)`, { expected: `≥ ${at.get(previous.step)}`, actual: at.get(step) }));
        }
        previous = { step, ms };
      }
    }
    const c = r.serviceCase;
    if (!c) continue; // GD-2-3 (办件信息 is required by the profile)
    // GD-1-5 accepted before concluded
    const accepted = Date.parse(c.acceptedAt?.trim() ?? '');
    const concluded = Date.parse(c.concludedAt?.trim() ?? '');
    if (Number.isFinite(accepted) && Number.isFinite(concluded) && accepted > concluded) {
      out.push(finding('1-5', target, `受理时间 ${c.acceptedAt} 晚于办结时间 ${c.concludedAt} (accepted after concluded)`, { expected: `≤ ${c.concludedAt}`, actual: c.acceptedAt }));
    }
    // GD-1-8 办件编号 repeated
    const n = c.caseNumber?.trim();
    if (n) {
      const first = caseNumbers.get(n);
      if (first) out.push(finding('1-8', target, `办件编号 ${n} 重复（另见 ${first}）(repeated case number)`, { actual: n }));
      else caseNumbers.set(n, target);
    }
    // GD-2-12 by the end of June of the next year
    const done = dateOf(c.concludedAt);
    if (done) {
      const late = lateFinding(target, input.today, `${Number(done.slice(0, 4)) + 1}0630`, `办结时间 ${done} 的次年 6 月底`);
      if (late) out.push(late);
    }
  }
  return { findings: out, notApplicable: new Map() };
}
