// 移交登记表 (transfer register) and 交接登记表 (handover register): the model, XML writer and
// reader, and a printable HTML page. Fields follow 《电子档案移交与接收办法》附件3 and DA/T 93.
import type { DigestEntry, TransferRegister } from '../checks/rules/transfer.ts';

export { REGISTER_FILE, parseTransferRegister, type DigestEntry, type PropertyResult, type TransferRegister, type ParsedRegister } from '../checks/rules/transfer.ts';

/** 交接登记表: the register as received, with the receiving side's results and sign-off. */
export interface HandoverRegister extends TransferRegister {
  /** 接收时间, ISO 8601 */
  receivedAt: string;
  /** 接收结果: 接收 or 拒收 */
  outcome: '接收' | '拒收';
  /** The receiving side's four-property results (接收检测结果) */
  receivedResults: TransferRegister['results'];
  /** 接收人 */
  receivedBy: string;
  /** The package as it arrived */
  packageDigests: DigestEntry[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const el = (name: string, v: string | number, indent = '  ') => `${indent}<${name}>${esc(String(v))}</${name}>`;

export const REGISTER_HTML = '移交登记表.html';
export const HANDOVER_FILE = '交接登记表.xml';

/** 移交数据量: bytes as GB with 3 decimals. */
export function gigabytes(bytes: number): string {
  return (bytes / 1024 ** 3).toFixed(3);
}

function resultsXml(tag: string, r: TransferRegister['results']): string[] {
  return [`  <${tag}>`, el('真实性', r.authenticity, '    '), el('完整性', r.integrity, '    '), el('可用性', r.usability, '    '), el('安全性', r.security, '    '), `  </${tag}>`];
}

function digestsXml(tag: string, ds: DigestEntry[]): string[] {
  return ds.flatMap((d) => [`  <${tag}>`, el('对象', d.object, '    '), el('算法', d.algorithm, '    '), el('摘要值', d.value, '    '), `  </${tag}>`]);
}

function bodyXml(r: TransferRegister): string[] {
  return [
    el('交接工作名称', r.title),
    el('内容描述', r.contentDescription),
    el('移交单位', r.transferringUnit),
    el('接收单位', r.receivingUnit),
    el('全宗号', r.fonds),
    el('档案数量', r.recordCount),
    el('案卷数量', r.volumeCount),
    el('文件数量', r.fileCount),
    el('总字节数', r.totalBytes),
    el('移交数据量', r.dataVolumeGb),
    el('载体类型', r.carrier),
    ...digestsXml('数字摘要', r.digests),
    '  <档案清单>',
    ...r.archivalCodes.map((c) => el('档号', c, '    ')),
    '  </档案清单>',
    ...resultsXml('检测结果', r.results),
    el('填表人', r.preparedBy),
    el('审核人', r.reviewedBy),
    el('移交时间', r.transferredAt),
  ];
}

export function writeTransferRegister(r: TransferRegister): string {
  return ['<?xml version="1.0" encoding="UTF-8"?>', '<移交登记表 版本="1.0">', ...bodyXml(r), '</移交登记表>', ''].join('\n');
}

export function writeHandoverRegister(r: HandoverRegister): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<交接登记表 版本="1.0">',
    ...bodyXml(r),
    ...digestsXml('信息包数字摘要', r.packageDigests),
    ...resultsXml('接收检测结果', r.receivedResults),
    el('接收结果', r.outcome),
    el('接收人', r.receivedBy),
    el('接收时间', r.receivedAt),
    '</交接登记表>',
    '',
  ].join('\n');
}

const CSS = `body{font-family:"Noto Serif CJK SC","Songti SC",serif;margin:2em}table{border-collapse:collapse;width:100%;max-width:52em}
td,th{border:1px solid #000;padding:.35em .6em;text-align:left;vertical-align:top}th{width:11em;background:#f4f4f4}
h1{text-align:center;font-size:1.5em}code{font-size:.85em;word-break:break-all}@media print{body{margin:0}}`;

/** The register as a printable page (one table, as the paper form). */
export function renderRegisterHtml(r: TransferRegister | HandoverRegister, heading = '电子档案移交与接收登记表'): string {
  const row = (k: string, v: string) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`;
  const results = (x: TransferRegister['results']) => `真实性：${x.authenticity}；完整性：${x.integrity}；可用性：${x.usability}；安全性：${x.security}`;
  const digests = (ds: DigestEntry[]) => ds.map((d) => `${esc(d.object)}（${d.algorithm}）<br><code>${esc(d.value)}</code>`).join('<br>');
  const rows = [
    row('交接工作名称', esc(r.title)),
    row('内容描述', esc(r.contentDescription)),
    row('移交单位', esc(r.transferringUnit)),
    row('接收单位', esc(r.receivingUnit)),
    row('全宗号', esc(r.fonds)),
    row('移交电子档案数量', `${r.recordCount} 件（${r.volumeCount} 卷），${r.fileCount} 个文件`),
    row('总字节数', String(r.totalBytes)),
    row('移交数据量', `${esc(r.dataVolumeGb)} GB`),
    row('移交载体类型、规格', esc(r.carrier)),
    row('数字摘要', digests(r.digests)),
    row('检测结果（移交）', esc(results(r.results))),
    row('填表人', esc(r.preparedBy)),
    row('审核人', esc(r.reviewedBy)),
    row('移交时间', esc(r.transferredAt)),
  ];
  if ('receivedAt' in r) {
    rows.push(
      row('信息包数字摘要', digests(r.packageDigests)),
      row('检测结果（接收）', esc(results(r.receivedResults))),
      row('接收结果', esc(r.outcome)),
      row('接收人', esc(r.receivedBy)),
      row('接收时间', esc(r.receivedAt)),
    );
  }
  const list = r.archivalCodes.map((c, i) => `<tr><td>${i + 1}</td><td>${esc(c)}</td></tr>`).join('');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(heading)}</title><style>${CSS}</style></head><body>
<h1>${esc(heading)}</h1><table>${rows.join('\n')}</table>
<h2>档案清单</h2><table><tr><th>序号</th><th>档号</th></tr>${list}</table>
<p>移交单位（印章）：　　　　　　　接收单位（印章）：</p></body></html>
`;
}
