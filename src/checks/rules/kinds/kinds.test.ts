// The record kinds through the engine on real packages: each rule of each built-in profile made to
// pass and to fail (ImageMagick's convert makes the scans).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPatch, builtinProfile, type ProfilePatch } from '../../../config/profile.ts';
import { createNoScanner } from '../../../scan/index.ts';
import { checkPackage } from '../../engine.ts';
import type { Report } from '../../report.ts';
import {
  DECISION_VOLUME,
  folderOf,
  KINDS,
  kindSpec,
  loadKindContent,
  makeScan,
  writeKindPackage,
  type Kind,
  type KindContent,
  type KindPackageSpec,
} from '../../../../test/fixtures/packages/kinds.ts';

const NOW = new Date('2026-11-20T04:00:00Z');
let work: string;
let content: KindContent;
const specs = new Map<Kind, KindPackageSpec>();
let n = 0;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dangan-kinds-'));
  content = loadKindContent();
  for (const k of KINDS) specs.set(k, await kindSpec(k, content));
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Writes the kind's valid package, changed by `edit`, and checks it with the kind's profile. */
async function check(kind: Kind, edit: (s: KindPackageSpec) => void = () => {}, opts: { patch?: ProfilePatch; now?: Date; profile?: string; stage?: 'archiving' | 'transfer' } = {}): Promise<Report> {
  const spec = structuredClone(specs.get(kind)!);
  edit(spec);
  const dir = join(work, `p${n++}`);
  writeKindPackage(dir, spec);
  const profile = applyPatch(builtinProfile(opts.profile ?? kind), opts.patch ?? {});
  return checkPackage(dir, { stage: opts.stage ?? 'archiving', profile, scanner: createNoScanner(), tool: { name: 'dangan', version: 'test' }, now: () => opts.now ?? NOW });
}

function problems(r: Report): string[] {
  return [...new Set(r.items.filter((i) => i.status === 'fail' || i.status === 'warn').map((i) => `${i.code}:${i.status}`))].sort();
}
const items = (r: Report, code: string, status = 'fail') => r.items.filter((i) => i.code === code && i.status === status);
const status = (r: Report, code: string) => [...new Set(r.items.filter((i) => i.code === code).map((i) => i.status))];
const record = (s: KindPackageSpec, stage: string) => s.records.find((r) => r.meta.description?.decisionStage === stage)!;

describe('each kind: its valid package passes every item it runs', () => {
  it.each(KINDS)('%s', async (kind) => {
    const r = await check(kind);
    expect(problems(r)).toEqual([]);
    expect(r.verdict).toBe('accepted');
    expect(r.profile).toBe(kind);
  });
});

