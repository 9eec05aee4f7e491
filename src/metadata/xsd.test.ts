// The published XSDs: generated from the scheme, and a real validator (libxml2's xmllint) accepts the
// writers' samples of every form and profile and refuses wrong order, bad values and missing elements.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Draft, RecordMetadata } from './model.ts';
import {
  sampleCatalogue,
  sampleDecisionRecord,
  sampleDigitizedRecord,
  sampleItemRecord,
  sampleMinimalRecord,
  sampleServiceRecord,
  sampleVolume,
} from './samples.ts';
import { parseCatalogue, parseRecordMetadata, writeCatalogue, writeRecordMetadata, writeVolumeMetadata } from './xml-documents.ts';
import { renderXsd, SCHEMAS_DIR, XSD_FILES } from './xsd.ts';

const dir = mkdtempSync(join(tmpdir(), 'dangan-xsd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Validates a document with xmllint against schemas/<xsd>; returns ok and xmllint's messages. */
function validate(xsd: string, xml: string): { ok: boolean; out: string } {
  const file = join(dir, `doc-${++n}.xml`);
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', join(SCHEMAS_DIR, xsd), file], { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0 && r.status !== 3) throw new Error(`xmllint exited ${r.status}: ${r.stderr}`);
  return { ok: r.status === 0, out: r.stderr };
}

const REC = 'record-metadata.xsd';

describe('schemas/', () => {
  it('holds exactly what the scheme renders (regenerate with npx node src/metadata/xsd.ts)', () => {
    for (const x of XSD_FILES) {
      expect(readFileSync(join(SCHEMAS_DIR, x.file), 'utf8'), x.file).toBe(renderXsd(x.def, x.title));
    }
  });

  it('are valid schemas for xmllint', () => {
    for (const x of XSD_FILES) {
      const r = spawnSync('xmllint', ['--noout', join(SCHEMAS_DIR, x.file)], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
  });
});

describe('record-metadata.xsd', () => {
  const samples: [string, Draft<RecordMetadata>][] = [
    ['文书, item form with every optional element', sampleItemRecord()],
    ['文书, required elements only, no 机构或问题', sampleMinimalRecord()],
    ['重大行政决策, volume form with 决策阶段', sampleDecisionRecord()],
    ['政务服务, 办件信息 and 材料类别/证照', sampleServiceRecord()],
    ['数字化, 数字化属性', sampleDigitizedRecord()],
  ];
  it.each(samples)('accepts the writer sample: %s', (_, sample) => {
    const r = validate(REC, writeRecordMetadata(sample));
    expect(r.ok, r.out).toBe(true);
  });

  it('accepts a file with every profile addition at once, in the contract order', () => {
    const r = sampleServiceRecord();
    r.description!.decisionStage = '其他';
    Object.assign(r.files[1]!, { creatingApplication: 'x', digitization: { resolution: '200', colourMode: '灰度' } });
    r.files[1]!.signatures = sampleItemRecord().files[0]!.signatures;
    const xml = writeRecordMetadata(r);
    const order = ['<文档创建程序>', '<材料类别>', '<证照编号>', '<证照类型>', '<数字化属性>', '<电子签名>'].map((t) => xml.lastIndexOf(t));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(xml.indexOf('<办件信息>')).toBeGreaterThan(xml.indexOf('</形式特征>'));
    expect(xml).toMatch(/<决策阶段>其他<\/决策阶段>\s*<\/内容描述>/);
    const v = validate(REC, xml);
    expect(v.ok, v.out).toBe(true);
  });

  /** Broken variants: each must be refused by the XSD; `order` ones also by the runtime parser. */
  const broken: [string, (xml: string) => string, RegExp, boolean][] = [
    ['题名 after 责任者', (x) => x.replace(/(<题名>.*<\/题名>\n)(\s*<文件编号>.*\n)(\s*<责任者>.*\n)/, '$3$2$1'), /题名|责任者|文件编号/, true],
    ['决策阶段 not last in 内容描述', (x) => x.replace(/(\s*<决策阶段>.*<\/决策阶段>)/, '').replace('<题名>', '<决策阶段>专家论证</决策阶段><题名>'), /决策阶段/, true],
    ['办件信息 before 形式特征', (x) => x.replace(/(\s*<形式特征>[\s\S]*?<\/形式特征>)(\s*<办件信息>[\s\S]*?<\/办件信息>)/, '$2$1'), /形式特征|办件信息/, true],
    ['材料类别 after 电子签名', (x) => x.replace(/(\s*<材料类别>.*<\/材料类别>)([\s\S]*?<\/电子签名>)/, '$2$1'), /材料类别/, true],
    ['bad 保管期限', (x) => x.replace('<保管期限>Y</保管期限>', '<保管期限>D20</保管期限>'), /保管期限/, false],
    ['missing 题名', (x) => x.replace(/\s*<题名>.*<\/题名>/, ''), /题名|文件编号/, false],
    ['empty 题名', (x) => x.replace(/<题名>.*<\/题名>/, '<题名></题名>'), /题名/, false],
    ['missing 电子文件', (x) => x.replace(/\s*<电子文件>[\s\S]*<\/电子文件>/, ''), /电子文件|业务实体/, false],
    ['uppercase 数字摘要', (x) => x.replace(/<数字摘要>([0-9a-f]+)</, (_, h: string) => `<数字摘要>${h.toUpperCase()}<`), /数字摘要/, false],
    ['bad 日期', (x) => x.replace('<日期>20240315</日期>', '<日期>2024315</日期>'), /日期/, false],
    ['title with leading space', (x) => x.replace('<题名>', '<题名> '), /题名/, false],
    ['unknown 密级', (x) => x.replace('<密级>公开</密级>', '<密级>内部</密级>'), /密级/, false],
    ['mixed 档号 forms', (x) => x.replace('</件号>', '</件号><目录号>001</目录号>'), /目录号/, false],
    ['聚合层次 not 件', (x) => x.replace('<聚合层次>件</聚合层次>', '<聚合层次>卷</聚合层次>'), /聚合层次/, false],
  ];
  it.each(broken)('refuses: %s', (_, mutate, mentions, runtimeOrder) => {
    const base = _.includes('办件') || _.includes('材料类别') ? sampleServiceRecord() : _.includes('决策阶段') ? sampleDecisionRecord() : sampleItemRecord();
    if (_.includes('材料类别')) base.files[1]!.signatures = sampleItemRecord().files[0]!.signatures;
    const good = writeRecordMetadata(base);
    const bad = mutate(good);
    expect(bad).not.toBe(good);
    const r = validate(REC, bad);
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(mentions);
    if (runtimeOrder) {
      const parsed = parseRecordMetadata(new TextEncoder().encode(bad), 'r/元数据.xml');
      expect(parsed.findings.some((f) => f.item === '3-1' && /顺序错误/.test(f.message))).toBe(true);
    }
  });
});

describe('volume-metadata.xsd and catalogue.xsd', () => {
  it('accept the writer samples', () => {
    const v = validate('volume-metadata.xsd', writeVolumeMetadata(sampleVolume()));
    expect(v.ok, v.out).toBe(true);
    const c = validate('catalogue.xsd', writeCatalogue(sampleCatalogue()));
    expect(c.ok, c.out).toBe(true);
    const volumeEntry = sampleCatalogue();
    volumeEntry.entries[1]!.archivalCode = 'J001-001-0012-003';
    expect(validate('catalogue.xsd', writeCatalogue(volumeEntry)).ok).toBe(true);
    expect(validate('catalogue.xsd', '<文件目录/>').ok).toBe(true);
  });

  it('refuse a bad 保管期限, wrong order, a missing element, and a malformed 档号', () => {
    const vol = writeVolumeMetadata(sampleVolume());
    expect(validate('volume-metadata.xsd', vol.replace('<保管期限>Y<', '<保管期限>长期<')).ok).toBe(false);
    expect(validate('volume-metadata.xsd', vol.replace(/\s*<立卷人>.*<\/立卷人>/, '')).ok).toBe(false);
    expect(validate('volume-metadata.xsd', vol.replace('<起止日期>20240105-20240620<', '<起止日期>2024<')).ok).toBe(false);
    const cat = writeCatalogue(sampleCatalogue());
    const swapped = cat.replace(/(\s*<顺序号>1<\/顺序号>)(\s*<档号>[^<]*<\/档号>)/, '$2$1');
    expect(validate('catalogue.xsd', swapped).ok).toBe(false);
    expect(parseCatalogue(new TextEncoder().encode(swapped), '目录文件.xml').findings[0]!.item).toBe('1-12');
    expect(validate('catalogue.xsd', cat.replace('J001-WS·2024-Y-BGS-0001', 'J001-WS.2024-Y-BGS-0001')).ok).toBe(false);
    expect(validate('catalogue.xsd', cat.replace('<保管期限>D30<', '<保管期限>D5<')).ok).toBe(false);
    expect(validate('catalogue.xsd', cat.replace(/\s*<密级>公开<\/密级>/, '')).ok).toBe(false);
  });
});
