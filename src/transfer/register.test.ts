// The 移交登记表 written and read back, the 开放利用意见 put into record metadata, and a register
// that is not one refused.
import { describe, expect, it } from 'vitest';
import { withAccessOpinion } from './build.ts';
import { gigabytes, parseTransferRegister, renderRegisterHtml, writeHandoverRegister, writeTransferRegister, type TransferRegister } from './register.ts';

const register: TransferRegister = {
  title: '某某县人民政府办公室 2024 年度电子档案移交',
  contentDescription: '文书档案 <2024> & 案卷',
  transferringUnit: '某某县人民政府办公室',
  receivingUnit: '某某县档案馆',
  fonds: 'J001',
  recordCount: 2,
  volumeCount: 0,
  fileCount: 3,
  totalBytes: 1610612736,
  dataVolumeGb: gigabytes(1610612736),
  carrier: '在线',
  digests: [{ object: 'manifest-sm3.txt', algorithm: 'SM3', value: 'ab'.repeat(32) }],
  archivalCodes: ['J001-WS·2024-Y-BGS-0001', 'J001-WS·2024-Y-BGS-0002'],
  results: { authenticity: '通过', integrity: '通过', usability: '通过', security: '未检测' },
  preparedBy: '张三',
  reviewedBy: '李四',
  transferredAt: '2026-11-22T03:00:00.000Z',
};

describe('移交登记表', () => {
  it('reads back what it wrote, 移交数据量 in GB with 3 decimals', () => {
    expect(register.dataVolumeGb).toBe('1.500');
    const r = parseTransferRegister(Buffer.from(writeTransferRegister(register)));
    expect(r).toEqual({ ok: true, register });
  });

  it('refuses a DOCTYPE, a wrong root and missing counts', () => {
    const xml = writeTransferRegister(register);
    expect(parseTransferRegister(Buffer.from(xml.replace('<移交登记表', '<!DOCTYPE x [<!ENTITY a "b">]><移交登记表'))).ok).toBe(false);
    expect(parseTransferRegister(Buffer.from('<交接登记表/>')).ok).toBe(false);
    const r = parseTransferRegister(Buffer.from(xml.replace(/<文件数量>\d+<\/文件数量>/, '<文件数量>三</文件数量>')));
    expect(r.ok ? '' : r.problem).toContain('文件数量');
  });

  it('the 交接登记表 and the printable page carry the receiving side', () => {
    const h = { ...register, packageDigests: [{ object: 't.zip', algorithm: 'SHA256' as const, value: 'cd'.repeat(32) }], receivedResults: register.results, outcome: '接收' as const, receivedBy: '王五', receivedAt: '2026-11-22T04:00:00.000Z' };
    expect(writeHandoverRegister(h)).toContain('<接收人>王五</接收人>');
    const page = renderRegisterHtml(h);
    expect(page).toContain('接收结果');
    expect(page).toContain('文书档案 &lt;2024&gt; &amp; 案卷');
  });
});

describe('开放利用意见 (<权限管理><控制标识>)', () => {
  const base = '<电子文件元数据 版本="1.0">\n  <聚合层次>件</聚合层次>\n</电子文件元数据>\n';
  it('is added when the record states none, and kept when it does', () => {
    expect(withAccessOpinion(base, '控制')).toContain('<权限管理><控制标识>控制</控制标识></权限管理>\n</电子文件元数据>');
    const open = base.replace('</电子文件元数据>', '<权限管理><控制标识>开放</控制标识></权限管理></电子文件元数据>');
    expect(withAccessOpinion(open, '控制')).toBe(open);
    expect(withAccessOpinion(base.replace('</电子文件元数据>', '<权限管理/></电子文件元数据>'), '开放')).toContain('<权限管理><控制标识>开放</控制标识></权限管理>');
  });
});
