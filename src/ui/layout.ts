// The page shell: header with navigation, user and language, the stylesheet (screen and print).
import type { Context } from 'hono';
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { AUDIT_STATUSES, COPY_STATUSES, SUBMISSION_STATUSES, TRANSFER_STATUSES, UserRole } from '../db/schema.ts';
import { tr, type Tr } from './i18n.ts';
import type { UiEnv } from './session.ts';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export const UI_CSS = `
  :root { --ink: #1b1b1b; --line: #d0d4da; --soft: #f4f6f8; --brand: #8a1c1c; --ok: #1e6b2e; --bad: #b00020; --warn: #a05a00; }
  * { box-sizing: border-box; }
  body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "Droid Sans Fallback", sans-serif; color: var(--ink); margin: 0; font-size: 15px; line-height: 1.5; background: #fff; }
  header.top { display: flex; align-items: center; gap: 18px; padding: 8px 20px; background: var(--brand); color: #fff; flex-wrap: wrap; }
  header.top a { color: #fff; text-decoration: none; } header.top .brand { font-weight: 700; font-size: 17px; letter-spacing: 1px; }
  header.top nav { display: flex; gap: 4px; flex-wrap: wrap; } header.top nav a { padding: 4px 10px; border-radius: 4px; }
  header.top nav a.on, header.top nav a:hover { background: rgba(255,255,255,.18); }
  header.top .who { margin-left: auto; display: flex; align-items: center; gap: 10px; font-size: 13px; }
  header.top button.link { background: none; border: 1px solid rgba(255,255,255,.6); color: #fff; border-radius: 4px; padding: 2px 8px; cursor: pointer; font: inherit; }
  main { max-width: 1180px; margin: 0 auto; padding: 18px 20px 40px; }
  h1 { font-size: 22px; margin: 4px 0 14px; } h2 { font-size: 17px; margin: 22px 0 8px; }
  table { border-collapse: collapse; width: 100%; } th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
  th { background: var(--soft); font-weight: 600; white-space: nowrap; } td { word-break: break-word; }
  table.kv th { width: 160px; } .mono, .code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; word-break: break-all; }
  .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 12px; }
  .card { border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; display: block; color: inherit; text-decoration: none; background: #fff; }
  a.card:hover { border-color: var(--brand); } .card .n { font-size: 28px; font-weight: 700; } .card .l { color: #555; font-size: 13px; }
  .card.bad .n { color: var(--bad); } .card.ok .n { color: var(--ok); }
  form.filters { display: flex; gap: 8px; flex-wrap: wrap; align-items: end; margin-bottom: 12px; }
  label { display: flex; flex-direction: column; font-size: 13px; color: #444; gap: 2px; }
  input, select, textarea, button { font: inherit; } input, select, textarea { border: 1px solid #aab; border-radius: 4px; padding: 4px 6px; }
  button, .button { background: var(--brand); color: #fff; border: 0; border-radius: 4px; padding: 6px 14px; cursor: pointer; text-decoration: none; display: inline-block; }
  button.secondary, .button.secondary { background: #fff; color: var(--brand); border: 1px solid var(--brand); }
  .status-archived, .status-accepted, .ok, .pass { color: var(--ok); } .status-rejected, .status-failed, .bad, .fail { color: var(--bad); font-weight: 600; }
  .status-received, .status-checking, .warn { color: var(--warn); } .muted, .skip { color: #666; }
  .empty { padding: 28px; text-align: center; color: #666; border: 1px dashed var(--line); border-radius: 6px; }
  .notice { padding: 10px 14px; border-radius: 6px; background: #fff4e5; border: 1px solid #f0c36d; margin: 10px 0; }
  .error { padding: 10px 14px; border-radius: 6px; background: #fdecee; border: 1px solid #e8a0aa; margin: 10px 0; color: var(--bad); }
  progress { width: 100%; height: 18px; } .actions { display: flex; gap: 8px; flex-wrap: wrap; margin: 10px 0; }
  .pager { margin-top: 10px; display: flex; gap: 12px; align-items: center; }
  iframe.preview, img.preview { width: 100%; border: 1px solid var(--line); } iframe.preview { height: 70vh; } img.preview { max-height: 70vh; object-fit: contain; }
  canvas.pdf-page { display: block; margin: 0 auto 10px; border: 1px solid var(--line); box-shadow: 0 1px 4px rgba(0,0,0,.15); max-width: 100%; }
  .report table { margin-bottom: 6px; } .report h1 { font-size: 19px; }
  @media print { header.top, .actions, form.filters, .noprint, .pager { display: none !important; } main { max-width: none; padding: 0; } body { font-size: 10.5pt; } a { color: inherit; text-decoration: none; } @page { size: A4; margin: 15mm 12mm; } }
`;

interface NavItem {
  href: string;
  zh: string;
  en: string;
  roles?: readonly UserRole[];
}

const NAV: NavItem[] = [
  { href: '/ui', zh: '概览', en: 'Dashboard' },
  { href: '/ui/submissions', zh: '提交', en: 'Submissions' },
  { href: '/ui/upload', zh: '上传', en: 'Upload', roles: ['receiver', 'admin'] },
  { href: '/ui/records', zh: '档案', en: 'Records' },
  { href: '/ui/transfers', zh: '移交', en: 'Transfers' },
  { href: '/ui/audits', zh: '审计', en: 'Audits' },
  { href: '/ui/users', zh: '用户', en: 'Users', roles: ['admin'] },
];

