// The catalogues as a printable page (A4): the 案卷目录, then for each volume its 卷内目录 and 备考表
// on pages of their own, then the 归档文件目录 of records filed by item.
import { html, raw } from 'hono/html';
import { retentionLabel, type Catalogues, type VolumeContents, type VolumeNote } from './model.ts';

export const CATALOGUE_CSS = `
  @page { size: A4; margin: 18mm 15mm; }
  body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Noto Sans CJK SC", serif; color: #111; margin: 0 auto; max-width: 180mm; font-size: 10.5pt; line-height: 1.4; }
  section.sheet { page-break-after: always; break-after: page; }
  section.sheet:last-child { page-break-after: auto; break-after: auto; }
  h1 { font-size: 18pt; text-align: center; letter-spacing: 0.5em; margin: 0 0 3mm; }
  .sub { display: flex; justify-content: space-between; margin: 0 0 2mm; font-size: 10pt; }
  table { border-collapse: collapse; width: 100%; table-layout: fixed; }
  th, td { border: 1px solid #000; padding: 1.5mm 1.2mm; vertical-align: middle; word-break: break-all; }
  th { font-weight: 600; text-align: center; }
  td.n { text-align: center; } tr { page-break-inside: avoid; break-inside: avoid; }
  .note { border: 1px solid #000; min-height: 150mm; padding: 5mm; display: flex; flex-direction: column; }
  .sign { margin-top: auto; padding-top: 8mm; display: grid; grid-template-columns: 1fr 1fr; row-gap: 4mm; }
`;

function volumeList(c: Catalogues) {
  return html`<section class="sheet volume-list">
    <h1>案卷目录</h1>
    <div class="sub"><span>全宗号：${c.fonds}</span><span>${c.unitName}</span></div>
    <table>
      <colgroup><col style="width:9%" /><col style="width:20%" /><col style="width:35%" /><col style="width:9%" /><col style="width:8%" /><col style="width:10%" /><col style="width:9%" /></colgroup>
      <thead><tr><th>序号</th><th>档号</th><th>题名</th><th>年度</th><th>页数</th><th>保管期限</th><th>备注</th></tr></thead>
      <tbody>${c.volumeList.map((v) => html`<tr><td class="n">${v.sequence}</td><td>${v.archivalCode}</td><td>${v.title}</td><td class="n">${v.year}</td><td class="n">${v.pageCount}</td><td class="n">${retentionLabel(v.retention)}</td><td>${v.remarks}</td></tr>`)}</tbody>
    </table>
  </section>`;
}

function volumeContents(v: VolumeContents) {
  return html`<section class="sheet volume-contents">
    <h1>卷内目录</h1>
    <div class="sub"><span>档号：${v.archivalCode}</span><span>${v.title}</span></div>
    <table>
      <colgroup><col style="width:7%" /><col style="width:17%" /><col style="width:16%" /><col style="width:35%" /><col style="width:10%" /><col style="width:7%" /><col style="width:8%" /></colgroup>
      <thead><tr><th>序号</th><th>文号</th><th>责任者</th><th>题名</th><th>日期</th><th>页号</th><th>备注</th></tr></thead>
      <tbody>${v.rows.map((r) => html`<tr><td class="n">${r.sequence}</td><td>${r.documentNumber}</td><td>${r.author}</td><td>${r.title}</td><td class="n">${r.date}</td><td class="n">${r.pages}</td><td>${r.remarks}</td></tr>`)}</tbody>
    </table>
  </section>`;
}

function volumeNote(n: VolumeNote) {
  return html`<section class="sheet volume-note">
    <h1>备考表</h1>
    <div class="sub"><span>档号：${n.archivalCode}</span><span>${n.title}</span></div>
    <div class="note">
      <p><strong>本卷情况说明</strong></p>
      <p>本卷共有文件材料 ${n.recordCount} 件，共 ${n.pageCount} 页。</p>
      ${n.notes ? html`<p>${n.notes}</p>` : ''}
      <div class="sign"><span>立卷人：${n.compiler}</span><span>检查人：${n.checker}</span><span>立卷时间：${n.compiledOn}</span></div>
    </div>
  </section>`;
}

function itemList(c: Catalogues) {
  return html`<section class="sheet item-list">
    <h1>归档文件目录</h1>
    <div class="sub"><span>全宗号：${c.fonds}</span><span>${c.unitName}</span></div>
    <table>
      <colgroup><col style="width:6%" /><col style="width:19%" /><col style="width:13%" /><col style="width:13%" /><col style="width:26%" /><col style="width:9%" /><col style="width:6%" /><col style="width:5%" /><col style="width:3%" /></colgroup>
      <thead><tr><th>序号</th><th>档号</th><th>文号</th><th>责任者</th><th>题名</th><th>日期</th><th>保管期限</th><th>页数</th><th>备注</th></tr></thead>
      <tbody>${c.items.map((r) => html`<tr><td class="n">${r.sequence}</td><td>${r.archivalCode}</td><td>${r.documentNumber}</td><td>${r.author}</td><td>${r.title}</td><td class="n">${r.date}</td><td class="n">${retentionLabel(r.retention)}</td><td class="n">${r.pageCount}</td><td>${r.remarks}</td></tr>`)}</tbody>
    </table>
  </section>`;
}

/** The catalogues' sections (no <html> wrapper), for embedding in the UI. */
export function cataloguesSection(c: Catalogues) {
  return html`${c.volumeList.length > 0 ? volumeList(c) : ''}${c.volumes.map((v, i) => html`${volumeContents(v)}${volumeNote(c.notes[i])}`)}${c.items.length > 0 ? itemList(c) : ''}`;
}

/** A whole printable HTML document. */
export function renderCataloguesHtml(c: Catalogues, title = '档案目录'): string {
  return html`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8" /><title>${title} — ${c.unitName}</title>
<style>${raw(CATALOGUE_CSS)}</style></head>
<body>${cataloguesSection(c)}</body></html>`.toString();
}
