// `dangan catalogue` as a user runs it, and its HTML printed by a real headless Chromium (Debian's
// chromium driven by playwright-core): a PDF with one A4 page per catalogue, and a screenshot.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const decision = join(root, 'packages-samples', 'profiles', 'decision', 'valid');
const dir = mkdtempSync(join(tmpdir(), 'dangan-catalogue-cli-'));
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const TITLES = [
  '关于启动城区停车收费调整决策程序的请示',
  '城区停车收费调整方案公开征求意见情况报告',
  '城区停车收费调整专家论证意见',
  '城区停车收费调整社会稳定风险评估报告',
  '城区停车收费调整方案合法性审查意见书',
  '县人民政府第12次常务会议纪要',
  '关于调整城区停车收费标准的决定',
];

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS, timeout: 60_000 });
}, 90_000);
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

function dangan(args: string[]) {
  return spawnSync('node', [join(root, 'bin', 'dangan.js'), ...args], { env: { ...process.env, DANGAN_DATA: dir }, encoding: 'utf8', cwd: dir, timeout: 120_000 });
}

/** The text of each page of a PDF, as pdf.js extracts it. */
async function pdfPages(bytes: Uint8Array): Promise<string[]> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: bytes, useSystemFonts: false, isEvalSupported: false }).promise;
  const pages: string[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    pages.push(content.items.map((it) => ('str' in it ? it.str : '')).join(''));
  }
  await doc.destroy();
  return pages;
}

describe('dangan catalogue', () => {
  it('prints the 案卷目录, 卷内目录 and 备考表 of the decision sample and writes them as HTML and XML', () => {
    const r = dangan(['catalogue', decision, '--html', 'catalogue.html', '--xml', 'catalogue.xml']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^案卷目录 {2}全宗号 J001 {2}某某县人民政府办公室\n/);
    expect(r.stdout).toMatch(/^1 +J001-001-0015 +关于城区停车收费调整的重大行政决策 +2026 +7 +永久$/m);
    expect(r.stdout).toContain('卷内目录  J001-001-0015  关于城区停车收费调整的重大行政决策');
    for (const t of TITLES) expect(r.stdout).toContain(t);
    expect(r.stdout).toMatch(/^7 +某政发〔2026〕8号 +某某县人民政府办公室 +关于调整城区停车收费标准的决定 +20260420 +7$/m);
    expect(r.stdout).toContain('备考表  J001-001-0015\n  本卷共有文件材料 7 件，共 7 页。\n  本卷情况说明：本卷文件齐全，无缺损。');

    const xml = new XMLParser({ parseTagValue: false }).parse(readFileSync(join(dir, 'catalogue.xml'), 'utf8'))['档案目录'];
    expect(xml['卷内目录']['文件'].map((f: { 题名: string }) => f.题名)).toEqual(TITLES);
    expect(xml['备考表']).toMatchObject({ 件数: '7', 页数: '7', 立卷人: '王五' });
  });

  it('renders and prints in headless Chromium: one A4 page each for the 案卷目录, 卷内目录 and 备考表', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(pathToFileURL(join(dir, 'catalogue.html')).href);
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('section.volume-contents tbody tr').count()).toBe(7);
      expect(await page.locator('section.volume-contents thead th').allTextContents()).toEqual(['序号', '文号', '责任者', '题名', '日期', '页号', '备注']);
      expect(await page.locator('section.volume-list thead th').allTextContents()).toEqual(['序号', '档号', '题名', '年度', '页数', '保管期限', '备注']);
      // the table fits the printable width of A4 (180 mm at 96 dpi ≈ 680 px) without overflow
      const widths = await page.locator('section.volume-contents table').evaluate((t) => ({ table: t.scrollWidth, box: t.parentElement!.clientWidth }));
      expect(widths.table).toBeLessThanOrEqual(widths.box);

      const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
      expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
      const pages = await pdfPages(new Uint8Array(pdf));
      expect(pages).toHaveLength(3);
      const squash = (s: string) => s.replace(/\s+/g, '');
      expect(squash(pages[0])).toContain('案卷目录');
      expect(squash(pages[0])).toContain('J001-001-0015');
      expect(squash(pages[1])).toContain('卷内目录');
      for (const t of TITLES) expect(squash(pages[1])).toContain(t);
      expect(squash(pages[2])).toContain('备考表');
      expect(squash(pages[2])).toContain('立卷人：王五');

      const shot = await page.screenshot({ fullPage: true, type: 'png' });
      expect(shot.subarray(1, 4).toString('latin1')).toBe('PNG');
      const height = shot.readUInt32BE(20);
      expect(height).toBeGreaterThan(600);
    } finally {
      await page.close();
    }
  }, 90_000);

  it('prints what it could read and exits 1 when a metadata file is broken; exits 2 on a missing path', () => {
    const pkg = join(dir, 'broken');
    cpSync(decision, pkg, { recursive: true });
    writeFileSync(join(pkg, 'J001-001-0015', 'J001-001-0015-004', '元数据.xml'), '<电子文件元数据>');
    const r = dangan(['catalogue', pkg]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/J001-001-0015-004\/元数据\.xml/);
    expect(r.stdout).toContain('卷内目录');
    expect(r.stdout).not.toContain('社会稳定风险评估报告');
    const missing = dangan(['catalogue', join(dir, 'nope.zip')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/无法读取 .*nope\.zip.*ENOENT/);
  });
});
