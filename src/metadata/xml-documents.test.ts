// Tests of the 元数据.xml, 案卷元数据.xml and 目录文件.xml parsers and writers.
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import type { Catalogue, RecordMetadata, VolumeMetadata } from './model.ts';
import {
  sampleCatalogue,
  sampleDecisionRecord,
  sampleDigitizedRecord,
  sampleItemRecord,
  sampleMinimalRecord,
  sampleServiceRecord,
  sampleVolume,
} from './samples.ts';
import {
  parseCatalogue,
  parseRecordMetadata,
  parseVolumeMetadata,
  writeCatalogue,
  writeRecordMetadata,
  writeVolumeMetadata,
} from './xml-documents.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Removes what a parser adds (`at`, `file`, `leaves`) so a parsed model compares with its draft. */
function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== 'at' && k !== 'file' && k !== 'leaves')
        .map(([k, x]) => [k, strip(x)]),
    );
  }
  return v;
}

const RECORD = `<?xml version="1.0" encoding="UTF-8"?>
<电子文件元数据 版本="1.0">
  <聚合层次>件</聚合层次>
  <来源>
    <档案馆名称/> <档案馆代码/> <全宗名称/>
    <立档单位名称>某某县人民政府办公室</立档单位名称>
  </来源>
  <电子文件号>3301-2024-000123</电子文件号>
  <档号>
    <全宗号>J001</全宗号> <门类代码>WS</门类代码> <年度>2024</年度>
    <保管期限>Y</保管期限> <机构或问题>BGS</机构或问题> <件号>0001</件号>
  </档号>
  <内容描述>
    <题名>关于&#x4E2D;&#x6587;的通知</题名>
    <责任者>某某县人民政府办公室</责任者>
    <日期>20240315</日期>
    <密级>公开</密级>
    <附注></附注>
  </内容描述>
  <形式特征><文件组合类型>单件</文件组合类型><页数>3</页数></形式特征>
  <电子文件>
    <文档序号>1</文档序号>
    <文档主从声明>主文档</文档主从声明>
    <计算机文件名>正文.pdf</计算机文件名>
    <计算机文件大小>048213</计算机文件大小>
    <格式信息>PDF/A-2b</格式信息>
    <数字摘要>66c7f0f4</数字摘要>
    <电子签名><签名算法标识>SM2-SM3</签名算法标识><签名结果>AAA=</签名结果><证书>BBB=</证书></电子签名>
    <电子签名><签名算法标识>RSA-SHA256</签名算法标识><签名结果>CCC=</签名结果><证书>DDD=</证书></电子签名>
  </电子文件>
  <电子文件>
    <文档序号>2</文档序号><文档主从声明>附属文档</文档主从声明><计算机文件名>附件.ofd</计算机文件名>
    <计算机文件大小>10</计算机文件大小><格式信息>OFD</格式信息><数字摘要>ab</数字摘要>
  </电子文件>
  <业务实体>
    <业务状态>历史行为</业务状态> <业务行为>签发</业务行为>
    <行为时间>2024-03-15T09:00:00+08:00</行为时间> <机构人员名称>李四</机构人员名称>
  </业务实体>
  <权限管理><控制标识>开放</控制标识></权限管理>
</电子文件元数据>`;

