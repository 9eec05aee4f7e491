// Audit policies as data: per store, how often every copy must be audited, what share per run, how
// fast and in which hours; parsed once (YAML or JSON file, or the defaults) and handed to the runner.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export type DigestChoice = 'sha256' | 'sm3';

export interface StorePolicy {
  /** Store name, or '*' for every store without its own entry. */
  store: string;
  /** Every copy in the store is audited at least once per this many days. */
  periodDays: number;
  /** Share of the store's copies one scheduled run audits, in percent (oldest-audited first). */
  sharePerRun: number;
  /** Bytes read per second at most (all parallel reads together); undefined: unthrottled. */
  maxBytesPerSecond?: number;
  /** Hours scheduled runs may work in, [from, to) in `timezone`; from > to wraps midnight. Undefined: any hour. */
  hours?: { from: number; to: number };
  /** Share of the chosen copies read back in full; the others are checked for presence and size only. */
  readBackPercent: number;
  /** Digests recomputed on a full read and compared with the catalogue. */
  digests: DigestChoice[];
  /** Copies read at once. */
  concurrency: number;
  /** Rescan content files with the configured virus scanner (BC-4-2); primary store only. */
  rescan: boolean;
  /** Scheduled runs repair bad or missing copies from a good copy. */
  repair: boolean;
}

export interface AuditPolicies {
  /** IANA time zone for `hours` (default Asia/Shanghai). */
  timezone: string;
  stores: StorePolicy[];
}

const hour = z.number().int().min(0).max(24);
const storePolicySchema = z.strictObject({
  store: z.string().min(1),
  periodDays: z.number().positive().default(90),
  sharePerRun: z.number().gt(0).max(100).default(10),
  maxBytesPerSecond: z.number().int().positive().optional(),
  hours: z.strictObject({ from: hour, to: hour }).optional(),
  readBackPercent: z.number().min(0).max(100).default(100),
  digests: z.array(z.enum(['sha256', 'sm3'])).min(1).default(['sha256', 'sm3']),
  concurrency: z.number().int().min(1).max(64).default(4),
  rescan: z.boolean().default(true),
  repair: z.boolean().default(true),
});
const policiesSchema = z.strictObject({
  timezone: z.string().default('Asia/Shanghai'),
  stores: z.array(storePolicySchema).default([]),
});

/** Everything audited quarterly, a tenth per run, both digests, every copy read back in full. */
export const DEFAULT_STORE_POLICY: StorePolicy = storePolicySchema.parse({ store: '*' });

/** Parses policies given as data (an object from YAML/JSON); throws with every problem listed. */
export function parseAuditPolicies(data: unknown): AuditPolicies {
  const r = policiesSchema.safeParse(data ?? {});
  if (!r.success) {
    throw new Error(`稽核策略无效 (invalid audit policy): ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: r.data.timezone });
  } catch {
    throw new Error(`稽核策略无效 (invalid audit policy): timezone: unknown time zone ${r.data.timezone}`);
  }
  return r.data as AuditPolicies;
}

/** Reads a policy file (YAML or JSON); no file: the defaults. */
export async function loadAuditPolicies(file: string | undefined): Promise<AuditPolicies> {
  if (!file) return parseAuditPolicies({});
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return parseAuditPolicies({});
    throw e;
  }
  return parseAuditPolicies(parseYaml(text));
}

export function policyFor(p: AuditPolicies, store: string): StorePolicy {
  const own = p.stores.find((s) => s.store === store) ?? p.stores.find((s) => s.store === '*') ?? DEFAULT_STORE_POLICY;
  return { ...own, store };
}

/** The hour of day (0-23) at `now` in the time zone. */
export function hourIn(now: Date, timezone: string): number {
  const h = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', hourCycle: 'h23' }).format(now);
  return Number(h) % 24;
}

/** Whether scheduled work on this store may run at `now`. */
export function withinHours(policy: StorePolicy, now: Date, timezone: string): boolean {
  if (!policy.hours) return true;
  const { from, to } = policy.hours;
  if (from === to) return true;
  const h = hourIn(now, timezone);
  return from < to ? h >= from && h < to : h >= from || h < to;
}

/** Days between scheduled runs so that `sharePerRun` per run covers everything within `periodDays`. */
export function runIntervalDays(policy: StorePolicy): number {
  return (policy.periodDays * policy.sharePerRun) / 100;
}

/** Whether a copy chosen in an audit is read in full: deterministic per audit and key, so a resumed run decides alike. */
export function readsInFull(policy: StorePolicy, auditId: string, key: string): boolean {
  if (policy.readBackPercent >= 100) return true;
  if (policy.readBackPercent <= 0) return false;
  let h = 2166136261;
  for (const c of `${auditId}\u0000${key}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h % 10000 < policy.readBackPercent * 100;
}
