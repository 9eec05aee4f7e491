import { describe, expect, it } from 'vitest';
import { applyPatch, builtinProfile } from '../../config/profile.ts';
import { parseRecordMetadata, sampleItemRecord, writeRecordMetadata, type RecordMetadata } from '../../metadata/index.ts';
import { chinaDate, checkRecord } from './record.ts';

const FOLDER = 'J001-WS·2024-Y-BGS-0001';

function run(edit: (r: ReturnType<typeof sampleItemRecord>) => void = () => {}, opts: { folder?: string; profile?: Parameters<typeof applyPatch>[1] } = {}) {
  const draft = sampleItemRecord();
  edit(draft);
  const r = parseRecordMetadata(Buffer.from(writeRecordMetadata(draft)), `${FOLDER}/元数据.xml`).value as RecordMetadata;
  const profile = applyPatch(builtinProfile('default'), opts.profile ?? {});
  return checkRecord(r, { profile, today: '20260101', folderName: opts.folder ?? FOLDER, target: FOLDER }).map((f) => [f.item, f.message]);
}

describe('record rules', () => {
  it('pass on the sample record', () => {
    expect(run()).toEqual([]);
  });

  it('GD-1-5: 年度 vs 日期, future and too old dates, page count', () => {
    const f = run((r) => { r.description!.date = '20230315'; r.form!.pageCount = '0'; });
    expect(f).toEqual([['1-5', expect.stringContaining('年度 2024 与日期 20230315')], ['1-5', expect.stringContaining('页数应大于 0')]]);
    expect(run((r) => { r.description!.date = '20270101'; r.archivalCode!.year = '2027'; }, { folder: 'J001-WS·2027-Y-BGS-0001' }).map((x) => x[1])).toEqual([
      expect.stringContaining('晚于今天'), expect.stringContaining('年度 2027 在未来'),
    ]);
    expect(run((r) => { r.description!.date = '18991231'; r.archivalCode!.year = '1899'; }, { folder: 'J001-WS·1899-Y-BGS-0001' })).toEqual([['1-5', expect.stringContaining('早于 19000101')]]);
  });

  it('GD-1-7: folder name, 件号 width, the configured pattern, incomplete components', () => {
    expect(run(() => {}, { folder: 'J001-WS·2024-Y-BGS-0002' })).toEqual([['1-7', expect.stringContaining('文件夹名与档号不一致')]]);
    expect(run((r) => { r.archivalCode!.itemNumber = '1'; }, { folder: 'J001-WS·2024-Y-BGS-1' })).toEqual([['1-7', expect.stringContaining('应补零为 4 位')]]);
    expect(run(() => {}, { profile: { archivalCode: { pattern: 'J\\d{3}-WS·\\d{4}-(Y|D30|D10)-\\d{4}' } } })).toEqual([['1-7', expect.stringContaining('不符合本单位的档号规则')]]);
    expect(run((r) => { delete r.archivalCode!.category; })).toEqual([['1-7', expect.stringContaining('组成项不全')]]);
  });

  it('GD-2-5 process records when the profile asks; GD-2-7 a main document; GD-3-5; GD-4-7', () => {
    expect(run((r) => { r.processes = []; }, { profile: { requireProcessRecords: true } })).toEqual([['2-5', expect.any(String)]]);
    expect(run((r) => { r.files[0].role = '附属文档'; })).toEqual([['2-7', expect.stringContaining('没有主文档')]]);
    expect(run(() => {}, { profile: { deniedSoftware: ['wps'] } })).toEqual([['3-5', expect.stringContaining('WPS Office 12')]]);
    expect(run((r) => { r.description!.classification = '机密'; })).toEqual([['4-7', expect.stringContaining('机密')]]);
    expect(run((r) => { r.description!.classification = '秘密'; }, { profile: { refusedSecrecy: ['机密', '绝密'] } })).toEqual([]);
  });

  it('computes today in China Standard Time', () => {
    expect(chinaDate(new Date('2025-12-31T16:30:00Z'))).toBe('20260101');
  });
});
