// What the format checks return: data, never exceptions. `ok:false` with `skip:true` means the
// check could not run (too large to open, no check for this format), which the engine reports as skip.
import { finding, type Finding, type ItemNumber } from '../checks/finding.ts';

export type FormatCheckResult<I = Record<string, unknown>> =
  | { ok: true; info: I }
  | { ok: false; skip?: undefined; item: ItemNumber; reason: string; expected?: string; actual?: string }
  | { ok: false; skip: true; item: ItemNumber; reason: string };

export const pass = <I>(info: I): FormatCheckResult<I> => ({ ok: true, info });

export function fail(item: ItemNumber, reason: string, extra: { expected?: string; actual?: string } = {}): FormatCheckResult<never> {
  return { ok: false, item, reason, ...extra };
}

export function skip(item: ItemNumber, reason: string): FormatCheckResult<never> {
  return { ok: false, skip: true, item, reason };
}

/** The finding for a failed result (undefined for a pass or a skip). */
export function toFinding(result: FormatCheckResult<unknown>, target: string): Finding | undefined {
  if (result.ok || result.skip) return undefined;
  const extra: Partial<Finding> = {};
  if (result.expected !== undefined) extra.expected = result.expected;
  if (result.actual !== undefined) extra.actual = result.actual;
  return finding(result.item, target, result.reason, extra);
}
