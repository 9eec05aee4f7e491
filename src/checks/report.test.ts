import { describe, expect, it } from 'vitest';
import type { ItemNumber } from './finding.ts';
import { buildReport, type ItemMode } from './report.ts';
import { renderReportHtml } from './report-html.ts';

const base = {
  stage: 'archiving' as const,
  package: { name: 'batch.zip', layout: 'native' as const, records: 2, files: 3, bytes: 100 },
  startedAt: new Date('2026-01-01T00:00:00Z'),
  finishedAt: new Date('2026-01-01T00:00:01Z'),
  tool: { name: 'dangan', version: '0.1.0' },
  skipped: new Map<ItemNumber, string>([['4-2', '未配置病毒扫描 (no scanner configured)']]),
};

describe('report', () => {
  it('lists every failure, one pass per clean item, skips with reasons, failures first', () => {
    const r = buildReport({
      ...base,
      ran: ['1-1', '1-7', '2-2', '4-3'],
      modes: () => 'fail',
      findings: [
        { item: '1-1', target: 'J001-WS·2024-Y-BGS-0003/正文.pdf', message: 'SM3 不符', expected: 'aa', actual: 'bb' },
        { item: '1-1', target: 'J001-WS·2024-Y-BGS-0004/正文.pdf', message: 'SM3 不符' },
        { item: '4-3', target: '.DS_Store', message: '系统垃圾文件', severity: 'warn' },
      ],
    });
    expect(r.verdict).toBe('rejected');
    expect(r.summary).toEqual({ pass: 2, fail: 2, warn: 1, skip: 1 });
    expect(r.items.map((i) => [i.code, i.status])).toEqual([
      ['GD-1-1', 'fail'], ['GD-1-1', 'fail'], ['GD-4-3', 'warn'], ['GD-4-2', 'skip'], ['GD-1-7', 'pass'], ['GD-2-2', 'pass'],
    ]);
    expect(r.items[0]).toEqual({
      code: 'GD-1-1', property: 'authenticity', name: '固化信息有效性检测', status: 'fail',
      target: 'J001-WS·2024-Y-BGS-0003/正文.pdf', message: 'SM3 不符', expected: 'aa', actual: 'bb',
    });
  });

  it('is accepted with only warnings, and a profile can downgrade or switch off an item', () => {
    const modes = (n: ItemNumber): ItemMode => (n === '1-1' ? 'warn' : n === '2-2' ? 'off' : 'fail');
    const r = buildReport({ ...base, ran: ['1-1', '2-2'], modes, findings: [
      { item: '1-1', target: 'a', message: 'x' }, { item: '2-2', target: 'package', message: 'y' },
    ] });
    expect(r.verdict).toBe('accepted');
    expect(r.items.map((i) => [i.code, i.status])).toEqual([['GD-1-1', 'warn'], ['GD-4-2', 'skip']]);
  });

  it('uses the stage prefix', () => {
    const r = buildReport({ ...base, stage: 'transfer', ran: ['2-4'], modes: () => 'fail', findings: [], skipped: new Map() });
    expect(r.items).toEqual([expect.objectContaining({ code: 'YJ-2-4', name: '移交信息包完整性检测', status: 'pass' })]);
  });

  it('renders Chinese HTML with the four properties and escapes what the package says', () => {
    const r = buildReport({ ...base, ran: [], modes: () => 'fail', findings: [{ item: '1-6', target: 'J001/<script>', message: '题名含 <b>' }] });
    const page = renderReportHtml(r);
    for (const h of ['真实性检测', '完整性检测', '可用性检测', '安全性检测', '不通过（退回）', 'GD-1-6', '元数据项数据包含特殊字符检测'])
      expect(page).toContain(h);
    expect(page).toContain('J001/&lt;script&gt;');
    expect(page).not.toContain('<script>');
  });
});