describe('重大行政决策 (decision)', () => {
  it('GD-2-9: a volume missing 风险评估 without a 情况说明 is rejected; a 情况说明 of that stage satisfies it', async () => {
    const missing = await check('decision', (s) => { s.records = s.records.filter((r) => r.meta.description?.decisionStage !== '风险评估'); });
    expect(missing.verdict).toBe('rejected');
    expect(problems(missing)).toEqual(['GD-2-9:fail']);
    expect(items(missing, 'GD-2-9')).toEqual([expect.objectContaining({ target: DECISION_VOLUME, expected: '风险评估', message: expect.stringContaining('缺少“风险评估”阶段的文件') })]);

    const explained = await check('decision', (s) => {
      const r = record(s, '风险评估');
      r.meta.description!.title = '关于未开展社会稳定风险评估的情况说明';
      r.meta.description!.documentType = '情况说明';
    });
    expect(problems(explained)).toEqual([]);
    expect(status(explained, 'GD-2-9')).toEqual(['pass']);
  });

  it('GD-2-9: every statutory stage missing is named', async () => {
    const r = await check('decision', (s) => { s.records = s.records.filter((x) => !['公众参与', '专家论证', '集体讨论决定'].includes(x.meta.description!.decisionStage!)); });
    expect(items(r, 'GD-2-9').map((i) => i.expected)).toEqual(['公众参与', '专家论证', '集体讨论决定']);
  });

  it('GD-2-9: records out of the statutory stage order', async () => {
    const r = await check('decision', (s) => {
      const [a, b] = [s.records[1], s.records[2]];
      s.records[1] = b;
      s.records[2] = a;
    });
    expect(problems(r)).toEqual(['GD-2-9:fail']);
    expect(items(r, 'GD-2-9')[0]).toMatchObject({ target: `${DECISION_VOLUME}/${DECISION_VOLUME}-003`, actual: '公众参与', message: expect.stringContaining('排在“专家论证”阶段') });
  });

  it('GD-2-9: minutes (纪要) must name the participants, by 参会 process records or in 附注', async () => {
    const none = await check('decision', (s) => {
      const m = record(s, '集体讨论决定').meta;
      m.processes = [];
      m.description!.documentType = '会议纪要';
    });
    expect(problems(none)).toEqual(['GD-2-9:fail']);
    expect(items(none, 'GD-2-9')[0].message).toContain('参会人员');
    const inNote = await check('decision', (s) => {
      const m = record(s, '集体讨论决定').meta;
      m.processes = [];
      m.description!.annotation = '参会人员：县长张某、副县长李某';
    });
    expect(problems(inNote)).toEqual([]);
  });

  it('GD-2-9: a decision record outside a volume', async () => {
    const r = await check('decision', (s) => {
      const loose = structuredClone(s.records[0]);
      loose.volume = undefined;
      loose.meta.archivalCode = { fonds: 'J001', category: 'WS', year: '2026', retention: 'Y', itemNumber: '0001' };
      s.records.push(loose);
    });
    expect(items(r, 'GD-2-9')).toEqual([expect.objectContaining({ target: 'J001-WS·2026-Y-0001', message: expect.stringContaining('一事一卷') })]);
  });

  it('GD-2-3 and GD-1-4: 决策阶段 absent or outside its domain', async () => {
    const r = await check('decision', (s) => {
      delete s.records[6].meta.description!.decisionStage;
      s.records[5].meta.description!.decisionStage = '会议决定';
    });
    expect(items(r, 'GD-2-3')[0].message).toContain('决策阶段');
    expect(items(r, 'GD-1-4')[0]).toMatchObject({ actual: '会议决定' });
    // the same package under the default profile: 决策阶段 is optional there
    const plain = await check('decision', (s) => { delete s.records[6].meta.description!.decisionStage; }, { profile: 'default' });
    expect(problems(plain)).toEqual([]);
    expect(status(plain, 'GD-2-9')).toEqual(['skip']);
  });

  it('GD-1-4: a decision volume not kept permanently', async () => {
    const r = await check('decision', (s) => { s.volumes[DECISION_VOLUME].retention = 'D30'; });
    expect(problems(r)).toEqual(['GD-1-4:fail']);
    expect(items(r, 'GD-1-4')[0]).toMatchObject({ target: DECISION_VOLUME, expected: 'Y', actual: 'D30' });
  });

  it('GD-2-12: due in the first quarter after the last date (20260420 → 2027-03-31), a warning by default', async () => {
    expect(status(await check('decision', undefined, { now: new Date('2027-03-31T10:00:00Z') }), 'GD-2-12')).toEqual(['pass']);
    const late = await check('decision', undefined, { now: new Date('2027-04-01T10:00:00Z') });
    expect(problems(late)).toEqual(['GD-2-12:warn']);
    expect(late.verdict).toBe('accepted');
    expect(items(late, 'GD-2-12', 'warn')[0]).toMatchObject({ target: DECISION_VOLUME, expected: '≤ 20270331', actual: '20270401' });
    const strict = await check('decision', undefined, { now: new Date('2027-04-01T10:00:00Z'), patch: { items: { 'GD-2-12': 'fail' } } });
    expect(strict.verdict).toBe('rejected');
    // at transfer, years after archiving, timeliness of archiving is not checked again
    const transfer = await check('decision', undefined, { now: new Date('2031-04-01T10:00:00Z'), stage: 'transfer' });
    // (a plain package carries no 移交登记表 or seal: YJ-1-5 is the transfer check's, see rules/transfer.ts)
    expect(problems(transfer)).toEqual(['YJ-1-5:fail']);
    expect(items(transfer, 'YJ-2-12', 'skip')[0].message).toMatch(/归档阶段/);
  });
});

