// Rules over one record's metadata: reasonableness (GD-1-5), 档号 (GD-1-7), process records
// (GD-2-5), main document and attachments declared (GD-2-7), creating software (GD-3-5) and
// refused 密级 (GD-4-7).
import type { Profile } from '../../config/profile.ts';
import {
  archivalCodeOf,
  archivalCodeParts,
  MAIN_DOCUMENT,
  type RecordMetadata,
} from '../../metadata/index.ts';
import { finding, type Finding } from '../finding.ts';
import { compactDate } from './values.ts';

export interface RecordRuleContext {
  profile: Profile;
  /** Today, YYYYMMDD, in China Standard Time (dates in metadata are local dates). */
  today: string;
  /** The record folder's own name (its last path segment). */
  folderName: string;
  /** Package-relative folder path, the target of findings. */
  target: string;
}

/** Today's date in UTC+8 as YYYYMMDD. */
export function chinaDate(now: Date): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');
}

export function checkRecord(r: RecordMetadata, ctx: RecordRuleContext): Finding[] {
  const out: Finding[] = [];
  const { profile, target } = ctx;
  const code = r.archivalCode;
  const desc = r.description;

  // GD-1-5 reasonableness
  const date = compactDate(desc?.date);
  if (date) {
    if (code?.year && /^\d{4}$/.test(code.year) && code.year !== date.slice(0, 4)) {
      out.push(finding('1-5', target, `年度 ${code.year} 与日期 ${desc?.date} 的年份不一致 (年度 differs from the year of 日期)`, { expected: date.slice(0, 4), actual: code.year }));
    }
    if (date > ctx.today) out.push(finding('1-5', target, `日期 ${desc?.date} 晚于今天 (date in the future)`, { expected: `≤ ${ctx.today}`, actual: date }));
    if (date < profile.earliestDate) out.push(finding('1-5', target, `日期 ${desc?.date} 早于 ${profile.earliestDate} (date before the earliest accepted)`, { expected: `≥ ${profile.earliestDate}`, actual: date }));
  }
  if (code?.year && /^\d{4}$/.test(code.year) && code.year > ctx.today.slice(0, 4)) {
    out.push(finding('1-5', target, `年度 ${code.year} 在未来 (year in the future)`, { actual: code.year }));
  }
  if (r.form?.pageCount !== undefined && /^\d+$/.test(r.form.pageCount) && Number(r.form.pageCount) <= 0) {
    out.push(finding('1-5', target, `页数应大于 0 (page count must be positive)`, { actual: r.form.pageCount }));
  }
  for (const f of r.files) {
    if (f.size !== undefined && /^\d+$/.test(f.size) && !Number.isSafeInteger(Number(f.size))) {
      out.push(finding('1-5', target, `${f.at}/计算机文件大小 不合理 (implausible size)`, { actual: f.size }));
    }
  }

  // GD-1-7 档号
  const parts = archivalCodeParts(code);
  const composed = archivalCodeOf(code);
  if (code && !parts) {
    out.push(finding('1-7', target, `档号的组成项不全或混用了按件与卷内两种形式，无法组成档号 (档号 components incomplete or mixed)`));
  }
  if (parts?.form === 'item') {
    const width = profile.archivalCode.itemNumberWidth;
    if (/^\d+$/.test(parts.itemNumber) && parts.itemNumber.length !== width) {
      out.push(finding('1-7', target, `件号 ${parts.itemNumber} 应补零为 ${width} 位 (件号 must be zero-padded to ${width} digits)`, { expected: `${width} digits`, actual: parts.itemNumber }));
    }
  }
  if (parts?.form === 'volume' && parts.sequenceInVolume !== undefined) {
    const width = profile.archivalCode.volumeSequenceWidth;
    if (/^\d+$/.test(parts.sequenceInVolume) && parts.sequenceInVolume.length !== width) {
      out.push(finding('1-7', target, `卷内顺序号 ${parts.sequenceInVolume} 应补零为 ${width} 位 (must be zero-padded to ${width} digits)`, { expected: `${width} digits`, actual: parts.sequenceInVolume }));
    }
  }
  if (composed !== undefined) {
    if (profile.archivalCode.pattern && !new RegExp(`^(?:${profile.archivalCode.pattern})$`, 'u').test(composed)) {
      out.push(finding('1-7', target, `档号 ${composed} 不符合本单位的档号规则 (does not match the configured pattern)`, { expected: profile.archivalCode.pattern, actual: composed }));
    }
    if (ctx.folderName !== composed && ctx.folderName.normalize('NFC') !== composed.normalize('NFC')) {
      out.push(finding('1-7', target, `文件夹名与档号不一致 (folder name differs from the 档号)`, { expected: composed, actual: ctx.folderName }));
    }
  }

  // GD-2-5 process records
  if (profile.requireProcessRecords && r.processes.length === 0) {
    out.push(finding('2-5', target, `缺少过程信息（业务实体）(no process records)`));
  }

  // GD-2-7 a main document
  if (r.files.length > 0 && !r.files.some((f) => f.role === MAIN_DOCUMENT)) {
    out.push(finding('2-7', target, `没有主文档 (no 电子文件 is declared 主文档)`, { expected: MAIN_DOCUMENT }));
  }

  // GD-3-5 creating software on the deny list
  for (const f of r.files) {
    const app = f.creatingApplication?.toLowerCase();
    const denied = app && profile.deniedSoftware.find((d) => app.includes(d.toLowerCase()));
    if (denied) out.push(finding('3-5', `${target}/${f.fileName ?? f.at}`, `文档创建程序“${f.creatingApplication}”在禁用清单内 (creating application on the deny list)`, { actual: f.creatingApplication }));
  }

  // GD-4-7 refused 密级
  const cls = desc?.classification?.trim();
  if (cls && profile.refusedSecrecy.includes(cls)) {
    out.push(finding('4-7', target, `密级为“${cls}”的档案不得在联网系统中归档 (classified records are refused)`, { actual: cls }));
  }
  return out;
}
