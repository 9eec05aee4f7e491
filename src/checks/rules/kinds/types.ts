// The input and result of the record kinds' rules (see index.ts).
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
