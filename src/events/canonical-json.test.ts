// Canonical JSON: the exact bytes event hashes cover.
import { describe, expect, it } from 'vitest';
import { canonicalJson, normalizeJson } from './canonical-json.ts';

describe('canonicalJson', () => {
  it('sorts keys by UTF-16 code units, writes no whitespace, drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, 档号: 'J001', Z: {} })).toBe(
      '{"Z":{},"a":[true,null,"x"],"b":1,"档号":"J001"}',
    );
    // By code units U+1F600 (surrogates 0xD83D 0xDE00) comes before U+FF21, unlike code point order.
    expect(canonicalJson({ '\uFF21': 2, '\u{1F600}': 1, z: 3 })).toBe('{"z":3,"😀":1,"Ａ":2}');
  });

  it('writes numbers and strings as ECMAScript JSON does', () => {
    expect(canonicalJson([1, -0, 0.5, 1e21, 1e-7, 123456789012, -1.25])).toBe('[1,0,0.5,1e+21,1e-7,123456789012,-1.25]');
    expect(canonicalJson('a"b\\c\n\t\u0001\u2028中')).toBe('"a\\"b\\\\c\\n\\t\\u0001\u2028中"');
  });

  it('refuses what PostgreSQL cannot store or JSON cannot say', () => {
    for (const bad of [Number.NaN, Infinity, 1n, new Date(0), new Map(), () => 1, Symbol('s'), 'a\u0000', '\uD800', [undefined]]) {
      expect(() => canonicalJson(bad), String(typeof bad)).toThrow(TypeError);
    }
    expect(() => canonicalJson({ nested: { when: new Date(0) } })).toThrow(/\$\.nested\.when/);
  });

  it('normalizeJson returns what the database will give back', () => {
    expect(normalizeJson({ a: undefined, b: [1, { c: undefined }] })).toEqual({ b: [1, {}] });
  });
});