describe('volumes (案卷): 页号 and the volume against its records', () => {
  it('GD-1-5: a 页号 that disagrees with 页数 or overlaps the previous record, a page skipped, a volume 页数 short of the last page', async () => {
    const r = await check('decision', (s) => {
      const rec = s.records[2];
      rec.keepCode = true;
      rec.meta.archivalCode = { fonds: 'J001', catalogueNumber: '001', volumeNumber: '0015', sequenceInVolume: '003', pageRange: '2/3' };
    });
    expect(items(r, 'GD-1-5').map((i) => i.message)).toEqual([
      expect.stringContaining('页号 2/3 含 2 页，页数记为 1'),
      expect.stringContaining('页号应从第 3 页开始，实为第 2 页（重页）'),
    ]);
    const short = await check('decision', (s) => { s.volumes[DECISION_VOLUME].pageCount = '6'; });
    expect(items(short, 'GD-1-5').map((i) => i.message)).toEqual([expect.stringContaining('卷内文件页数合计 7'), expect.stringContaining('案卷页数记为 6，卷内文件页号止于第 7 页')]);
    const skipped = await check('decision', (s) => {
      s.records[3].keepCode = true;
      s.records[3].meta.archivalCode = { fonds: 'J001', catalogueNumber: '001', volumeNumber: '0015', sequenceInVolume: '004', pageRange: '5' };
    });
    expect(items(skipped, 'GD-1-5').map((i) => i.message)).toEqual([expect.stringContaining('页号应从第 4 页开始，实为第 5 页（漏页）'), expect.stringContaining('页号应从第 6 页开始，实为第 5 页（重页）')]);
  });

  it('GD-1-5: a backwards 页号; GD-2-6: a gap in 卷内顺序号; GD-1-5: 件数 and 起止日期', async () => {
    const r = await check('decision', (s) => {
      s.records[1].keepCode = true;
      s.records[1].meta.archivalCode = { fonds: 'J001', catalogueNumber: '001', volumeNumber: '0015', sequenceInVolume: '002', pageRange: '9/2' };
      s.records[6].keepCode = true;
      s.records[6].meta.archivalCode = { fonds: 'J001', catalogueNumber: '001', volumeNumber: '0015', sequenceInVolume: '009', pageRange: '7' };
      s.volumes[DECISION_VOLUME] = { ...s.volumes[DECISION_VOLUME], recordCount: '8', dateRange: '20260105-20260401' };
    });
    expect(items(r, 'GD-2-6')[0].message).toContain('在 6 与 9 之间断号');
    const messages = items(r, 'GD-1-5').map((i) => i.message).join('\n');
    expect(messages).toContain('页号 9/2 不合理');
    expect(messages).toContain('案卷件数记为 8，卷内实有 7 件');
    expect(messages).toContain('案卷起止日期记为 20260105-20260401');
  });
});

describe('政务服务 (gov-service)', () => {
  const [CASE1, CASE2] = ['J009-ZW·2026-D30-SP-0001', 'J009-ZW·2026-D30-SP-0002'];

  it('GD-2-9: a 办件 without 结果材料 (an 电子证照 counts as the result)', async () => {
    const r = await check('gov-service', (s) => {
      s.records[1].files[1].extra!.materialCategory = '过程材料';
      s.records[0].files[2].extra!.materialCategory = '过程材料'; // case 1 keeps its 电子证照
    });
    expect(problems(r)).toEqual(['GD-2-9:fail']);
    expect(items(r, 'GD-2-9')).toEqual([expect.objectContaining({ target: CASE2, message: expect.stringContaining('办件缺少结果材料') })]);
  });

  it('GD-2-3: 办件信息 and 材料类别 are required; GD-1-4: 材料类别 outside its domain', async () => {
    const r = await check('gov-service', (s) => {
      delete s.records[1].meta.serviceCase;
      delete s.records[0].files[1].extra!.materialCategory;
      s.records[0].files[0].extra!.materialCategory = '申请材料';
    });
    expect(items(r, 'GD-2-3').map((i) => [i.target, i.expected])).toEqual([[CASE1, '材料类别'], [CASE2, '办件信息']]);
    expect(items(r, 'GD-1-4')[0]).toMatchObject({ target: CASE1, actual: '申请材料' });
    expect(problems(await check('gov-service', (s) => { delete s.records[1].meta.serviceCase; }, { profile: 'default' }))).toEqual([]);
  });

  it('GD-2-3, 2-4: an 电子证照 keeps its 证照编号 and 证照类型', async () => {
    const r = await check('gov-service', (s) => {
      delete s.records[0].files[3].extra!.licenceNumber;
      s.records[0].files[3].extra!.licenceType = '';
    });
    expect(problems(r)).toEqual(['GD-2-3:fail', 'GD-2-4:fail']);
    expect(items(r, 'GD-2-3')[0].message).toMatch(/电子证照 许可证\.ofd 缺少元素 .*证照编号/);
    expect(items(r, 'GD-2-4')[0].message).toContain('证照类型');
  });

  it('GD-2-5: the process steps 收件/受理/审核/办结; GD-1-5: in time order, and 受理 before 办结', async () => {
    const r = await check('gov-service', (s) => {
      s.records[0].meta.processes = s.records[0].meta.processes.filter((p) => p.action !== '审核');
      const p2 = s.records[1].meta.processes;
      p2[3].time = '2026-05-01T08:00:00+08:00'; // 办结 before 收件
      s.records[1].meta.serviceCase!.acceptedAt = '2026-05-13T09:00:00+08:00';
    });
    expect(items(r, 'GD-2-5')).toEqual([expect.objectContaining({ target: CASE1, message: expect.stringContaining('缺少“审核”过程信息') })]);
    expect(items(r, 'GD-1-5').map((i) => i.message)).toEqual([expect.stringContaining('“办结”的行为时间早于“审核”'), expect.stringContaining('受理时间 2026-05-13T09:00:00+08:00 晚于办结时间')]);
    // no process records at all: the profile's GD-2-5
    const none = await check('gov-service', (s) => { s.records[1].meta.processes = []; });
    expect(items(none, 'GD-2-5')).toEqual([expect.objectContaining({ target: CASE2, message: expect.stringContaining('缺少过程信息') })]);
  });

  it('GD-1-8: a repeated 办件编号', async () => {
    const r = await check('gov-service', (s) => { s.records[1].meta.serviceCase!.caseNumber = s.records[0].meta.serviceCase!.caseNumber; });
    expect(problems(r)).toEqual(['GD-1-8:fail']);
    expect(items(r, 'GD-1-8')[0]).toMatchObject({ target: CASE2, actual: 'BJ20260401000077' });
  });

  it('GD-2-12: due by the end of June of the year after 办结时间', async () => {
    expect(status(await check('gov-service', undefined, { now: new Date('2027-06-30T12:00:00Z') }), 'GD-2-12')).toEqual(['pass']);
    const late = await check('gov-service', undefined, { now: new Date('2027-07-01T12:00:00Z') });
    expect(items(late, 'GD-2-12', 'warn').map((i) => i.target)).toEqual([CASE1, CASE2]);
  });
});

