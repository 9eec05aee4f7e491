// Tests of 档号 composition and parsing, both forms.
import { describe, expect, it } from 'vitest';
import { archivalCodeOf, composeArchivalCode, parseArchivalCode } from './archival-code.ts';
import type { ArchivalCodeParts } from './model.ts';

const cases: [string, ArchivalCodeParts][] = [
  ['J001-WS·2024-Y-BGS-0001', { form: 'item', fonds: 'J001', category: 'WS', year: '2024', retention: 'Y', division: 'BGS', itemNumber: '0001' }],
  ['J012-WS·2024-Y-0003', { form: 'item', fonds: 'J012', category: 'WS', year: '2024', retention: 'Y', itemNumber: '0003' }],
  ['1031-WS·2009-D30-0029', { form: 'item', fonds: '1031', category: 'WS', year: '2009', retention: 'D30', itemNumber: '0029' }],
  ['J001-001-0012', { form: 'volume', fonds: 'J001', catalogueNumber: '001', volumeNumber: '0012' }],
  ['J001-001-0012-003', { form: 'volume', fonds: 'J001', catalogueNumber: '001', volumeNumber: '0012', sequenceInVolume: '003' }],
];

describe('档号', () => {
  it.each(cases)('%s composes from and parses to its parts', (code, parts) => {
    expect(composeArchivalCode(parts)).toBe(code);
    expect(parseArchivalCode(code)).toEqual(parts);
  });

  it('treats an empty 机构或问题 as absent when composing', () => {
    expect(composeArchivalCode({ form: 'item', fonds: 'J1', category: 'WS', year: '2024', retention: 'Y', division: '', itemNumber: '1' })).toBe('J1-WS·2024-Y-1');
  });

  it('refuses strings of neither shape', () => {
    for (const bad of [
      '',
      'J001',
      'J001-WS.2024-Y-0001', // ASCII full stop instead of U+00B7
      'J001-WS·2024-Y',
      'J001-WS·2024-Y-BGS-0001-9',
      'J001--0012',
      'J001-001-0012-003-1',
      'J001-WS·2024·Y-0001',
      'J001 -WS·2024-Y-0001',
      'J001-001-0012/003',
    ]) {
      expect(parseArchivalCode(bad), bad).toBeUndefined();
    }
  });

  it('composes the string of a <档号> element, or nothing when incomplete or mixed', () => {
    expect(archivalCodeOf({ at: 'x', fonds: 'J001', category: 'WS', year: '2024', retention: 'Y', division: 'BGS', itemNumber: '0001' })).toBe('J001-WS·2024-Y-BGS-0001');
    expect(archivalCodeOf({ at: 'x', fonds: 'J001', catalogueNumber: '001', volumeNumber: '0012', sequenceInVolume: '003', pageRange: '15/17' })).toBe('J001-001-0012-003');
    expect(archivalCodeOf({ at: 'x', fonds: 'J001', catalogueNumber: '001', volumeNumber: '0012' })).toBe('J001-001-0012');
    expect(archivalCodeOf({ at: 'x', fonds: 'J001', category: 'WS', year: '2024', retention: 'Y' })).toBeUndefined();
    expect(archivalCodeOf({ at: 'x', fonds: 'J001', category: 'WS', year: '2024', retention: 'Y', itemNumber: '1', volumeNumber: '2', catalogueNumber: '3' })).toBeUndefined();
    expect(archivalCodeOf(undefined)).toBeUndefined();
  });
});
