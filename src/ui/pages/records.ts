// 档案: search by 档号, 题名, fonds and year; a record with metadata, files (preview), digests,
// copies per store, 利用登记 (download with a purpose) with 利用效果反馈, and its event history.
import { Readable } from 'node:stream';
import { and, desc, eq } from 'drizzle-orm';
import { html, raw } from 'hono/html';
import { accesses, files, records } from '../../db/schema.ts';
import { appendEvent } from '../../events/index.ts';
import { getRecord, listRecords, openRecordFile } from '../../ingest/index.ts';
import { formatBytes, formatTime, tr, type Tr } from '../i18n.ts';
import { csrfField, emptyState, page, pager, statusLabel } from '../layout.ts';
import { intOr, UUID, type UiContext, type UiDeps } from '../deps.ts';

/** Rows of the records list: as many as the API's default page. */
const PAGE_SIZE = 50;

/**
 * The records list through listRecords, as GET /api/v1/records answers it (catalogue order, pages
 * found from the indexes, totals counted only up to a cap), so it stays fast at millions of records.
 * One search field: text anywhere in 题名, or the beginning of a 档号. Links of the earlier form
 * (?title= or ?code=) still search.
 */
export async function recordsPage(c: UiContext, deps: UiDeps) {
  const t = tr(c);
  const q = c.req.query();
  const text = [q.q, q.title, q.code].map((v) => v?.trim()).find((v) => v) ?? '';
  const fonds = q.fonds?.trim() || undefined;
  const pageNo = intOr(q.page, 1)!;
  const list = await listRecords(deps.db, { fonds, year: intOr(q.year), q: text || undefined, page: pageNo, pageSize: PAGE_SIZE });
  return page(
    c,
    t('档案检索', 'Records'),
    html`<h1>${t('档案检索', 'Find records')}</h1>
    <form class="filters" method="get">
      <label>${t('档号或题名', 'Archival code or title')}<input name="q" size="32" value="${text}" placeholder="${t('题名中的词，或档号开头', 'a word of the title, or the start of a code')}" /></label>
      <label>${t('全宗号', 'Fonds')}<input name="fonds" size="8" value="${q.fonds ?? ''}" /></label>
      <label>${t('年度', 'Year')}<input name="year" size="6" inputmode="numeric" value="${q.year ?? ''}" /></label>
      <button type="submit">${t('检索', 'Search')}</button>
    </form>
    ${list.items.length === 0
      ? emptyState(t('没有符合条件的档案。', 'No record matches.'))
      : html`<table><thead><tr><th>${t('档号', 'Archival code')}</th><th>${t('题名', 'Title')}</th><th>${t('责任者', 'Responsible')}</th><th>${t('日期', 'Date')}</th><th>${t('保管期限', 'Retention')}</th><th>${t('开放', 'Access')}</th></tr></thead><tbody>
        ${list.items.map((r) => html`<tr><td class="mono"><a href="/ui/records/${encodeURIComponent(r.archivalCode)}">${r.archivalCode}</a></td><td>${r.title}</td><td>${r.responsible ?? '—'}</td><td>${r.date ?? r.year}</td><td>${r.retention ?? '—'}</td><td>${r.access ?? '—'}</td></tr>`)}
        </tbody></table>`}
    ${pager(c, t, list.page, list.pageSize, list.total, { exact: list.totalExact, more: list.items.length === list.pageSize })}`,
  );
}

/** The 元数据.xml elements as written (path below the root → value); other shapes flattened. */
function metadataRows(m: unknown): [string, string][] {
  const leaves = (m as { leaves?: { path: string; value: string }[] } | null)?.leaves;
  if (!Array.isArray(leaves)) return flatten(m);
  return leaves
    .filter((l) => l.value !== '')
    .slice(0, 400)
    .map((l) => [l.path.split('/').slice(1).join(' / ').replace(/\[1\]/g, '') || l.path, l.value]);
}

