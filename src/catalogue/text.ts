// The catalogues as plain text for a terminal: one table per catalogue, columns aligned by display
// width (CJK characters count two).
import { retentionLabel, type Catalogues } from './model.ts';

/** Display width of a string in a terminal: East Asian wide and full-width characters count two. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w += (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x20000 && c <= 0x3fffd) ? 2 : 1;
  }
  return w;
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - displayWidth(c)))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

export function renderCataloguesText(c: Catalogues): string {
  const out: string[] = [];
  if (c.volumeList.length > 0) {
    out.push(`案卷目录  全宗号 ${c.fonds}  ${c.unitName}`, '');
    out.push(...table(['序号', '档号', '题名', '年度', '页数', '保管期限', '备注'], c.volumeList.map((v) => [v.sequence, v.archivalCode, v.title, v.year, v.pageCount, retentionLabel(v.retention), v.remarks])), '');
  }
  c.volumes.forEach((v, i) => {
    out.push(`卷内目录  ${v.archivalCode}  ${v.title}`, '');
    out.push(...table(['序号', '文号', '责任者', '题名', '日期', '页号', '备注'], v.rows.map((r) => [r.sequence, r.documentNumber, r.author, r.title, r.date, r.pages, r.remarks])), '');
    const n = c.notes[i];
    out.push(`备考表  ${n.archivalCode}`, `  本卷共有文件材料 ${n.recordCount} 件，共 ${n.pageCount} 页。`);
    if (n.notes) out.push(`  本卷情况说明：${n.notes}`);
    out.push(`  立卷人：${n.compiler}  检查人：${n.checker}  立卷时间：${n.compiledOn}`, '');
  });
  if (c.items.length > 0) {
    out.push(`归档文件目录  全宗号 ${c.fonds}  ${c.unitName}`, '');
    out.push(...table(['序号', '档号', '文号', '责任者', '题名', '日期', '保管期限', '页数', '备注'], c.items.map((r) => [r.sequence, r.archivalCode, r.documentNumber, r.author, r.title, r.date, retentionLabel(r.retention), r.pageCount, r.remarks])), '');
  }
  if (out.length === 0) out.push('（没有可编目的档案 / nothing to catalogue）');
  return `${out.join('\n')}\n`;
}
