// 上传: a staff member uploads a package (an offline submission) with a progress bar and follows it live.
import { eq } from 'drizzle-orm';
import { html, raw } from 'hono/html';
import { submissions } from '../../db/schema.ts';
import { tr } from '../i18n.ts';
import { page } from '../layout.ts';
import type { UiContext, UiDeps } from '../deps.ts';

export function uploadPage(c: UiContext, deps: UiDeps) {
  const t = tr(c);
  const max = deps.ingest.maxUploadBytes;
  return page(
    c,
    t('上传信息包', 'Upload a package'),
    html`<h1>${t('上传信息包', 'Upload a package')}</h1>
    <p>${t('选择归档信息包（zip）。上传后系统自动进行四性检测并归档，本页实时显示处理状态。', 'Choose an archival package (zip). It is checked and archived automatically; this page follows its status live.')}</p>
    <form id="upload" data-csrf="${c.get('csrfToken')}" data-max="${max}">
      <div class="actions"><input type="file" id="file" name="file" accept=".zip,application/zip" required />
      <button type="submit" id="send">${t('上传', 'Upload')}</button></div>
    </form>
    <div id="progress-box" hidden>
      <progress id="progress" max="100" value="0"></progress>
      <div id="progress-text" class="muted"></div>
    </div>
    <div id="state" hidden>
      <h2>${t('处理状态', 'Status')}</h2>
      <ol id="steps"></ol>
      <div id="result" class="actions"></div>
    </div>
    <div id="upload-error" class="error" hidden></div>
    <script>${raw(`var L = ${JSON.stringify({
      uploading: t('正在上传', 'Uploading'),
      uploaded: t('上传完成，等待检测', 'Uploaded; waiting for the check'),
      report: t('查看检测报告', 'View the report'),
      detail: t('查看提交详情', 'Open the submission'),
      failed: t('上传失败', 'Upload failed'),
      tooLarge: t('信息包超过上限', 'The package is larger than the limit'),
    })};`)}${raw(UPLOAD_JS)}</script>`,
  );
}

const UPLOAD_JS = `
(function () {
  var form = document.getElementById('upload');
  var bar = document.getElementById('progress'), text = document.getElementById('progress-text');
  var steps = document.getElementById('steps'), result = document.getElementById('result'), err = document.getElementById('upload-error');
  function fail(msg) { err.textContent = L.failed + ': ' + msg; err.hidden = false; document.getElementById('send').disabled = false; }
  function step(label, cls) {
    var last = steps.lastElementChild;
    if (last && last.dataset.label === label) return;
    var li = document.createElement('li'); li.textContent = label; li.dataset.label = label; li.className = cls || ''; steps.appendChild(li);
  }
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var f = document.getElementById('file').files[0];
    if (!f) return;
    err.hidden = true;
    if (f.size > Number(form.dataset.max)) return fail(L.tooLarge);
    document.getElementById('send').disabled = true;
    document.getElementById('progress-box').hidden = false;
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/ui/upload');
    xhr.setRequestHeader('content-type', 'application/zip');
    xhr.setRequestHeader('x-csrf-token', form.dataset.csrf);
    xhr.setRequestHeader('x-dangan-package-name', encodeURIComponent(f.name));
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = function (ev) {
      if (!ev.lengthComputable) return;
      var p = Math.round(ev.loaded * 100 / ev.total);
      bar.value = p; text.textContent = L.uploading + ' ' + p + '%（' + ev.loaded + ' / ' + ev.total + '）';
    };
    xhr.onerror = function () { fail('network'); };
    xhr.onload = function () {
      var body; try { body = JSON.parse(xhr.responseText); } catch (x) { body = {}; }
      if (xhr.status !== 202) return fail((body.error && body.error.message) || xhr.status);
      bar.value = 100; text.textContent = L.uploaded;
      document.getElementById('state').hidden = false;
      follow(body.id);
    };
    xhr.send(f);
  });
  function follow(id) {
    fetch('/ui/submissions/' + id + '/status.json', { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        step(s.label, 'status-' + s.status);
        if (!s.final) return setTimeout(function () { follow(id); }, 800);
        if (s.failureReason) step(s.failureReason, 'bad');
        var a = document.createElement('a'); a.className = 'button'; a.id = 'report-link';
        a.href = '/ui/submissions/' + id; a.textContent = s.verdict ? L.report : L.detail; result.appendChild(a);
      })
      .catch(function () { setTimeout(function () { follow(id); }, 2000); });
  }
})();`;

/** POST /ui/upload: the raw zip body, streamed into the ingest service as an offline submission. */
export async function uploadPost(c: UiContext, deps: UiDeps) {
  const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const err = (status: 400 | 413 | 415 | 409, code: string, message: string) => c.json({ error: { code, message } }, status);
  if (!['application/zip', 'application/octet-stream', 'application/x-zip-compressed'].includes(type)) {
    return err(415, 'unsupported_media_type', `请上传 zip 信息包 (send a zip), got ${type || 'nothing'}`);
  }
  const limit = deps.ingest.maxUploadBytes;
  const declared = Number(c.req.header('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) return err(413, 'payload_too_large', `信息包超过 ${limit} 字节上限 (package larger than the limit)`);
  const body = c.req.raw.body;
  if (!body) return err(400, 'bad_request', '请求体为空 (empty body)');
  const user = c.get('user');
  let name: string | undefined;
  try {
    name = decodeURIComponent(c.req.header('x-dangan-package-name') ?? '').slice(0, 255) || undefined;
  } catch {
    name = undefined;
  }
  const r = await deps.ingest.receive({
    body: body as unknown as AsyncIterable<Uint8Array>,
    source: 'offline',
    submitter: `user:${user.name}`,
    packageName: name,
    signal: c.req.raw.signal,
  });
  switch (r.kind) {
    case 'too_large':
      c.header('Connection', 'close');
      return err(413, 'payload_too_large', `信息包超过 ${r.limit} 字节上限 (package larger than the limit)`);
    case 'unreadable':
      return err(400, 'bad_request', `上传中断 (the upload did not complete): ${r.message}`);
    case 'conflict':
      return err(409, 'conflict', '重复提交 (conflict)');
    default:
      await deps.db.update(submissions).set({ userId: user.id }).where(eq(submissions.id, r.submission.id));
      return c.json({ id: r.submission.id, status: r.submission.status, links: { page: `/ui/submissions/${r.submission.id}` } }, 202);
  }
}
