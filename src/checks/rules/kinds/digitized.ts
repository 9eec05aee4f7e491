// 数字化 (digitised paper records): 数字化属性 is required on every file (the profile's required list,
// GD-2-3); the image's own resolution against 扫描分辨率 and the minimum is checked while the file is
// read (formats/image.ts, GD-1-5). Here: a recorded 扫描分辨率 below the minimum on files whose
// resolution cannot be read from the image (PDF, OFD) (GD-1-5). No scope or deadline rules.
import type { ItemNumber } from '../../finding.ts';
import { finding, type Finding } from '../../finding.ts';
import type { KindRuleInput, KindRuleResult } from './types.ts';

const IMAGE_FORMATS = ['JPEG', 'JPG', 'PNG', 'TIFF', 'TIF'];

export function checkDigitized(input: KindRuleInput): KindRuleResult {
  const out: Finding[] = [];
  const min = input.profile.minScanDpi;
  for (const { target, record } of input.records) {
    for (const f of record?.files ?? []) {
      const dpi = f.digitization?.resolution?.trim();
      if (!dpi || !/^\d+$/.test(dpi)) continue; // GD-2-3/2-4/1-3
      if (IMAGE_FORMATS.includes(f.format?.trim().toUpperCase() ?? '')) continue; // measured from the image itself
      if (Number(dpi) < min) {
        out.push(finding('1-5', `${target}/${f.fileName ?? f.at}`, `扫描分辨率记为 ${dpi} dpi，低于最低要求 ${min} dpi (recorded scan resolution below the minimum)`, { expected: `≥${min} dpi`, actual: `${dpi} dpi` }));
      }
    }
  }
  const notApplicable = new Map<ItemNumber, string>([
    ['2-9', '数字化档案无专题归档范围要求 (no scope rule for digitised records)'],
    ['2-12', '数字化档案无归档时限要求 (no deadline for digitised records)'],
  ]);
  return { findings: out, notApplicable };
}
