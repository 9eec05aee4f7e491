// One call for the engine: identify a content file from its sample and run GD-1-10, GD-3-3,
// GD-3-4 and GD-3-8 (and GD-1-5 when a scan resolution is recorded), as findings and skips.
import type { Finding, ItemNumber } from '../checks/finding.ts';
import { checkFormatAllowed, DEFAULT_FORMATS, formatMatches, type DetectedFormat } from './format-list.ts';
import { identifyFormat } from './identify.ts';
import { checkScanResolution } from './image.ts';
import { checkEncryption, checkReadability, type ReadabilityOptions } from './readability.ts';
import { toFinding, type FormatCheckResult } from './result.ts';
import type { FileSample } from './sample.ts';

export interface AssessInput {
  /** Package-relative path: the findings' target and the name whose extension is checked. */
  target: string;
  /** The recorded 格式信息, if any. */
  recordedFormat?: string;
  /** The recorded 扫描分辨率 of a digitised file (数字化 profile); GD-1-5 runs when given. */
  recordedResolution?: string | number;
  /** The profile's format list (default DEFAULT_FORMATS). */
  formats?: readonly string[];
  /** Minimum scan resolution in dpi (default 200). */
  minDpi?: number;
}

export interface Assessment {
  detected: DetectedFormat;
  findings: Finding[];
  /** Items that could not run for this file, with the reason (the engine reports them as skip). */
  skipped: { item: ItemNumber; target: string; reason: string }[];
}

export async function assessContentFile(sample: FileSample, input: AssessInput, options: ReadabilityOptions = {}): Promise<Assessment> {
  const detected = await identifyFormat(sample, options);
  const results: FormatCheckResult<unknown>[] = [
    formatMatches(input.recordedFormat, detected, input.target),
    checkFormatAllowed(detected, input.formats ?? DEFAULT_FORMATS),
    await checkReadability(sample, { ...options, detected }),
    await checkEncryption(sample, { ...options, detected }),
  ];
  if (input.recordedResolution !== undefined && ['JPEG', 'PNG', 'TIFF'].includes(detected.format)) {
    const o: { minDpi?: number; format: string } = { format: detected.format };
    if (input.minDpi !== undefined) o.minDpi = input.minDpi;
    results.push(await checkScanResolution(sample, input.recordedResolution, o));
  }
  const findings: Finding[] = [];
  const skipped: Assessment['skipped'] = [];
  for (const r of results) {
    if (r.ok) continue;
    if (r.skip) skipped.push({ item: r.item, target: input.target, reason: r.reason });
    else findings.push(toFinding(r, input.target)!);
  }
  return { detected, findings, skipped };
}
