// Audit policies: parsing with defaults, per-store lookup, hours across midnight, run intervals,
// the deterministic read-back share, and the throttle's arithmetic.
import { describe, expect, it } from 'vitest';
import { DEFAULT_STORE_POLICY, parseAuditPolicies, policyFor, readsInFull, runIntervalDays, withinHours } from './policy.ts';
import { createThrottle } from './throttle.ts';

describe('audit policies', () => {
  it('fills defaults and picks a store its own entry, else the wildcard, else the defaults', () => {
    const p = parseAuditPolicies({ stores: [{ store: 'backup-1', periodDays: 365, sharePerRun: 5, hours: { from: 22, to: 6 } }, { store: '*', digests: ['sha256'] }] });
    expect(p.timezone).toBe('Asia/Shanghai');
    expect(policyFor(p, 'backup-1')).toMatchObject({ store: 'backup-1', periodDays: 365, sharePerRun: 5, digests: ['sha256', 'sm3'], readBackPercent: 100, concurrency: 4 });
    expect(policyFor(p, 'primary')).toMatchObject({ store: 'primary', digests: ['sha256'], periodDays: 90 });
    expect(policyFor(parseAuditPolicies(undefined), 'x')).toEqual({ ...DEFAULT_STORE_POLICY, store: 'x' });
    expect(runIntervalDays(policyFor(p, 'backup-1'))).toBeCloseTo(18.25);
  });

  it('refuses what it does not understand, naming the setting', () => {
    expect(() => parseAuditPolicies({ stores: [{ store: 'a', sharePerRun: 0 }] })).toThrow(/stores\.0\.sharePerRun/);
    expect(() => parseAuditPolicies({ stores: [{ store: 'a', speed: 1 }] })).toThrow(/invalid audit policy/);
    expect(() => parseAuditPolicies({ timezone: 'Mars/Olympus' })).toThrow(/timezone/);
  });

  it('keeps to the hours in the policy time zone, across midnight too', () => {
    const night = { ...DEFAULT_STORE_POLICY, hours: { from: 22, to: 6 } };
    // 15:00 UTC is 23:00 in Shanghai; 04:00 UTC is 12:00.
    expect(withinHours(night, new Date('2026-01-01T15:00:00Z'), 'Asia/Shanghai')).toBe(true);
    expect(withinHours(night, new Date('2026-01-01T04:00:00Z'), 'Asia/Shanghai')).toBe(false);
    expect(withinHours(night, new Date('2026-01-01T21:59:00Z'), 'Asia/Shanghai')).toBe(true);
    expect(withinHours(night, new Date('2026-01-01T22:00:00Z'), 'Asia/Shanghai')).toBe(false);
    expect(withinHours({ ...night, hours: { from: 9, to: 17 } }, new Date('2026-01-01T04:00:00Z'), 'Asia/Shanghai')).toBe(true);
    expect(withinHours(DEFAULT_STORE_POLICY, new Date(), 'UTC')).toBe(true);
  });

  it('reads back in full the configured share of copies, the same way for the same run', () => {
    const p = { ...DEFAULT_STORE_POLICY, readBackPercent: 20 };
    const keys = Array.from({ length: 5000 }, (_, i) => `sha256/00/00/${i}`);
    const full = keys.filter((k) => readsInFull(p, 'run-1', k));
    expect(full.length / keys.length).toBeGreaterThan(0.17);
    expect(full.length / keys.length).toBeLessThan(0.23);
    expect(keys.filter((k) => readsInFull(p, 'run-1', k))).toEqual(full);
    expect(keys.filter((k) => readsInFull(p, 'run-2', k))).not.toEqual(full);
    expect(keys.every((k) => readsInFull(DEFAULT_STORE_POLICY, 'r', k))).toBe(true);
  });

  it('throttles: bytes so far never run ahead of the rate', async () => {
    let now = 0;
    const waits: number[] = [];
    const th = createThrottle(1000, () => now);
    const take = async (n: number) => {
      const before = performance.now();
      await th.take(n);
      waits.push(performance.now() - before);
    };
    await take(10); // 10 bytes at 1000 B/s: due at 10 ms
    now = 500;
    await take(100); // 110 bytes due at 110 ms, already past
    expect(waits[1]).toBeLessThan(5);
    expect(waits[0]).toBeGreaterThanOrEqual(5);
  });
});
