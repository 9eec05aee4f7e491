// The report as a page for people: Chinese headings, the four properties as sections, every item
// with its code, name, status, target and message, failures first; prints on A4.
import { html, raw } from 'hono/html';
import { PROPERTY_NAMES, type Property } from './items.ts';
import type { ItemStatus, Report, ReportItem } from './report.ts';

const STATUS_LABEL: Record<ItemStatus, string> = { pass: '通过', fail: '不通过', warn: '警告', skip: '未检测' };
const STAGE_LABEL = { archiving: '归档', transfer: '移交与接收', preservation: '长期保存' } as const;
const VERDICT_LABEL = { accepted: '通过（接收）', rejected: '不通过（退回）' } as const;

export const REPORT_CSS = `
  @page { size: A4; margin: 15mm 12mm; }
  body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; color: #1b1b1b; margin: 0 auto; max-width: 190mm; font-size: 10.5pt; line-height: 1.45; }
  h1 { font-size: 16pt; margin: 0 0 4mm; } h2 { font-size: 12.5pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999; }
  table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #bbb; padding: 1.2mm 1.8mm; text-align: left; vertical-align: top; word-break: break-all; }
  th { background: #f0f0f0; font-weight: 600; } .meta td:first-child { width: 30mm; background: #fafafa; }
  .fail { color: #b00020; font-weight: 600; } .warn { color: #a05a00; } .pass { color: #1e6b2e; } .skip { color: #666; }
  .verdict-rejected { color: #b00020; } .verdict-accepted { color: #1e6b2e; }
  tr { page-break-inside: avoid; } .code { white-space: nowrap; font-family: ui-monospace, monospace; }
`;

function itemRow(i: ReportItem) {
  const detail = i.expected !== undefined || i.actual !== undefined ? html`<br /><small>应为 expected: ${i.expected ?? '—'}；实为 actual: ${i.actual ?? '—'}</small>` : '';
  return html`<tr>
    <td class="code">${i.code}</td><td>${i.name}</td><td class="${i.status}">${STATUS_LABEL[i.status]}</td>
    <td>${i.target}</td><td>${i.message}${detail}</td>
  </tr>`;
}

/** The report's body (no <html> wrapper), for embedding in the UI. */
export function reportSection(r: Report) {
  const props: Property[] = ['authenticity', 'integrity', 'usability', 'security'];
  return html`<section class="report">
    <h1>电子档案四性检测报告（${STAGE_LABEL[r.stage]}）</h1>
    <table class="meta">
      <tr><td>检测结论</td><td class="verdict-${r.verdict}"><strong>${VERDICT_LABEL[r.verdict]}</strong></td></tr>
      <tr><td>信息包</td><td>${r.package.name}（${r.package.layout}）</td></tr>
      <tr><td>档案数量</td><td>${r.package.records} 件，${r.package.files} 个文件，${r.package.bytes.toLocaleString('zh-CN')} 字节</td></tr>
      ${r.package.sm3 ? html`<tr><td>SM3</td><td class="code">${r.package.sm3}</td></tr>` : ''}
      ${r.package.sha256 ? html`<tr><td>SHA-256</td><td class="code">${r.package.sha256}</td></tr>` : ''}
      ${r.profile ? html`<tr><td>检测方案</td><td>${r.profile}</td></tr>` : ''}
      <tr><td>结果统计</td><td>通过 ${r.summary.pass} · 不通过 ${r.summary.fail} · 警告 ${r.summary.warn} · 未检测 ${r.summary.skip}</td></tr>
      <tr><td>检测时间</td><td>${r.startedAt} — ${r.finishedAt}</td></tr>
      <tr><td>检测工具</td><td>${r.tool.name} ${r.tool.version}</td></tr>
    </table>
    ${props.map((p) => {
      const items = r.items.filter((i) => i.property === p);
      return html`<h2>${PROPERTY_NAMES[p]}检测（${p}）</h2>
        ${items.length === 0
          ? html`<p class="skip">本阶段无此类检测项。</p>`
          : html`<table><thead><tr><th>编码</th><th>检测项</th><th>结果</th><th>对象</th><th>说明</th></tr></thead>
            <tbody>${items.map(itemRow)}</tbody></table>`}`;
    })}
  </section>`;
}

/** A whole printable HTML document. */
export function renderReportHtml(r: Report): string {
  return html`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8" /><title>四性检测报告 — ${r.package.name}</title>
<style>${raw(REPORT_CSS)}</style></head>
<body>${reportSection(r)}</body></html>`.toString();
}
