// pdf.js (pdfjs-dist, already a dependency) served to the browser for previews: the library, its
// worker, its CMaps and standard fonts, so that a PDF renders on the page itself on any browser.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import type { UiEnv } from './session.ts';

const PDFJS = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
const FILES: Record<string, [string, string]> = {
  'pdf.mjs': [join(PDFJS, 'build', 'pdf.min.mjs'), 'text/javascript'],
  'pdf.worker.mjs': [join(PDFJS, 'build', 'pdf.worker.min.mjs'), 'text/javascript'],
};
const DIRS: Record<string, [string, RegExp, string]> = {
  cmaps: [join(PDFJS, 'cmaps'), /^[A-Za-z0-9._-]+\.bcmap$/, 'application/octet-stream'],
  standard_fonts: [join(PDFJS, 'standard_fonts'), /^[A-Za-z0-9._-]+\.(pfb|ttf)$/, 'application/octet-stream'],
};

async function send(path: string, type: string): Promise<Response | undefined> {
  const s = await stat(path).catch(() => undefined);
  if (!s?.isFile()) return undefined;
  return new Response(Readable.toWeb(createReadStream(path)) as ReadableStream, {
    headers: { 'content-type': type, 'content-length': String(s.size), 'cache-control': 'private, max-age=86400', 'x-content-type-options': 'nosniff' },
  });
}

export function assetRoutes(): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  app.get('/ui/assets/:name', async (c) => {
    const f = FILES[c.req.param('name')];
    return (f && (await send(f[0], f[1]))) || c.text('not found', 404);
  });
  app.get('/ui/assets/:dir/:name', async (c) => {
    const d = DIRS[c.req.param('dir')];
    const name = c.req.param('name');
    return (d && d[1].test(name) && (await send(join(d[0], name), d[2]))) || c.text('not found', 404);
  });
  return app;
}
