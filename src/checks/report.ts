// The four-property report of checks.md: built from the findings of one run, as JSON and HTML.
import type { ItemMode } from '../config/profile.ts';
import type { Finding, ItemNumber } from './finding.ts';
import { itemCode, itemsFor, propertyOf, type Property, type Stage } from './items.ts';

export type ItemStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface ReportItem {
  code: string;
  property: Property;
  name: string;
  status: ItemStatus;
  target: string;
  message: string;
  expected?: string;
  actual?: string;
}

export interface PackageSummary {
  name: string;
  layout: 'native' | 'bagit' | 'bagit-native' | 'transfer';
  records: number;
  files: number;
  bytes: number;
  sha256?: string;
  sm3?: string;
}

export interface Report {
  reportVersion: 1;
  stage: Stage;
  verdict: 'accepted' | 'rejected';
  package: PackageSummary;
  profile?: string;
  items: ReportItem[];
  summary: Record<ItemStatus, number>;
  startedAt: string;
  finishedAt: string;
  tool: { name: string; version: string };
}

/** How the profile treats an item: run it and fail on findings, downgrade to warnings, or skip it. */
export type { ItemMode };

export interface ReportInput {
  stage: Stage;
  package: PackageSummary;
  profile?: string;
  findings: Finding[];
  /** Items that ran (found nothing ⇒ one pass entry). */
  ran: Iterable<ItemNumber>;
  /** Items that did not run, with the reason (not applicable, not configured, off in the profile). */
  skipped: Map<ItemNumber, string>;
  modes: (n: ItemNumber) => ItemMode;
  startedAt: Date;
  finishedAt: Date;
  tool: { name: string; version: string };
}

const PROPERTY_ORDER: Property[] = ['authenticity', 'integrity', 'usability', 'security'];
const STATUS_ORDER: Record<ItemStatus, number> = { fail: 0, warn: 1, skip: 2, pass: 3 };

/**
 * Builds the report: one entry per (code, target) that did not pass and one `pass` entry per code
 * that ran and found nothing; rejected when any item fails.
 */
export function buildReport(input: ReportInput): Report {
  const defs = itemsFor(input.stage);
  const items: ReportItem[] = [];
  const seen = new Set<string>();
  const withFindings = new Set<ItemNumber>();
  for (const f of input.findings) {
    const def = defs.get(f.item);
    if (!def) throw new Error(`report: no item ${f.item} at stage ${input.stage}`);
    const mode = input.modes(f.item);
    if (mode === 'off') continue;
    const status: ItemStatus = mode === 'warn' || f.severity === 'warn' ? 'warn' : 'fail';
    const key = `${f.item}\u0000${f.target}\u0000${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    withFindings.add(f.item);
    items.push({
      code: itemCode(input.stage, f.item),
      property: propertyOf(f.item),
      name: def.name,
      status,
      target: f.target,
      message: f.message,
      ...(f.expected !== undefined ? { expected: f.expected } : {}),
      ...(f.actual !== undefined ? { actual: f.actual } : {}),
    });
  }
  for (const n of new Set(input.ran)) {
    if (withFindings.has(n) || input.modes(n) === 'off') continue;
    const def = defs.get(n);
    if (!def) throw new Error(`report: no item ${n} at stage ${input.stage}`);
    items.push({ code: itemCode(input.stage, n), property: propertyOf(n), name: def.name, status: 'pass', target: 'package', message: '通过' });
  }
  for (const [n, reason] of input.skipped) {
    if (withFindings.has(n)) continue;
    const def = defs.get(n);
    if (!def) continue;
    items.push({ code: itemCode(input.stage, n), property: propertyOf(n), name: def.name, status: 'skip', target: 'package', message: reason });
  }
  items.sort(compareItems);
  const summary = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const i of items) summary[i.status]++;
  return {
    reportVersion: 1,
    stage: input.stage,
    verdict: summary.fail > 0 ? 'rejected' : 'accepted',
    package: input.package,
    ...(input.profile ? { profile: input.profile } : {}),
    items,
    summary,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    tool: input.tool,
  };
}

/** Failures first, then by property, then by item number, then by target. */
function compareItems(a: ReportItem, b: ReportItem): number {
  return (
    STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
    PROPERTY_ORDER.indexOf(a.property) - PROPERTY_ORDER.indexOf(b.property) ||
    codeOrder(a.code) - codeOrder(b.code) ||
    a.target.localeCompare(b.target, 'zh-CN')
  );
}

function codeOrder(code: string): number {
  const [, g, n] = code.split('-');
  return Number(g) * 100 + Number(n);
}
