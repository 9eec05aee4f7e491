// Chinese first, English on request: ?lang=en (or zh) sets a cookie; pages pick a phrase with tr(zh, en).
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

export type Lang = 'zh' | 'en';
export type Tr = (zh: string, en: string) => string;

export const LANG_COOKIE = 'dangan_lang';

export function langMiddleware(): MiddlewareHandler {
  return async (c, next) => {
    const asked = c.req.query('lang');
    let lang: Lang = getCookie(c, LANG_COOKIE) === 'en' ? 'en' : 'zh';
    if (asked === 'en' || asked === 'zh') {
      lang = asked;
      setCookie(c, LANG_COOKIE, lang, { path: '/ui', sameSite: 'Lax', httpOnly: true, maxAge: 365 * 86400 });
    }
    c.set('lang', lang);
    await next();
  };
}

export const trOf = (lang: Lang): Tr => (lang === 'en' ? (_zh, en) => en : (zh) => zh);
export const tr = (c: Context): Tr => trOf((c.get('lang') as Lang | undefined) ?? 'zh');

/** A date and time as staff read it (China Standard Time, no DST). */
export function formatTime(d: Date | string | null | undefined): string {
  if (!d) return '—';
  const t = new Date(d);
  if (Number.isNaN(t.getTime())) return String(d);
  return new Date(t.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