describe('parseRecordMetadata', () => {
  it('reads the example of the package format as strings, absent as undefined, empty as empty', () => {
    const { value: r, findings } = parseRecordMetadata(utf8(RECORD), 'J001-WS·2024-Y-BGS-0001/元数据.xml');
    expect(findings).toEqual([]);
    expect(r).toBeDefined();
    const rec = r as RecordMetadata;
    expect(rec.file).toBe('J001-WS·2024-Y-BGS-0001/元数据.xml');
    expect(rec.version).toBe('1.0');
    expect(rec.archivalCode).toEqual({
      at: '电子文件元数据/档号',
      fonds: 'J001',
      category: 'WS',
      year: '2024',
      retention: 'Y',
      division: 'BGS',
      itemNumber: '0001',
    });
    expect(rec.provenance?.archiveName).toBe('');
    expect(rec.description?.title).toBe('关于中文的通知');
    expect(rec.description?.annotation).toBe('');
    expect(rec.description?.documentNumber).toBeUndefined();
    expect(rec.description?.decisionStage).toBeUndefined();
    expect(rec.serviceCase).toBeUndefined();
    expect(rec.files).toHaveLength(2);
    expect(rec.files[0]!.size).toBe('048213');
    expect(rec.files[0]!.at).toBe('电子文件元数据/电子文件[1]');
    expect(rec.files[0]!.signatures.map((s) => [s.at, s.algorithm])).toEqual([
      ['电子文件元数据/电子文件[1]/电子签名[1]', 'SM2-SM3'],
      ['电子文件元数据/电子文件[1]/电子签名[2]', 'RSA-SHA256'],
    ]);
    expect(rec.files[1]!.signatures).toEqual([]);
    expect(rec.processes[0]).toMatchObject({ action: '签发', agentName: '李四', at: '电子文件元数据/业务实体[1]' });
    expect(rec.rights?.controlMark).toBe('开放');
    expect(rec.leaves.find((l) => l.path === '电子文件元数据/电子文件[2]/数字摘要')?.value).toBe('ab');
    expect(rec.leaves.find((l) => l.path === '电子文件元数据/档号/件号')).toEqual({ path: '电子文件元数据/档号/件号', value: '0001', line: 11 });
    expect(rec.leaves.find((l) => l.path === '电子文件元数据/内容描述/题名')?.line).toBe(14);
  });

  it('keeps leading and trailing spaces and reports markup inside a value', () => {
    const xml = RECORD.replace('<题名>关于&#x4E2D;&#x6587;的通知</题名>', '<题名> 通知 <b>加粗</b></题名>');
    const { value, findings } = parseRecordMetadata(utf8(xml), 'r/元数据.xml');
    expect(value?.description?.title).toBe(' 通知 ');
    expect(findings).toEqual([expect.objectContaining({ item: '1-6', target: 'r/元数据.xml', actual: '<b>' })]);
    expect(findings[0]!.message).toContain('电子文件元数据/内容描述/题名');
  });

  it('reports elements out of order, unknown and repeated elements, stray text', () => {
    const xml = RECORD.replace('<电子文件号>3301-2024-000123</电子文件号>', '')
      .replace('<聚合层次>件</聚合层次>', '<聚合层次>件</聚合层次><电子文件号>X</电子文件号><电子文件号>Y</电子文件号>')
      .replace('<权限管理>', '<扩展>1</扩展><权限管理>')
      .replace('<形式特征>', '<形式特征>多余');
    const { value, findings } = parseRecordMetadata(utf8(xml), 'r/元数据.xml');
    expect(value?.recordId).toBe('X');
    const messages = findings.map((f) => `${f.item} ${f.severity ?? 'fail'} ${f.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^3-1 fail 第 3 行：元素 电子文件元数据\/电子文件号 重复出现/),
      expect.stringMatching(/^3-1 fail 第 4 行：元素顺序错误：电子文件元数据\/来源 应在 电子文件元数据\/电子文件号 之前/),
      expect.stringMatching(/^3-1 fail 第 20 行：元素 电子文件元数据\/形式特征 中含有多余的文本/),
      expect.stringMatching(/^3-1 warn 第 \d+ 行：未知元素 电子文件元数据\/扩展/),
    ]);
  });

  it('reports a record that mixes the item and volume forms of 档号', () => {
    const xml = RECORD.replace('<件号>0001</件号>', '<件号>0001</件号><目录号>001</目录号>');
    const { findings } = parseRecordMetadata(utf8(xml), 'r/元数据.xml');
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/电子文件元数据\/档号 混用了两种形式/)]);
  });

  it('refuses a wrong root element and unreadable XML with findings, never throwing', () => {
    const wrong = parseRecordMetadata(utf8('<案卷元数据/>'), 'r/元数据.xml');
    expect(wrong.value).toBeUndefined();
    expect(wrong.findings).toEqual([expect.objectContaining({ item: '3-1', expected: '电子文件元数据', actual: '案卷元数据' })]);
    const dtd = parseRecordMetadata(utf8('<!DOCTYPE x [<!ENTITY a "b">]><电子文件元数据/>'), 'r/元数据.xml');
    expect(dtd.value).toBeUndefined();
    expect(dtd.findings[0]!.item).toBe('3-1');
    const bad = parseRecordMetadata(new Uint8Array([0xff, 0x00, 0x3c]), 'r/元数据.xml');
    expect(bad.value).toBeUndefined();
    expect(bad.findings[0]!.item).toBe('3-1');
    expect(parseRecordMetadata(utf8(RECORD), 'r', { maxBytes: 100 }).findings[0]!.message).toMatch(/过大/);
  });

  it('reads a GBK-declared document', () => {
    const gbk = iconv.encode(RECORD.replace('encoding="UTF-8"', 'encoding="GBK"'), 'gbk');
    const { value, findings } = parseRecordMetadata(gbk, 'r/元数据.xml');
    expect(findings).toEqual([]);
    expect(value?.provenance?.unitName).toBe('某某县人民政府办公室');
  });

  it('round-trips every sample: parse(write(x)) = x, with no findings', () => {
    for (const sample of [sampleItemRecord(), sampleMinimalRecord(), sampleDecisionRecord(), sampleServiceRecord(), sampleDigitizedRecord()]) {
      const xml = writeRecordMetadata(sample);
      const { value, findings } = parseRecordMetadata(utf8(xml), 'r/元数据.xml');
      expect(findings).toEqual([]);
      expect(strip(value)).toEqual(sample);
      // and a parsed model writes back to the same text
      expect(writeRecordMetadata(value!)).toBe(xml);
    }
  });

  it('writes values that need escaping, and spaces, so that they read back the same', () => {
    const r = sampleMinimalRecord();
    r.description!.title = ' a & b < c > d "e" \'f\' ';
    r.description!.annotation = '第一行\r\n第二行';
    const { value } = parseRecordMetadata(utf8(writeRecordMetadata(r)), 'x');
    expect(value?.description?.title).toBe(r.description!.title);
    expect(value?.description?.annotation).toBe('第一行\r\n第二行');
  });
});

describe('parseVolumeMetadata', () => {
  it('reads the volume example and round-trips', () => {
    const xml = `<案卷元数据 版本="1.0">
  <聚合层次>卷</聚合层次>
  <档号><全宗号>J001</全宗号><目录号>001</目录号><案卷号>0012</案卷号></档号>
  <案卷题名>关于……的重大行政决策</案卷题名>
  <立档单位名称>某某县人民政府办公室</立档单位名称>
  <起止日期>20240105-20240620</起止日期>
  <件数>14</件数> <页数>212</页数>
  <保管期限>Y</保管期限>
  <立卷人>王五</立卷人> <检查人>赵六</检查人> <立卷时间>20240701</立卷时间>
  <备考></备考>
</案卷元数据>`;
    const { value, findings } = parseVolumeMetadata(utf8(xml), 'J001-001-0012/案卷元数据.xml');
    expect(findings).toEqual([]);
    const v = value as VolumeMetadata;
    expect(v.archivalCode).toEqual({ at: '案卷元数据/档号', fonds: 'J001', catalogueNumber: '001', volumeNumber: '0012' });
    expect(v.recordCount).toBe('14');
    expect(v.notes).toBe('');
    const sample = sampleVolume();
    expect(strip(parseVolumeMetadata(utf8(writeVolumeMetadata(sample)), 'x').value)).toEqual(sample);
  });

  it('refuses a record document given as a volume', () => {
    const { value, findings } = parseVolumeMetadata(utf8(RECORD), 'v/案卷元数据.xml');
    expect(value).toBeUndefined();
    expect(findings[0]).toMatchObject({ item: '3-1', expected: '案卷元数据' });
  });
});

describe('parseCatalogue', () => {
  it('reads entries in order and round-trips', () => {
    const sample = sampleCatalogue();
    const xml = writeCatalogue(sample);
    const { value, findings } = parseCatalogue(utf8(xml), '目录文件.xml');
    expect(findings).toEqual([]);
    const c = value as Catalogue;
    expect(c.entries.map((e) => [e.at, e.sequence, e.archivalCode])).toEqual([
      ['文件目录/文件[1]', '1', 'J001-WS·2024-Y-BGS-0001'],
      ['文件目录/文件[2]', '2', 'J001-WS·2024-D30-0002'],
    ]);
    expect(c.entries[0]!.remarks).toBe('');
    expect(c.entries[1]!.remarks).toBeUndefined();
    expect(strip(c)).toEqual(sample);
    expect(writeCatalogue(sample.entries)).toBe(xml);
  });

  it('reads a large catalogue batch by batch exactly as whole, findings and lines included', () => {
    const entry = (i: number) => {
      const code = `<档号>J001-WS·2024-Y-${String(i).padStart(5, '0')}</档号>`;
      const seq = `<顺序号>${i}</顺序号>`;
      // out of order, unknown and repeated elements here and there: their findings must not change
      const body = i % 97 === 0 ? code + seq : i % 89 === 0 ? `${seq}${code}<未知>x</未知>` : i % 83 === 0 ? `${seq}${code}${code}` : seq + code;
      return `\n  <文件>${body}<题名>题名${i}</题名></文件>`;
    };
    const bytes = utf8(`<?xml version="1.0" encoding="UTF-8"?>\n<文件目录>${Array.from({ length: 4000 }, (_, i) => entry(i + 1)).join('')}\n</文件目录>\n`);
    const batched = parseCatalogue(bytes, '目录文件.xml', { chunkAbove: 0 });
    const whole = parseCatalogue(bytes, '目录文件.xml', { chunkAbove: Number.POSITIVE_INFINITY });
    expect(batched.value?.entries).toHaveLength(4000);
    expect(batched.findings.length).toBeGreaterThan(100);
    expect(batched).toEqual(whole);
  });

  it('reads an empty catalogue, and reports structure problems as 1-12', () => {
    expect(parseCatalogue(utf8('<文件目录/>'), '目录文件.xml').value?.entries).toEqual([]);
    const swapped = parseCatalogue(utf8('<文件目录><文件><档号>A</档号><顺序号>1</顺序号></文件></文件目录>'), '目录文件.xml');
    expect(swapped.findings).toEqual([expect.objectContaining({ item: '1-12', message: expect.stringMatching(/顺序错误/) })]);
    const wrongRoot = parseCatalogue(utf8('<目录/>'), '目录文件.xml');
    expect(wrongRoot.value).toBeUndefined();
    expect(wrongRoot.findings[0]!.item).toBe('1-12');
    const malformed = parseCatalogue(utf8('<文件目录><文件></文件目录>'), '目录文件.xml');
    expect(malformed.findings[0]!.item).toBe('3-1');
  });
});
