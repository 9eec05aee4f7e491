// 重大行政决策: one volume per decision matter, records in the statutory stage order, each of the five
// statutory procedures shown by a record or explained by a 情况说明 (GD-2-9), meeting minutes that
// name their participants (GD-2-9), permanent retention (GD-1-4), archived in the first quarter
// of the year after the volume's last date (GD-2-12).
import { DECISION_STAGES, STATUTORY_DECISION_STAGES, type RecordMetadata } from '../../../metadata/index.ts';
import { finding, type Finding } from '../../finding.ts';
import type { RecordEntry } from '../package.ts';
import { latestDate, lateFinding, permanentRetention, recordsByVolume } from './shared.ts';
import type { KindRuleInput, KindRuleResult } from './types.ts';

/** 文种 of the record that explains why a statutory procedure was not performed. */
export const EXPLANATION = '情况说明';
/** 业务行为 of a process record naming a meeting participant (机构人员名称). */
export const ATTENDANCE_ACTIONS = ['参会', '出席', '列席', '参加会议'];
const PARTICIPANTS_NOTE = /(参会|出席|列席|参加)(人员|单位|者)?[:：]\s*\S/u;

export function checkDecision(input: KindRuleInput): KindRuleResult {
  const out: Finding[] = [];
  for (const r of input.records) {
    if (r.volume === undefined) out.push(finding('2-9', r.target, '重大行政决策文件应按“一事一卷”组入案卷，此件不在任何案卷中 (a decision record outside a volume)'));
    const rec = r.record;
    if (rec && r.volume === undefined) push(out, permanentRetention(r.target, rec.archivalCode?.retention, '重大行政决策文件'));
    if (rec && isMinutes(rec) && !namesParticipants(rec)) {
      out.push(finding('2-9', r.target, `会议纪要应写明参会人员：业务实体中以“${ATTENDANCE_ACTIONS[0]}”等行为列出，或在附注中写“参会人员：……” (minutes must name the participants)`, { expected: '参会人员' }));
    }
  }
  const byVolume = recordsByVolume(input);
  for (const { folder, volume } of input.volumes) {
    const inside = byVolume.get(folder) ?? [];
    if (volume) push(out, permanentRetention(folder, volume.retention, '重大行政决策案卷'));
    if (inside.length === 0) continue;
    out.push(...stageOrder(inside));
    out.push(...statutoryStages(folder, inside));
    const last = latestDate(inside) ?? volume?.dateRange?.trim().match(/-(\d{8})$/)?.[1];
    if (last) push(out, lateFinding(folder, input.today, `${Number(last.slice(0, 4)) + 1}0331`, `决策案卷最后日期 ${last} 的次年第一季度`));
  }
  return { findings: out, notApplicable: new Map() };
}

function push(out: Finding[], f: Finding | undefined): void {
  if (f) out.push(f);
}

function stageIndex(r: RecordEntry): number | undefined {
  const s = r.record?.description?.decisionStage?.trim();
  const i = s === undefined ? -1 : (DECISION_STAGES as readonly string[]).indexOf(s);
  return i < 0 ? undefined : i; // absent (GD-2-3) or outside the domain (GD-1-4)
}

/** The volume's records (in 卷内顺序号 order) follow 决策启动 → … → 决策执行 → 其他. */
function stageOrder(inside: RecordEntry[]): Finding[] {
  const out: Finding[] = [];
  let furthest: { index: number; entry: RecordEntry } | undefined;
  for (const r of inside) {
    const i = stageIndex(r);
    if (i === undefined) continue;
    if (furthest && i < furthest.index) {
      out.push(
        finding('2-9', r.target, `卷内文件未按决策程序排列：“${DECISION_STAGES[i]}”阶段的文件排在“${DECISION_STAGES[furthest.index]}”阶段的 ${name(furthest.entry)} 之后 (records out of stage order)`, {
          expected: DECISION_STAGES.join(' → '),
          actual: DECISION_STAGES[i],
        }),
      );
    } else furthest = { index: i, entry: r };
  }
  return out;
}

/** Each statutory procedure has a record of its stage, or a 情况说明 of that stage. */
function statutoryStages(folder: string, inside: RecordEntry[]): Finding[] {
  const out: Finding[] = [];
  for (const stage of STATUTORY_DECISION_STAGES) {
    if (inside.some((r) => r.record?.description?.decisionStage?.trim() === stage)) continue;
    out.push(
      finding('2-9', folder, `决策案卷缺少“${stage}”阶段的文件，也没有说明未履行该程序的情况说明（文种“${EXPLANATION}”、决策阶段“${stage}”）(a statutory procedure is neither recorded nor explained)`, {
        expected: stage,
      }),
    );
  }
  return out;
}

/** 文种 纪要, 会议纪要 … */
function isMinutes(r: RecordMetadata): boolean {
  return r.description?.documentType?.trim().endsWith('纪要') ?? false;
}

function namesParticipants(r: RecordMetadata): boolean {
  if (r.processes.some((p) => ATTENDANCE_ACTIONS.includes(p.action?.trim() ?? '') && (p.agentName?.trim() ?? '') !== '')) return true;
  return PARTICIPANTS_NOTE.test(r.description?.annotation ?? '');
}

function name(r: RecordEntry): string {
  return r.target.slice(r.target.lastIndexOf('/') + 1);
}
