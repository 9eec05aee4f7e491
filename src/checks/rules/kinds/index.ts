// The rules of the record kinds a profile may name (重大行政决策, 政务服务, 重特大事件, 数字化):
// scope (GD-2-9), timeliness (GD-2-12) and their other additions. The default (文书) kind has none.
import type { Profile } from '../../../config/profile.ts';
import type { PackageDescription, VolumeMetadata } from '../../../metadata/index.ts';
import type { Finding, ItemNumber } from '../../finding.ts';
import type { RecordEntry } from '../package.ts';

export interface KindRuleInput {
  profile: Profile;
  description?: PackageDescription;
  records: RecordEntry[];
  volumes: { folder: string; volume?: VolumeMetadata }[];
  /** Today, YYYYMMDD (China Standard Time). */
  today: string;
}

export interface KindRuleResult {
  findings: Finding[];
  /** Items this kind does not apply, with the reason (reported as skip). */
  notApplicable: Map<ItemNumber, string>;
}

/** Runs the rules of the profile's record kind. */
export function checkKind(input: KindRuleInput): KindRuleResult {
  const notApplicable = new Map<ItemNumber, string>();
  if (input.profile.kind === 'document') {
    notApplicable.set('2-9', '文书档案无专题归档范围要求 (not applicable to the default profile)');
    notApplicable.set('2-12', '文书档案无归档时限要求 (not applicable to the default profile)');
  }
  return { findings: [], notApplicable };
}
