// The rules of the record kinds a profile may name (重大行政决策, 政务服务, 重特大事件, 数字化):
// scope (GD-2-9), timeliness (GD-2-12) and their other additions. The default (文书) kind has none.
// Element presence a kind needs (决策阶段, 办件信息, 材料类别, 数字化属性) is in its built-in profile's
// `required` list, so GD-2-3 and GD-2-4 report it with every other element.
import type { ItemNumber } from '../../finding.ts';
import { checkDecision } from './decision.ts';
import { checkDigitized } from './digitized.ts';
import { checkEmergency } from './emergency.ts';
import { checkGovService } from './gov-service.ts';
import type { KindRuleInput, KindRuleResult } from './types.ts';

export type { KindRuleInput, KindRuleResult } from './types.ts';

/** Runs the rules of the profile's record kind. */
export function checkKind(input: KindRuleInput): KindRuleResult {
  switch (input.profile.kind) {
    case 'decision':
      return checkDecision(input);
    case 'gov-service':
      return checkGovService(input);
    case 'emergency':
      return checkEmergency(input);
    case 'digitized':
      return checkDigitized(input);
    case 'document': {
      const notApplicable = new Map<ItemNumber, string>();
      notApplicable.set('2-9', '文书档案无专题归档范围要求 (not applicable to the default profile)');
      notApplicable.set('2-12', '文书档案无归档时限要求 (not applicable to the default profile)');
      return { findings: [], notApplicable };
    }
  }
}