describe('重特大事件 (emergency)', () => {
  it('GD-2-9: no work log (工作日志)', async () => {
    const r = await check('emergency', (s) => { s.records[1].meta.description!.documentType = '报告'; });
    expect(problems(r)).toEqual(['GD-2-9:fail']);
    expect(items(r, 'GD-2-9')[0]).toMatchObject({ target: 'package', expected: '工作日志' });
  });

  it('GD-2-9 (warning): work logs that stop before the response ended', async () => {
    const r = await check('emergency', (s) => { s.records[1].meta.description!.date = '20260920'; });
    expect(problems(r)).toEqual(['GD-2-9:warn']);
    expect(r.verdict).toBe('accepted');
  });

  it('GD-1-4: records not kept permanently', async () => {
    const r = await check('emergency', (s) => {
      for (const x of s.records) x.meta.archivalCode!.retention = 'D30';
    });
    expect(problems(r)).toEqual(['GD-1-4:fail']);
    expect(items(r, 'GD-1-4')).toHaveLength(3);
  });

  it('GD-2-12: within six months after 应对结束日期 (20260930 → 2027-03-30); without the date it is skipped and 说明文件 warned', async () => {
    expect(status(await check('emergency', undefined, { now: new Date('2027-03-30T12:00:00Z') }), 'GD-2-12')).toEqual(['pass']);
    const late = await check('emergency', undefined, { now: new Date('2027-03-31T12:00:00Z') });
    expect(problems(late)).toEqual(['GD-2-12:warn']);
    expect(items(late, 'GD-2-12', 'warn')[0]).toMatchObject({ expected: '≤ 20270330' });
    const undated = await check('emergency', (s) => { delete s.description!.responseEndDate; });
    expect(problems(undated)).toEqual(['GD-1-12:warn']);
    expect(status(undated, 'GD-2-12')).toEqual(['skip']);
  });

  it('GD-3-3: photos, audio and video are on its format list, not on the digitized one', async () => {
    const r = await check('emergency', undefined, { profile: 'digitized', patch: { required: builtinProfile('default').required } });
    expect(items(r, 'GD-3-3').map((i) => i.target.split('/').pop()).sort()).toEqual(['指挥部通话.wav', '现场录像.mp4', '现场录音.mp3']);
  });
});

