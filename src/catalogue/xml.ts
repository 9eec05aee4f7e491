// The catalogues as one XML document (<档案目录>): 案卷目录, each volume's 卷内目录 and 备考表, and the
// 归档文件目录 of records filed by item. Element names are the catalogues' column headings.
import type { Catalogues } from './model.ts';

const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const el = (name: string, value: string) => (value === '' ? `<${name}/>` : `<${name}>${esc(value)}</${name}>`);
const row = (tag: string, fields: [string, string][], indent: string) => `${indent}<${tag}>${fields.map(([n, v]) => el(n, v)).join('')}</${tag}>`;

export function renderCataloguesXml(c: Catalogues): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<档案目录 版本="1.0" 全宗号="${esc(c.fonds)}" 立档单位名称="${esc(c.unitName)}">`];
  if (c.volumeList.length > 0) {
    out.push('  <案卷目录>');
    for (const v of c.volumeList) {
      out.push(row('案卷', [['序号', v.sequence], ['档号', v.archivalCode], ['题名', v.title], ['年度', v.year], ['页数', v.pageCount], ['保管期限', v.retention], ['备注', v.remarks]], '    '));
    }
    out.push('  </案卷目录>');
  }
  c.volumes.forEach((v, i) => {
    out.push(`  <卷内目录 案卷档号="${esc(v.archivalCode)}" 案卷题名="${esc(v.title)}">`);
    for (const r of v.rows) {
      out.push(row('文件', [['序号', r.sequence], ['档号', r.archivalCode], ['文号', r.documentNumber], ['责任者', r.author], ['题名', r.title], ['日期', r.date], ['页号', r.pages], ['备注', r.remarks]], '    '));
    }
    out.push('  </卷内目录>');
    const n = c.notes[i];
    out.push(`  <备考表 案卷档号="${esc(n.archivalCode)}">`);
    out.push(`    ${el('件数', n.recordCount)}${el('页数', n.pageCount)}${el('本卷情况说明', n.notes)}${el('立卷人', n.compiler)}${el('检查人', n.checker)}${el('立卷时间', n.compiledOn)}`);
    out.push('  </备考表>');
  });
  if (c.items.length > 0) {
    out.push('  <归档文件目录>');
    for (const r of c.items) {
      out.push(row('文件', [['序号', r.sequence], ['档号', r.archivalCode], ['文号', r.documentNumber], ['责任者', r.author], ['题名', r.title], ['日期', r.date], ['保管期限', r.retention], ['页数', r.pageCount], ['备注', r.remarks]], '    '));
    }
    out.push('  </归档文件目录>');
  }
  out.push('</档案目录>', '');
  return out.join('\n');
}
