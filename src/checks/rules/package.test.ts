import { describe, expect, it } from 'vitest';
import {
  parseCatalogue,
  parseDescription,
  parseRecordMetadata,
  sampleCatalogue,
  sampleDescription,
  sampleItemRecord,
  writeCatalogue,
  writeDescription,
  writeRecordMetadata,
  type RecordMetadata,
} from '../../metadata/index.ts';
import { checkPackage, groupKey, recordFacts, type HeldCatalogue, type PackageRuleInput } from './package.ts';

function record(itemNumber: string, recordId: string, edit: (r: ReturnType<typeof sampleItemRecord>) => void = () => {}) {
  const d = sampleItemRecord();
  d.archivalCode!.itemNumber = itemNumber;
  d.recordId = recordId;
  edit(d);
  const code = `J001-WS·2024-Y-BGS-${itemNumber}`;
  return { target: code, record: parseRecordMetadata(Buffer.from(writeRecordMetadata(d)), `${code}/元数据.xml`).value as RecordMetadata };
}

function input(records: PackageRuleInput['records'], opts: { description?: Record<string, string>; catalogue?: boolean; held?: HeldCatalogue } = {}): PackageRuleInput {
  const desc = { ...sampleDescription(), fonds: 'J001', recordCount: String(records.length), fileCount: '4', totalBytes: '1000', codeRange: undefined, codeRangeParts: undefined, ...opts.description };
  const catalogue = opts.catalogue
    ? parseCatalogue(Buffer.from(writeCatalogue(records.map((r, i) => ({
        sequence: String(i + 1), archivalCode: r.target, title: r.record!.description!.title, author: r.record!.description!.author,
        date: r.record!.description!.date, retention: 'Y', classification: '公开', pageCount: r.record!.form?.pageCount,
      })))), '目录文件.xml').value
    : undefined;
  return {
    description: parseDescription(Buffer.from(writeDescription(desc)), '说明文件.txt').value,
    descriptionPath: '说明文件.txt',
    catalogue,
    cataloguePath: '目录文件.xml',
    records,
    contentFiles: 4,
    contentBytes: 1000,
    held: opts.held,
  };
}

const items = (f: ReturnType<typeof checkPackage>) => f.map((x) => [x.item, x.severity ?? 'fail', x.message]);

describe('package rules', () => {
  it('pass on a consistent package', () => {
    expect(sampleCatalogue()).toBeDefined();
    expect(items(checkPackage(input([record('0001', 'a'), record('0002', 'b')], { catalogue: true })))).toEqual([]);
  });

  it('GD-2-1 and GD-2-2 compare counts and bytes with 说明文件', () => {
    const f = checkPackage(input([record('0001', 'a')], { description: { recordCount: '2', fileCount: '5', totalBytes: '999' } }));
    expect(f.map((x) => [x.item, x.expected, x.actual])).toEqual([['2-1', '2', '1'], ['2-2', '5', '4'], ['2-2', '999', '1000']]);
  });

  it('GD-1-12 fonds, catalogue ↔ folders, and catalogue fields', () => {
    const recs = [record('0001', 'a'), record('0002', 'b', (r) => { r.archivalCode!.fonds = 'J002'; })];
    recs[1].target = 'J002-WS·2024-Y-BGS-0002';
    const inp = input(recs, { catalogue: true });
    inp.catalogue!.entries[0].title = '别的题名';
    inp.catalogue!.entries.push({ at: 'x', archivalCode: 'J001-WS·2024-Y-BGS-0009' });
    const f = items(checkPackage(inp));
    expect(f).toEqual(expect.arrayContaining([
      ['1-12', 'fail', expect.stringContaining('全宗号 J002 与说明文件的全宗号 J001 不一致')],
      ['1-12', 'fail', expect.stringContaining('题名与元数据不一致')],
      ['1-12', 'fail', expect.stringContaining('J001-WS·2024-Y-BGS-0009 没有对应的档案文件夹')],
      ['2-1', 'fail', expect.stringContaining('目录文件列出 3 件')],
    ]));
  });

  it('GD-1-8 finds repeated 档号 and 电子文件号, in the package and in the holdings', () => {
    const f = items(checkPackage(input([record('0001', 'a'), record('0002', 'a')])));
    expect(f).toEqual([['1-8', 'fail', expect.stringContaining('电子文件号 a 重复')]]);
    const held: HeldCatalogue = { maxItemNumber: new Map(), archivalCodes: new Set(['J001-WS·2024-Y-BGS-0001']), recordIds: new Set(['b']) };
    expect(items(checkPackage(input([record('0001', 'a'), record('0002', 'b')], { held }))).filter((x) => x[0] === '1-8').map((x) => x[2])).toEqual([
      expect.stringContaining('已在馆藏中'), expect.stringContaining('电子文件号 b 已在馆藏中'),
    ]);
  });

  it('GD-2-6 finds gaps and repeats, and continues from the highest 件号 held', () => {
    expect(items(checkPackage(input([record('0001', 'a'), record('0003', 'b')])))).toEqual([['2-6', 'fail', expect.stringContaining('在 1 与 3 之间断号')]]);
    const held: HeldCatalogue = { maxItemNumber: new Map([[groupKey({ fonds: 'J001', category: 'WS', year: '2024', retention: 'Y', division: 'BGS' }), 7]]), archivalCodes: new Set(), recordIds: new Set() };
    expect(items(checkPackage(input([record('0008', 'a'), record('0009', 'b')], { held })))).toEqual([]);
    expect(items(checkPackage(input([record('0001', 'a')], { held })))).toEqual([['2-6', 'fail', expect.stringContaining('应从 8 开始（馆藏已有至 7）')]]);
    // checked offline: a later batch starting above 1 is only a warning
    expect(items(checkPackage(input([record('0008', 'a')])))).toEqual([['2-6', 'warn', expect.stringContaining('无法确认')]]);
  });

  it('give the same findings on the facts the engine keeps of each record as on whole records', () => {
    const recs = [
      record('0001', 'a', (r) => { r.archivalCode!.fonds = 'J002'; }),
      record('0002', 'a', (r) => { r.description!.author = '别的责任者'; r.form!.pageCount = '7'; }),
      record('0002', 'c'),
      record('0005', 'd', (r) => { r.description!.classification = '内部'; r.description!.date = '20240102'; }),
    ];
    const whole = input(recs, { catalogue: true, description: { recordCount: '3' } });
    whole.catalogue!.entries[1].author = '某人';
    whole.catalogue!.entries[3].classification = '公开';
    whole.catalogue!.entries[3].date = '20240101';
    whole.catalogue!.entries[1].pageCount = '3';
    const held: HeldCatalogue = { maxItemNumber: new Map(), archivalCodes: new Set(['J001-WS·2024-Y-BGS-0005']), recordIds: new Set(['c']) };
    const expected = checkPackage({ ...whole, held });
    expect(new Set(expected.map((f) => f.item))).toEqual(new Set(['1-12', '2-1', '1-8', '2-6']));
    const facts = recs.map((r) => ({ target: r.target, record: recordFacts(r.record) }));
    expect(JSON.stringify(facts[0].record).length).toBeLessThan(JSON.stringify(recs[0].record).length / 3);
    expect(checkPackage({ ...whole, held, records: facts })).toEqual(expected);
  });
});
