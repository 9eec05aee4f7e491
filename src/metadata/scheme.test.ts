// Tests of the scheme helpers checks use: visiting elements (absent/empty) and value rules.
import { describe, expect, it } from 'vitest';
import { RECORD_DEF, VALUE_TYPE, valueProblem, visitElements, type LeafDef } from './index.ts';
import { sampleDecisionRecord, sampleMinimalRecord } from './samples.ts';
import { parseRecordMetadata, writeRecordMetadata } from './xml-documents.ts';

describe('visitElements', () => {
  it('lists absent and empty elements with the parser paths, only the 档号 branch in use', () => {
    const draft = sampleMinimalRecord();
    delete draft.description!.title;
    draft.description!.author = '';
    delete draft.form;
    const { value } = parseRecordMetadata(new TextEncoder().encode(writeRecordMetadata(draft)), 'r');
    const visits = visitElements(RECORD_DEF, value!);
    const requiredAbsent = visits.filter((v) => !v.present && v.def.required).map((v) => v.path);
    expect(requiredAbsent).toEqual(['电子文件元数据/内容描述/题名', '电子文件元数据/形式特征']);
    const requiredEmpty = visits.filter((v) => v.value === '' && v.def.required).map((v) => v.path);
    expect(requiredEmpty).toEqual(['电子文件元数据/内容描述/责任者']);
    expect(visits.some((v) => v.path.endsWith('/卷内顺序号'))).toBe(false);
    const digest = visits.find((v) => v.path === '电子文件元数据/电子文件[1]/数字摘要');
    expect(digest).toMatchObject({ present: true, value: value!.files[0]!.digest, line: expect.any(Number) });
    expect(visitElements(RECORD_DEF, draft).every((v) => v.line === undefined)).toBe(true);
    // every present leaf's path is one the parser recorded
    const leafPaths = new Set(value!.leaves.map((l) => l.path));
    for (const v of visits) if (v.present && v.def.kind === 'leaf') expect(leafPaths.has(v.path), v.path).toBe(true);
  });

  it('follows the volume branch of 档号 when a record uses it', () => {
    const visits = visitElements(RECORD_DEF, sampleDecisionRecord());
    const code = visits.filter((v) => v.path.startsWith('电子文件元数据/档号/')).map((v) => v.path.split('/').pop());
    expect(code).toEqual(['全宗号', '目录号', '案卷号', '卷内顺序号', '页号']);
  });
});

describe('valueProblem', () => {
  const leaf = (type: LeafDef['type'], maxLength?: number): LeafDef => ({ kind: 'leaf', name: 'x', key: 'x', required: true, type, ...(maxLength ? { maxLength } : {}) });
  it('tells length, domain and format apart', () => {
    expect(valueProblem(leaf(VALUE_TYPE.text, 3), '四个字符')).toBe('length');
    expect(valueProblem(leaf(VALUE_TYPE.text, 4), '四个字符')).toBeUndefined();
    expect(valueProblem(leaf(VALUE_TYPE.retention), 'D20')).toBe('domain');
    expect(valueProblem(leaf(VALUE_TYPE.retention), '永久')).toBeUndefined();
    expect(valueProblem(leaf(VALUE_TYPE.date), '2024-3-1')).toBe('format');
    expect(valueProblem(leaf(VALUE_TYPE.text), ' 前导空格')).toBe('format');
    expect(valueProblem(leaf(VALUE_TYPE.text), '含<b>标记')).toBe('format');
    expect(valueProblem(leaf(VALUE_TYPE.digest), 'AB'.repeat(32))).toBe('format');
    expect(valueProblem(leaf(VALUE_TYPE.archivalCode), 'J001-WS·2024-Y-BGS-0001')).toBeUndefined();
    expect(valueProblem(leaf(VALUE_TYPE.archivalCode), 'J001-001-0012-003')).toBeUndefined();
    expect(valueProblem(leaf(VALUE_TYPE.archivalCode), 'J001-WS.2024-Y-0001')).toBe('format');
  });
});
