// The date helpers of the kinds' deadlines.
import { describe, expect, it } from 'vitest';
import { addMonths, dateOf, lateFinding, permanentRetention } from './shared.ts';

describe('deadline helpers', () => {
  it('adds calendar months, clamped to the end of the month', () => {
    expect(addMonths('20260930', 6)).toBe('20270330');
    expect(addMonths('20240831', 6)).toBe('20250228');
    expect(addMonths('20230831', 6)).toBe('20240229');
    expect(addMonths('20261115', 2)).toBe('20270115');
  });

  it('reads the local calendar date of a date-time as written', () => {
    expect(dateOf('2026-04-10T16:00:00+08:00')).toBe('20260410');
    expect(dateOf('20260410')).toBe('20260410');
    expect(dateOf('2026-02-30T00:00:00+08:00')).toBeUndefined();
    expect(dateOf('soon')).toBeUndefined();
  });

  it('is late only after the deadline day', () => {
    expect(lateFinding('x', '20270331', '20270331', 'r')).toBeUndefined();
    expect(lateFinding('x', '20270401', '20270331', 'r')).toMatchObject({ item: '2-12', expected: '≤ 20270331', actual: '20270401' });
  });

  it('takes 永久 for Y and reports other retention', () => {
    expect(permanentRetention('x', '永久', 'w')).toBeUndefined();
    expect(permanentRetention('x', undefined, 'w')).toBeUndefined();
    expect(permanentRetention('x', 'D10', 'w')).toMatchObject({ item: '1-4', actual: 'D10' });
  });
});
