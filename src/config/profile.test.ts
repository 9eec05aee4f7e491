import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinProfile, itemMode, loadProfile, parseProfile, ProfileError } from './profile.ts';

describe('check profiles', () => {
  it('has the built-in profiles under English and Chinese names', () => {
    for (const [en, zh] of [['default', '文书'], ['decision', '重大行政决策'], ['gov-service', '政务服务'], ['emergency', '重特大事件'], ['digitized', '数字化']]) {
      expect(builtinProfile(zh)).toEqual(builtinProfile(en));
    }
    expect(builtinProfile('gov-service')).toMatchObject({ kind: 'gov-service', requireProcessRecords: true });
    expect(itemMode(builtinProfile('default'), '4-3')).toBe('warn');
    expect(itemMode(builtinProfile('default'), '1-1')).toBe('fail');
  });

  it('lets an operator file extend a built-in profile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dangan-profile-'));
    const file = join(dir, 'county.yaml');
    writeFileSync(file, [
      'extends: decision',
      'items: { GD-2-12: off, 1-6: warn }',
      'formats: [OFD, PDF, EXE]',
      'archivalCode: { itemNumberWidth: 5 }',
      'virusScan: required',
      'limits: { maxEntries: 10 }',
    ].join('\n'));
    const p = await loadProfile(file);
    expect(p).toMatchObject({ name: 'county', kind: 'decision', virusScan: 'required' });
    expect(p.items).toMatchObject({ '2-12': 'off', '1-6': 'warn', '4-3': 'warn' });
    expect(p.formats).toEqual(['OFD', 'PDF']); // executables are never allowed
    expect(p.archivalCode).toEqual({ itemNumberWidth: 5, volumeSequenceWidth: 3 });
    expect(p.limits.maxEntries).toBe(10);
    expect(p.limits.maxMetadataBytes).toBe(8 * 1024 ** 2);
  });

  it('explains what is wrong with a profile', () => {
    expect(() => parseProfile('items: { X-1: warn }\nvirusScan: maybe\nbogus: 1', 'p.yaml')).toThrow(ProfileError);
    try {
      parseProfile('items: { X-1: warn }\nvirusScan: maybe', 'p.yaml');
    } catch (e) {
      expect((e as Error).message).toMatch(/items\.X-1: expected an item number/);
      expect((e as Error).message).toMatch(/virusScan/);
    }
    expect(() => parseProfile('extends: nosuch', 'p.yaml')).toThrow(/no built-in profile/);
    expect(() => parseProfile('a: [', 'p.yaml')).toThrow(/not valid YAML/);
  });
});