/** The parsed metadata as path → value rows, for a plain table. */
function flatten(v: unknown, prefix = '', out: [string, string][] = []): [string, string][] {
  if (out.length >= 300) return out;
  if (v === null || v === undefined) return out;
  if (Array.isArray(v)) v.forEach((x, i) => flatten(x, `${prefix}[${i + 1}]`, out));
  else if (typeof v === 'object') for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix} › ${k}` : k, out);
  else out.push([prefix, String(v)]);
  return out;
}

const PREVIEW_TYPES: Record<string, string> = { pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' };
const extOf = (name: string) => /\.([A-Za-z0-9]+)$/.exec(name)?.[1].toLowerCase() ?? '';
export const previewType = (name: string): string | undefined => PREVIEW_TYPES[extOf(name)];

const eventLabel = (t: Tr, type: string) =>
  ({
    'record.archived': t('归档', 'archived'),
    'record.accessed': t('利用（下载/预览）', 'accessed'),
    'record.access-feedback': t('利用效果反馈', 'access feedback'),
  })[type] ?? type;

export async function recordPage(c: UiContext, deps: UiDeps) {
  const t = tr(c);
  const code = c.req.param('code') ?? '';
  const r = await getRecord(deps.db, code);
  if (!r) return page(c, t('未找到', 'Not found'), html`<h1>${t('没有这件档案', 'No such record')}</h1><p class="mono">${code}</p>`, { status: 404 });
  const rec = r.record;
  const enc = encodeURIComponent(code);
  const uses = await deps.db
    .select({ id: accesses.id, at: accesses.at, purpose: accesses.purpose, actor: accesses.actor, feedback: accesses.feedback, feedbackBy: accesses.feedbackBy, feedbackAt: accesses.feedbackAt, file: files.name })
    .from(accesses)
    .leftJoin(files, eq(files.id, accesses.fileId))
    .where(eq(accesses.recordId, rec.id))
    .orderBy(desc(accesses.at))
    .limit(200);
  const main: [string, string, unknown][] = [
    ['档号', 'Archival code', rec.archivalCode],
    ['题名', 'Title', rec.title],
    ['全宗号', 'Fonds', rec.fonds],
    ['年度', 'Year', rec.year],
    ['责任者', 'Responsible', rec.responsible],
    ['文件编号', 'Document number', rec.documentNumber],
    ['日期', 'Date', rec.date],
    ['保管期限', 'Retention', rec.retention],
    ['密级', 'Classification', rec.classification],
    ['页数', 'Pages', rec.pages],
    ['控制标识', 'Access', rec.access],
    ['所属案卷', 'Volume', rec.volumeCode],
  ];
  return page(
    c,
    rec.title,
    html`<h1>${rec.title}</h1>
    <table class="kv">${main.filter(([, , v]) => v !== null && v !== undefined && v !== '').map(([zh, en, v]) => html`<tr><th>${t(zh, en)}</th><td>${String(v)}</td></tr>`)}
      ${rec.submissionId ? html`<tr><th>${t('来自提交', 'From submission')}</th><td><a class="mono" href="/ui/submissions/${rec.submissionId}">${rec.submissionId}</a></td></tr>` : ''}
    </table>

    <h2>${t('电子文件', 'Files')}</h2>
    ${r.files.map((f) => {
      const preview = previewType(f.name);
      return html`<section class="file" id="file-${f.sequence}">
        <h3>${f.sequence}. ${f.name} <small class="muted">${f.role} · ${f.format ?? '—'} · ${formatBytes(f.size)}</small></h3>
        <table class="kv">
          <tr><th>SM3</th><td class="mono">${f.sm3}</td></tr>
          <tr><th>SHA-256</th><td class="mono">${f.sha256}</td></tr>
          <tr><th>${t('存储副本', 'Copies')}</th><td><table><thead><tr><th>${t('存储', 'Store')}</th><th>${t('状态', 'Status')}</th><th>${t('写入校验', 'Verified')}</th><th>${t('最近固定性审计', 'Last fixity audit')}</th></tr></thead><tbody>
            ${f.copies.length === 0 ? html`<tr><td colspan="4" class="muted">${t('无副本记录', 'no copies recorded')}</td></tr>` : ''}
            ${f.copies.map((k) => html`<tr class="copy"><td>${k.store}</td><td class="${k.status === 'ok' ? 'ok' : 'bad'}">${statusLabel(t, k.status)}</td><td>${formatTime(k.verifiedAt)}</td><td class="${!k.lastAuditResult ? 'muted' : k.lastAuditResult === 'ok' ? 'ok' : 'bad'}">${k.lastAuditResult ? `${statusLabel(t, k.lastAuditResult)} · ${formatTime(k.lastAuditedAt)}` : t('尚未审计', 'not audited yet')}</td></tr>`)}
          </tbody></table></td></tr>
        </table>
        <div class="actions noprint">
          ${preview ? html`<button type="button" class="secondary preview-btn" data-src="/ui/records/${enc}/files/${f.sequence}/preview" data-kind="${preview.startsWith('image/') ? 'image' : 'pdf'}" data-name="${f.name}" data-pages="${t('共 N 页', 'N pages')}">${t('在线预览', 'Preview')}</button>` : html`<span class="muted">${t('此格式不能在浏览器中预览', 'This format cannot be previewed in the browser')}</span>`}
          <form method="post" action="/ui/records/${enc}/files/${f.sequence}/download" class="filters" style="margin:0">
            ${csrfField(c)}
            <label>${t('利用目的（利用登记）', 'Purpose of use (registered)')}<input name="purpose" required maxlength="500" size="32" placeholder="${t('如：编史修志、工作查考', 'e.g. research')}" /></label>
            <button type="submit">${t('下载', 'Download')}</button>
          </form>
        </div>
        <div class="preview-box"></div>
        ${preview ? html`<p class="noprint"><a href="/ui/records/${enc}/files/${f.sequence}/preview" target="_blank">${t('在新窗口中打开（浏览器自带阅读器）', 'Open in a new window (the browser\'s own viewer)')}</a></p>` : ''}
      </section>`;
    })}

    <h2>${t('利用登记', 'Accesses')}</h2>
    ${uses.length === 0
      ? emptyState(t('尚无利用记录。', 'No access yet.'))
      : html`<table id="accesses"><thead><tr><th>${t('时间', 'When')}</th><th>${t('利用者', 'Who')}</th><th>${t('文件', 'File')}</th><th>${t('利用目的', 'Purpose')}</th><th>${t('利用效果反馈', 'Feedback')}</th></tr></thead><tbody>
        ${uses.map(
          (u) => html`<tr><td>${formatTime(u.at)}</td><td>${u.actor}</td><td>${u.file ?? '—'}</td><td>${u.purpose}</td><td>
            ${u.feedback ? html`<div class="feedback">${u.feedback}</div><small class="muted">${u.feedbackBy} · ${formatTime(u.feedbackAt)}</small>` : ''}
            <form method="post" action="/ui/accesses/${u.id}/feedback" class="noprint" style="margin:4px 0 0">${csrfField(c)}
              <textarea name="feedback" rows="2" cols="28" maxlength="2000" required placeholder="${t('如：已用于编写大事记', 'e.g. used for the chronicle')}"></textarea>
              <button type="submit" class="secondary">${u.feedback ? t('更新反馈', 'Update') : t('添加反馈', 'Add feedback')}</button></form></td></tr>`,
        )}</tbody></table>`}

    <h2>${t('事件记录', 'Event history')}</h2>
    <table id="events"><thead><tr><th>#</th><th>${t('时间', 'When')}</th><th>${t('事件', 'Event')}</th><th>${t('操作者', 'Actor')}</th><th>${t('内容', 'Details')}</th></tr></thead><tbody>
      ${r.events.map((e) => html`<tr><td>${e.seq}</td><td>${formatTime(e.at)}</td><td>${eventLabel(t, e.type)}</td><td>${e.actor}</td><td class="mono">${JSON.stringify(e.payload)}</td></tr>`)}
    </tbody></table>

    <h2>${t('元数据', 'Metadata')}</h2>
    <table class="kv metadata">${metadataRows(rec.metadata).map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</table>
    <script type="module">${raw(PREVIEW_JS)}</script>`,
  );
}

function deliver(r: { name: string; size: number; sha256: string; body: Readable }, type: string, disposition: 'inline' | 'attachment') {
  return new Response(Readable.toWeb(r.body) as ReadableStream, {
    headers: {
      'content-type': type,
      'content-length': String(r.size),
      'content-disposition': `${disposition}; filename*=UTF-8''${encodeURIComponent(r.name)}`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, no-store',
      digest: `sha-256=${Buffer.from(r.sha256, 'hex').toString('base64')}`,
    },
  });
}

async function open(c: UiContext, deps: UiDeps, purpose: string) {
  const t = tr(c);
  const code = c.req.param('code') ?? '';
  const sequence = intOr(c.req.param('seq'));
  if (sequence === undefined) return { error: page(c, t('未找到', 'Not found'), html`<h1>${t('没有这个文件', 'No such file')}</h1>`, { status: 404 }) };
  const r = await openRecordFile(deps, { code, sequence, purpose, actor: `user:${c.get('user').name}` });
  if (r.kind === 'ok') return { file: r };
  if (r.kind === 'unavailable') return { error: page(c, t('暂时无法读取', 'Unavailable'), html`<h1>${t('文件暂时无法读取', 'The file cannot be read now')}</h1><p class="error">${r.message}</p>`, { status: 400 }) };
  return { error: page(c, t('未找到', 'Not found'), html`<h1>${t('没有这个文件', 'No such file')}</h1>`, { status: 404 }) };
}

/** GET …/preview: inline bytes for the browser's viewer, registered as an access for preview. */
export async function previewFile(c: UiContext, deps: UiDeps) {
  const [f] = await deps.db
    .select({ name: files.name })
    .from(files)
    .innerJoin(records, eq(records.id, files.recordId))
    .where(and(eq(records.archivalCode, c.req.param('code') ?? ''), eq(files.sequence, intOr(c.req.param('seq'), -1)!)));
  const type = f && previewType(f.name);
  if (!type) return c.text('此格式不能在浏览器中预览 (no preview for this format)', 415);
  const r = await open(c, deps, '在线预览 (preview in the browser)');
  return r.file ? deliver(r.file, type, 'inline') : r.error;
}

/** POST …/download with a purpose (利用登记). */
export async function downloadFile(c: UiContext, deps: UiDeps) {
  const t = tr(c);
  const body = await c.req.parseBody();
  const purpose = typeof body.purpose === 'string' ? body.purpose.trim() : '';
  if (!purpose || purpose.length > 500) {
    return page(c, t('需要利用目的', 'Purpose required'), html`<h1>${t('下载须填写利用目的（1–500 字）', 'A purpose (1–500 characters) is required to download')}</h1><p><a href="/ui/records/${encodeURIComponent(c.req.param('code') ?? '')}">${t('返回', 'Back')}</a></p>`, { status: 400 });
  }
  const r = await open(c, deps, purpose);
  return r.file ? deliver(r.file, 'application/octet-stream', 'attachment') : r.error;
}

/** POST /ui/accesses/:id/feedback: 利用效果反馈 stored on the access and logged. */
export async function accessFeedback(c: UiContext, deps: UiDeps) {
  const t = tr(c);
  const id = c.req.param('id') ?? '';
  const body = await c.req.parseBody();
  const feedback = typeof body.feedback === 'string' ? body.feedback.trim() : '';
  if (!UUID.test(id)) return page(c, t('未找到', 'Not found'), html`<h1>${t('没有这条利用记录', 'No such access')}</h1>`, { status: 404 });
  if (!feedback || feedback.length > 2000) return page(c, t('反馈无效', 'Invalid feedback'), html`<h1>${t('反馈应为 1–2000 字', 'Feedback must be 1 to 2000 characters')}</h1>`, { status: 400 });
  const actor = `user:${c.get('user').name}`;
  const code = await deps.db.transaction(async (tx) => {
    const [a] = await tx
      .update(accesses)
      .set({ feedback, feedbackBy: actor, feedbackAt: deps.now?.() ?? new Date() })
      .where(eq(accesses.id, id))
      .returning({ recordId: accesses.recordId });
    if (!a) return undefined;
    const [rec] = await tx.select({ code: records.archivalCode }).from(records).where(eq(records.id, a.recordId));
    await appendEvent(tx, { type: 'record.access-feedback', actor, subject: { type: 'record', id: rec.code }, payload: { access: id, feedback } });
    return rec.code;
  });
  if (!code) return page(c, t('未找到', 'Not found'), html`<h1>${t('没有这条利用记录', 'No such access')}</h1>`, { status: 404 });
  return c.redirect(`/ui/records/${encodeURIComponent(code)}#accesses`, 303);
}

