// Catalogues of the checked-in sample packages: read from folders, zips and bags, and their XML
// and text renderings (the printed page is checked in Chromium by test/e2e/catalogue.test.ts).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { zipDirectory } from '../../test/fixtures/packages/build.ts';
import { buildCatalogues, displayWidth, readCatalogueInput, renderCataloguesHtml, renderCataloguesText, renderCataloguesXml } from './index.ts';

const samples = join(import.meta.dirname, '..', '..', 'packages-samples');
const decision = join(samples, 'profiles', 'decision', 'valid');
const work = mkdtempSync(join(tmpdir(), 'dangan-catalogue-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: (name) => ['文件', '案卷', '卷内目录', '备考表'].includes(name) });

describe('catalogues of the decision sample volume', () => {
  it('builds the 卷内目录 in 卷内顺序号 order with 页号, the 案卷目录 and the 备考表', async () => {
    const { input, problems } = await readCatalogueInput(decision);
    expect(problems).toEqual([]);
    const c = buildCatalogues(input);
    expect(c).toMatchObject({ unitName: '某某县人民政府办公室', fonds: 'J001', items: [] });
    expect(c.volumeList).toEqual([{ sequence: '1', archivalCode: 'J001-001-0015', title: '关于城区停车收费调整的重大行政决策', year: '2026', pageCount: '7', retention: 'Y', remarks: '' }]);
    const rows = c.volumes[0].rows;
    expect(rows.map((r) => r.sequence)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(rows.map((r) => r.pages)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(rows[6]).toMatchObject({ documentNumber: '某政发〔2026〕8号', author: '某某县人民政府办公室', title: '关于调整城区停车收费标准的决定', date: '20260420', archivalCode: 'J001-001-0015-007' });
    expect(c.notes).toEqual([{ archivalCode: 'J001-001-0015', title: '关于城区停车收费调整的重大行政决策', recordCount: '7', pageCount: '7', notes: '本卷文件齐全，无缺损。', compiler: '王五', checker: '赵六', compiledOn: '20260430' }]);
  });

  it('reads the same from a zip of the package', async () => {
    const zip = join(work, 'decision.zip');
    await zipDirectory(decision, zip);
    const fromZip = buildCatalogues((await readCatalogueInput(zip)).input);
    expect(fromZip).toEqual(buildCatalogues((await readCatalogueInput(decision)).input));
  });

  it('renders XML whose rows are the catalogue columns', async () => {
    const c = buildCatalogues((await readCatalogueInput(decision)).input);
    const doc = parser.parse(renderCataloguesXml(c))['档案目录'];
    expect(doc['@全宗号']).toBe('J001');
    expect(doc['案卷目录']['案卷'][0]).toEqual({ 序号: '1', 档号: 'J001-001-0015', 题名: '关于城区停车收费调整的重大行政决策', 年度: '2026', 页数: '7', 保管期限: 'Y', 备注: '' });
    const inVolume = doc['卷内目录'][0];
    expect(inVolume['@案卷档号']).toBe('J001-001-0015');
    expect(Object.keys(inVolume['文件'][0])).toEqual(['序号', '档号', '文号', '责任者', '题名', '日期', '页号', '备注']);
    expect(inVolume['文件'].map((f: { 题名: string }) => f.题名)).toContain('县人民政府第12次常务会议纪要');
    expect(doc['备考表'][0]).toMatchObject({ 件数: '7', 页数: '7', 立卷人: '王五', 检查人: '赵六' });
  });

  it('prints aligned text tables', async () => {
    const text = renderCataloguesText(buildCatalogues((await readCatalogueInput(decision)).input));
    const lines = text.split('\n');
    const head = lines.findIndex((l) => l.startsWith('序号  文号'));
    expect(head).toBeGreaterThan(0);
    // 题名 starts in the same display column on every row of the 卷内目录
    const column = (l: string, cell: string) => displayWidth(l.slice(0, l.indexOf(cell)));
    expect(column(lines[head + 2], '关于启动')).toBe(column(lines[head], '题名'));
    expect(column(lines[head + 8], '关于调整')).toBe(column(lines[head], '题名'));
    expect(text).toContain('本卷共有文件材料 7 件，共 7 页。');
    expect(text).toContain('立卷人：王五  检查人：赵六  立卷时间：20260430');
  });
});

describe('other sets of records', () => {
  it('the default sample: its volume and a 归档文件目录 of the records filed by item, from a bag too', async () => {
    const c = buildCatalogues((await readCatalogueInput(join(samples, 'valid-bag'))).input);
    expect(c.volumes.map((v) => v.archivalCode)).toEqual(['J001-001-0012']);
    expect(c.items.map((i) => [i.sequence, i.archivalCode, i.retention])).toEqual([['1', 'J001-WS·2024-Y-BGS-0001', 'Y'], ['2', 'J001-WS·2024-Y-BGS-0002', 'Y']]);
    expect(renderCataloguesText(c)).toMatch(/归档文件目录[\s\S]*J001-WS·2024-Y-BGS-0002 .*防汛物资仓库照片 .*永久/);
  });

  it('counts pages on from 页数 when 页号 is not written, and shows first–last on the last row', async () => {
    const pkg = join(work, 'nopages');
    cpSync(decision, pkg, { recursive: true });
    const { input } = await readCatalogueInput(pkg);
    for (const r of input.records) delete r.record.archivalCode!.pageRange;
    input.records[6].record.form!.pageCount = '3';
    const rows = buildCatalogues(input).volumes[0].rows;
    expect(rows.map((r) => r.pages)).toEqual(['1', '2', '3', '4', '5', '6', '7-9']);
  });

  it('escapes text in XML and HTML, and reports a metadata file it cannot read', async () => {
    const pkg = join(work, 'broken');
    cpSync(decision, pkg, { recursive: true });
    const meta = join(pkg, 'J001-001-0015', 'J001-001-0015-003', '元数据.xml');
    writeFileSync(meta, readFileSync(meta, 'utf8').replace('</电子文件元数据>', ''));
    const vol = join(pkg, 'J001-001-0015', '案卷元数据.xml');
    writeFileSync(vol, readFileSync(vol, 'utf8').replace('本卷文件齐全，无缺损。', 'R&amp;D &lt;附件&gt;'));
    const { input, problems } = await readCatalogueInput(pkg);
    expect(problems).toEqual([expect.objectContaining({ item: '3-1', target: 'J001-001-0015/J001-001-0015-003/元数据.xml' })]);
    const c = buildCatalogues(input);
    expect(c.volumes[0].rows).toHaveLength(6);
    expect(c.notes[0].notes).toBe('R&D <附件>');
    expect(renderCataloguesXml(c)).toContain('<本卷情况说明>R&amp;D &lt;附件&gt;</本卷情况说明>');
    expect(renderCataloguesHtml(c)).toContain('<p>R&amp;D &lt;附件&gt;</p>');
  });
});
