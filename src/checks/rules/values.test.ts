import { describe, expect, it } from 'vitest';
import { builtinProfile } from '../../config/profile.ts';
import { parseRecordMetadata, RECORD_DEF, sampleItemRecord, writeRecordMetadata, type RecordMetadata } from '../../metadata/index.ts';
import { checkValues } from './values.ts';

const profile = builtinProfile('default');

function check(edit: (r: ReturnType<typeof sampleItemRecord>) => void, xmlEdit: (x: string) => string = (x) => x) {
  const draft = sampleItemRecord();
  edit(draft);
  const parsed = parseRecordMetadata(Buffer.from(xmlEdit(writeRecordMetadata(draft))), 'R/元数据.xml');
  expect(parsed.value).toBeDefined();
  return checkValues(RECORD_DEF, parsed.value as RecordMetadata, 'R', profile).map((f) => [f.item, f.severity ?? 'fail', f.message]);
}

describe('metadata value rules', () => {
  it('finds nothing wrong with the sample record', () => {
    expect(check(() => {})).toEqual([]);
  });

  it('GD-2-3 absent and GD-2-4 empty are told apart', () => {
    const f = check(() => {}, (x) => x.replace(/<责任者>[^<]*<\/责任者>/, '').replace(/<题名>[^<]*<\/题名>/, '<题名></题名>'));
    expect(f).toEqual(expect.arrayContaining([
      ['2-3', 'fail', expect.stringContaining('内容描述/责任者')],
      ['2-4', 'fail', expect.stringContaining('内容描述/题名')],
    ]));
  });

  it('GD-1-2 lengths, GD-1-3 patterns and real dates, GD-1-4 domains', () => {
    const f = check((r) => {
      r.description!.title = '长'.repeat(501);
      r.description!.date = '20240231';
      r.archivalCode!.year = '24';
      r.description!.classification = '内部';
      r.files[0].digest = 'ABC';
    });
    expect(f.map((x) => x[0]).sort()).toEqual(['1-2', '1-3', '1-3', '1-3', '1-4']);
    expect(f.find((x) => x[0] === '1-2')![2]).toContain('长度 501 超过上限 500');
    expect(f.some((x) => String(x[2]).includes('不是真实存在的日期'))).toBe(true);
  });

  it('accepts 永久 and YYYY-MM-DD with warnings', () => {
    const f = check((r) => {
      r.archivalCode!.retention = '永久';
      r.description!.date = '2024-03-15';
    });
    expect(f).toEqual([
      ['1-4', 'warn', expect.stringContaining('应使用代码 Y')],
      ['1-3', 'warn', expect.stringContaining('YYYY-MM-DD')],
    ]);
  });

  it('GD-1-6 control characters, markup and leading/trailing spaces', () => {
    const f = check((r) => {
      r.description!.title = ' 通知';
      r.description!.author = '办公室BEL';
      r.description!.subjectTerms = '<b>防汛</b>';
    }, (x) => x.replace('<b>防汛</b>', '&lt;b&gt;防汛&lt;/b&gt;').replace('办公室BEL', '办公室\u0090')); // a C1 control: XML 1.0 lets it through
    expect(f.filter((x) => x[0] === '1-6').map((x) => x[2])).toEqual([
      expect.stringContaining('题名 首尾有空格'),
      expect.stringContaining('责任者 含控制字符'),
      expect.stringContaining('主题词 含标记'),
    ]);
  });

  it('does not ask for the volume-form 档号 elements of an item-form record', () => {
    expect(check(() => {}).filter((x) => String(x[2]).includes('卷内顺序号'))).toEqual([]);
  });
});