export const ROLE_NAMES: Record<UserRole, [string, string]> = { receiver: ['接收人员', 'receiver'], auditor: ['审计人员', 'auditor'], admin: ['管理员', 'admin'] };

/** The current URL with ?lang= switched. */
function langHref(c: Context, lang: string): string {
  const u = new URL(c.req.url);
  u.searchParams.set('lang', lang);
  return `${u.pathname}${u.search}`;
}

export function page(c: Context<UiEnv>, title: string, body: Html, opts: { status?: 200 | 403 | 404 | 400; bare?: boolean } = {}) {
  const t = tr(c);
  const lang = c.get('lang') ?? 'zh';
  const user = c.get('user') as UiEnv['Variables']['user'] | undefined;
  const path = c.req.path;
  const nav = user
    ? NAV.filter((n) => !n.roles || n.roles.includes(user.role)).map(
        (n) => html`<a href="${n.href}" class="${(n.href === '/ui' ? path === '/ui' || path === '/ui/' : path.startsWith(n.href)) ? 'on' : ''}">${t(n.zh, n.en)}</a>`,
      )
    : [];
  const doc = html`<!doctype html>
<html lang="${lang === 'en' ? 'en' : 'zh-CN'}"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
<title>${title} — ${t('档案接收与保存', 'dangan archive')}</title><style>${raw(UI_CSS)}</style></head>
<body>
<header class="top">
  <a class="brand" href="/ui">${t('电子档案接收与保存', 'Electronic archive')}</a>
  <nav>${nav}</nav>
  <div class="who">
    <a href="${langHref(c, lang === 'en' ? 'zh' : 'en')}" lang="${lang === 'en' ? 'zh-CN' : 'en'}">${lang === 'en' ? '中文' : 'English'}</a>
    ${user
      ? html`<span>${user.name}（${t(...ROLE_NAMES[user.role])}）</span>
        <form method="post" action="/ui/logout" style="margin:0"><input type="hidden" name="_csrf" value="${c.get('csrfToken')}" /><button class="link" type="submit">${t('退出', 'Log out')}</button></form>`
      : ''}
  </div>
</header>
<main>${body}</main>
</body></html>`;
  return c.html(doc, opts.status ?? 200);
}

export function csrfField(c: Context<UiEnv>) {
  return html`<input type="hidden" name="_csrf" value="${c.get('csrfToken')}" />`;
}

export function emptyState(text: string) {
  return html`<div class="empty">${text}</div>`;
}

/**
 * Previous/next links keeping the other query parameters. A total that is only a lower bound
 * (`exact: false`, a capped count) is shown as such, with no last page; the next link is then
 * offered while the page is full (`more`).
 */
export function pager(c: Context, t: Tr, page: number, pageSize: number, total: number, opts: { exact?: boolean; more?: boolean } = {}) {
  const exact = opts.exact ?? true;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const link = (p: number) => {
    const u = new URL(c.req.url);
    u.searchParams.set('page', String(p));
    return `${u.pathname}${u.search}`;
  };
  const hasNext = exact ? page < pages : (opts.more ?? page < pages);
  return html`<div class="pager">
    ${page > 1 ? html`<a href="${link(page - 1)}" rel="prev">← ${t('上一页', 'Previous')}</a>` : ''}
    <span>${exact ? t(`第 ${page} / ${pages} 页，共 ${total} 条`, `Page ${page} of ${pages}, ${total} in all`) : t(`第 ${page} 页，至少 ${total} 条`, `Page ${page}, at least ${total}`)}</span>
    ${hasNext ? html`<a href="${link(page + 1)}" rel="next">${t('下一页', 'Next')} →</a>` : ''}
  </div>`;
}

/** Every status a row can hold (typed: a new status without its label does not compile). */
type KnownStatus =
  | (typeof SUBMISSION_STATUSES)[number]
  | (typeof TRANSFER_STATUSES)[number]
  | (typeof AUDIT_STATUSES)[number]
  | (typeof COPY_STATUSES)[number]
  | 'error';

export function statusLabel(t: Tr, s: string | null | undefined): string {
  const L: Record<KnownStatus, [string, string]> = {
    received: ['已接收', 'received'],
    checking: ['检测中', 'checking'],
    accepted: ['检测通过', 'accepted'],
    rejected: ['不通过（退回）', 'rejected'],
    archived: ['已归档', 'archived'],
    failed: ['处理失败', 'failed'],
    running: ['进行中', 'running'],
    done: ['已完成', 'done'],
    pending: ['排队中', 'queued'],
    building: ['生成中', 'building'],
    stored: ['已保存', 'stored'],
    ok: ['正常', 'ok'],
    missing: ['缺失', 'missing'],
    corrupt: ['损坏', 'corrupt'],
    repaired: ['已修复', 'repaired'],
    error: ['出错', 'error'],
  };
  if (!s) return '—';
  const l = (L as Record<string, [string, string] | undefined>)[s];
  return l ? t(l[0], l[1]) : s;
}
