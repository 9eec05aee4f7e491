// Tests of the 说明文件.txt parser and writer.
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { parseDescription, writeDescription } from './description.ts';
import { sampleDescription } from './samples.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

const TEXT = [
  '立档单位名称：某某县人民政府办公室',
  '全宗号：J001',
  '档案数量：12',
  '文件数量：30',
  '总字节数：5123456',
  '摘要算法：SM3',
  '形成时间：2024-03-20T10:00:00+08:00',
  '起止档号：J001-WS·2024-Y-BGS-0001至J001-WS·2024-Y-BGS-0012',
  '自定义项：保留',
  '',
].join('\r\n');

describe('parseDescription', () => {
  it('reads full-width colon lines, keeps unknown keys and the values as written', () => {
    const { value: d, findings } = parseDescription(utf8(TEXT), '说明文件.txt');
    expect(findings).toEqual([]);
    expect(d).toMatchObject({
      file: '说明文件.txt',
      encoding: 'utf-8',
      unitName: '某某县人民政府办公室',
      fonds: 'J001',
      recordCount: '12',
      fileCount: '30',
      totalBytes: '5123456',
      digestAlgorithmText: 'SM3',
      digestAlgorithm: 'sm3',
      createdAt: '2024-03-20T10:00:00+08:00',
      codeRangeParts: { first: 'J001-WS·2024-Y-BGS-0001', last: 'J001-WS·2024-Y-BGS-0012' },
      extra: { 自定义项: '保留' },
    });
    expect(d!.lines).toHaveLength(9);
    expect(d!.lines[8]).toEqual({ line: 9, key: '自定义项', value: '保留' });
  });

  it('reads ASCII colons (splitting at the first colon), a BOM, and the alias 移交单位', () => {
    const text = '\ufeff移交单位:某局\n全宗号:J002\n档案数量:1\n文件数量:1\n总字节数:9\n摘要算法:sha256\n形成时间:2024-03-20T10:00:00\n';
    const { value: d, findings } = parseDescription(utf8(text), '说明文件.txt');
    expect(findings).toEqual([]);
    expect(d).toMatchObject({ unitName: '某局', fonds: 'J002', digestAlgorithm: 'sha256', createdAt: '2024-03-20T10:00:00' });
    expect(d!.lines[0]!.key).toBe('移交单位');
  });

  it('falls back to GB18030 when the bytes are not UTF-8', () => {
    const { value: d, findings } = parseDescription(iconv.encode(TEXT, 'gbk'), '说明文件.txt');
    expect(findings).toEqual([]);
    expect(d!.encoding).toBe('gb18030');
    expect(d!.unitName).toBe('某某县人民政府办公室');
    expect(d!.codeRange).toBe('J001-WS·2024-Y-BGS-0001至J001-WS·2024-Y-BGS-0012');
  });

  it('keeps spaces around values for the special-character check', () => {
    const { value } = parseDescription(utf8(TEXT.replace('全宗号：J001', '全宗号： J001 ')), '说明文件.txt');
    expect(value!.fonds).toBe(' J001 ');
  });

  it('reports a missing or empty required key, bad numbers, an unknown algorithm, bad lines', () => {
    const text = TEXT.replace('全宗号：J001\r\n', '')
      .replace('档案数量：12', '档案数量：十二')
      .replace('文件数量：30', '文件数量：')
      .replace('摘要算法：SM3', '摘要算法：MD5')
      .concat('这一行没有冒号\n应对结束日期：2024-06-30\n档案数量：13\n');
    const { value, findings } = parseDescription(utf8(text), '说明文件.txt');
    expect(value!.recordCount).toBe('十二');
    expect(value!.digestAlgorithm).toBeUndefined();
    expect(findings.every((f) => f.item === '1-12' && f.target === '说明文件.txt')).toBe(true);
    expect(findings.map((f) => f.message)).toEqual([
      expect.stringMatching(/第 9 行不是/),
      expect.stringMatching(/第 11 行重复给出 档案数量/),
      expect.stringMatching(/缺少必填项 全宗号/),
      expect.stringMatching(/文件数量 为空/),
      expect.stringMatching(/档案数量 应为非负整数/),
      expect.stringMatching(/摘要算法应为 SM3 或 SHA256/),
      expect.stringMatching(/应对结束日期应为 YYYYMMDD/),
    ]);
    expect(findings[1]!.severity).toBe('warn');
  });

  it('reports every required key of an empty file, and unreadable bytes as 3-1', () => {
    expect(parseDescription(new Uint8Array(), '说明文件.txt').findings).toHaveLength(6);
    const bad = parseDescription(new Uint8Array([0x80, 0xff, 0xff, 0x30]), '说明文件.txt');
    expect(bad.value).toBeUndefined();
    expect(bad.findings[0]!.item).toBe('3-1');
    expect(parseDescription(utf8(TEXT), 'x', { maxBytes: 10 }).findings[0]).toMatchObject({ item: '3-1' });
  });

  it('round-trips what it writes', () => {
    const sample = sampleDescription();
    const written = writeDescription(sample);
    expect(written.startsWith('立档单位名称：某某县人民政府办公室\n全宗号：J001\n')).toBe(true);
    const { value, findings } = parseDescription(utf8(written), '说明文件.txt');
    expect(findings).toEqual([]);
    const { file, encoding, lines, ...rest } = value!;
    expect(encoding).toBe('utf-8');
    expect(lines).toHaveLength(11);
    expect(rest).toEqual(sample);
  });
});