/** Previews on the page: images as <img>, PDFs drawn page by page with pdf.js (the first 30 pages). */
const PREVIEW_JS = `
document.querySelectorAll('.preview-btn').forEach(function (b) {
  b.addEventListener('click', async function () {
    var box = b.closest('section').querySelector('.preview-box');
    box.innerHTML = '';
    if (b.dataset.kind === 'image') {
      var img = document.createElement('img'); img.className = 'preview'; img.src = b.dataset.src; img.alt = b.dataset.name; box.appendChild(img); return;
    }
    var note = document.createElement('p'); note.className = 'muted'; note.textContent = '…'; box.appendChild(note);
    try {
      var pdfjs = await import('/ui/assets/pdf.mjs');
      pdfjs.GlobalWorkerOptions.workerSrc = '/ui/assets/pdf.worker.mjs';
      var doc = await pdfjs.getDocument({ url: b.dataset.src, withCredentials: true, disableRange: true, disableStream: true,
        cMapUrl: '/ui/assets/cmaps/', cMapPacked: true, standardFontDataUrl: '/ui/assets/standard_fonts/' }).promise;
      note.textContent = b.dataset.pages.replace('N', doc.numPages);
      var width = Math.min(box.clientWidth || 900, 900);
      for (var i = 1; i <= Math.min(doc.numPages, 30); i++) {
        var p = await doc.getPage(i);
        var v = p.getViewport({ scale: 1 });
        var vp = p.getViewport({ scale: (width / v.width) * (window.devicePixelRatio || 1) });
        var canvas = document.createElement('canvas');
        canvas.className = 'pdf-page'; canvas.width = vp.width; canvas.height = vp.height; canvas.style.width = width + 'px';
        box.appendChild(canvas);
        await p.render({ canvasContext: canvas.getContext('2d'), viewport: vp, canvas: canvas }).promise;
      }
      box.dataset.rendered = String(Math.min(doc.numPages, 30));
    } catch (e) {
      note.className = 'error'; note.textContent = String(e && e.message || e);
    }
  });
});`;