describe('数字化 (digitized)', () => {
  const [SCAN1, SCAN2] = ['J001-WS·1998-Y-BGS-0001', 'J001-WS·1998-Y-BGS-0002'];
  const withScan = (i: number, j: number, bytes: Buffer, dpi: string) => (s: KindPackageSpec) => {
    s.records[i].files[j].bytes = bytes;
    s.records[i].files[j].extra = { ...s.records[i].files[j].extra, digitization: { resolution: dpi, colourMode: '彩色' } };
  };

  it('GD-1-5: a 150 dpi JPEG recorded as 150 is below the 200 dpi minimum', async () => {
    const r = await check('digitized', withScan(0, 0, makeScan('jpg', 150), '150'));
    expect(problems(r)).toEqual(['GD-1-5:fail']);
    expect(items(r, 'GD-1-5')[0]).toMatchObject({ target: `${SCAN1}/0001.jpg`, message: expect.stringContaining('低于最低要求 200 dpi') });
  });

  it('GD-1-5: the recorded resolution differs from the TIFF\'s own', async () => {
    const r = await check('digitized', withScan(1, 0, makeScan('tif', 240), '300'));
    expect(problems(r)).toEqual(['GD-1-5:fail']);
    expect(items(r, 'GD-1-5')[0]).toMatchObject({ target: `${SCAN2}/0001.tif`, actual: '240 dpi' });
  });

  it('a PNG whose pHYs is in pixels per metre (ImageMagick -units PixelsPerCentimeter) passes at 300 dpi', async () => {
    const r = await check('digitized', withScan(1, 1, makeScan('png', 300, { units: 'PixelsPerCentimeter' }), '300'));
    expect(problems(r)).toEqual([]);
  });

  it('GD-1-5: the profile\'s minimum (minScanDpi 400) fails every 300 dpi scan', async () => {
    const r = await check('digitized', undefined, { patch: { minScanDpi: 400 } });
    expect(items(r, 'GD-1-5').map((i) => i.target.split('/').pop()).sort()).toEqual(['0001.jpg', '0001.tif', '0002.png']);
  });

  it('GD-1-5: a scanned PDF recorded below the minimum', async () => {
    const r = await check('digitized', (s) => {
      s.records[0].files[0] = { name: '0001.pdf', bytes: content.pdf, format: 'PDF', extra: { digitization: { resolution: '150', colourMode: '灰度' } } };
    });
    expect(problems(r)).toEqual(['GD-1-5:fail']);
    expect(items(r, 'GD-1-5')[0]).toMatchObject({ target: `${SCAN1}/0001.pdf`, actual: '150 dpi' });
  });

  it('GD-2-3: 数字化属性 on every file; GD-1-4: 扫描色彩模式 outside its domain', async () => {
    const r = await check('digitized', (s) => {
      delete s.records[1].files[1].extra!.digitization;
      s.records[0].files[0].extra = { digitization: { resolution: '300', colourMode: '真彩' } };
    });
    expect(items(r, 'GD-2-3')[0]).toMatchObject({ target: SCAN2, expected: '数字化属性' });
    expect(items(r, 'GD-1-4')[0]).toMatchObject({ target: SCAN1, actual: '真彩' });
    expect(status(r, 'GD-2-9')).toEqual(['skip']);
    expect(status(r, 'GD-2-12')).toEqual(['skip']);
  });
});

it('the folders of the specs are where the tests look', async () => {
  expect(folderOf(specs.get('decision')!, 2)).toBe(`${DECISION_VOLUME}/${DECISION_VOLUME}-003`);
  expect(folderOf(specs.get('digitized')!, 0)).toBe('J001-WS·1998-Y-BGS-0001');
});

describe('the checked-in samples (packages-samples/profiles)', () => {
  const samples = join(import.meta.dirname, '..', '..', '..', '..', 'packages-samples', 'profiles');
  const expected: Record<Kind, string[]> = {
    decision: ['GD-2-9:fail'],
    'gov-service': ['GD-2-5:fail', 'GD-2-9:fail'],
    emergency: ['GD-2-9:fail'],
    digitized: ['GD-1-5:fail'],
  };
  it.each(KINDS)('%s: valid is accepted, invalid rejected for its intended reason', async (kind) => {
    const run = (v: string) => checkPackage(join(samples, kind, v), { stage: 'archiving', profile: builtinProfile(kind), scanner: createNoScanner(), tool: { name: 'dangan', version: 'test' }, now: () => NOW });
    expect(problems(await run('valid'))).toEqual([]);
    const bad = await run('invalid');
    expect(bad.verdict).toBe('rejected');
    expect(problems(bad)).toEqual(expected[kind]);
  });
});
