// The transfer items on their own: how archiving findings are filed at stage transfer, the
// register checks skipped while a package is being built, and an unreadable package.
import { describe, expect, it } from 'vitest';
import { createTrustStore } from '../../crypto/index.ts';
import { finding } from '../finding.ts';
import { checkTransfer, type TransferCheckInput } from './transfer.ts';

const base = (over: Partial<TransferCheckInput>): TransferCheckInput => ({
  path: '/nonexistent',
  native: true,
  findings: [],
  records: [],
  volumes: 0,
  contentFiles: 0,
  contentBytes: 0,
  wholeFiles: new Map(),
  seals: [],
  trust: createTrustStore([]),
  now: new Date('2026-11-22T00:00:00Z'),
  ...over,
});

describe('checkTransfer', () => {
  it('files GD-1-5 under YJ-1-3 and GD-2-4 under YJ-2-3, keeps 2-1, and drops the transfer files flagged as extra', async () => {
    const { findings } = await checkTransfer(
      base({
        building: true,
        findings: [
          finding('1-5', 'J001/x', '年度与日期不符'),
          finding('2-4', 'J001/x', '必填项为空'),
          finding('2-1', '说明文件.txt', '件数不符'),
          finding('4-3', '检测报告.json', '多余文件'),
          finding('4-3', 'stray.txt', '多余文件'),
          finding('1-14', '移交登记表.xml', '文件未列入 manifest-sm3.txt (file not in the package manifest)'),
        ],
      }),
    );
    expect(findings.map((f) => [f.item, f.target])).toEqual([
      ['1-3', 'J001/x'],
      ['2-3', 'J001/x'],
      ['2-1', '说明文件.txt'],
      ['4-3', 'stray.txt'],
    ]);
    expect(findings[0].message).toContain('GD-1-5');
  });

  it('skips the register items while the package is built', async () => {
    const { findings, skipped } = await checkTransfer(base({ building: true }));
    expect(findings).toEqual([]);
    expect([...skipped.keys()].sort()).toEqual(['1-5', '2-1', '2-4']);
  });

  it('an unreadable (cut short) package fails YJ-1-5', async () => {
    const { findings } = await checkTransfer(base({ native: false }));
    expect(findings.map((f) => f.item)).toEqual(['1-5']);
  });

  it('a register handed in is compared with what is present', async () => {
    const xml = `<移交登记表><档案数量>2</档案数量><文件数量>1</文件数量><总字节数>10</总字节数><档案清单><档号>A-1</档号></档案清单></移交登记表>`;
    const { findings } = await checkTransfer(base({ register: Buffer.from(xml), contentFiles: 1, contentBytes: 10, records: [{ target: 'J/A-2' }] }));
    const byItem = (n: string) => findings.filter((f) => f.item === n).map((f) => f.target);
    expect(byItem('2-1')).toEqual(['移交登记表.xml']);
    expect(byItem('2-4').sort()).toEqual(['A-1', 'J/A-2']);
    // no manifest digest registered, no seal
    expect(byItem('1-5').length).toBe(2);
  });
});
