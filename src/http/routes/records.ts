// The records API: list (fonds, year, text; paged), one record by 档号, and a file's bytes with 利用登记.
// A token reaches only its own fonds (staff login arrives with the UI).
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import type { Db } from '../../db/index.ts';
import { getRecord, listRecords, openRecordFile } from '../../ingest/index.ts';
import type { ObjectStore } from '../../store/index.ts';
import { bearerAuth, tokenActor, type ApiEnv } from '../auth.ts';
import { ApiError } from '../errors.ts';

export interface RecordDeps {
  db: Db;
  /** Primary first, then the backups: a file is served from the first that has it. */
  stores: ObjectStore[];
}

const intParam = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined || v === '') return undefined;
  if (!/^\d{1,9}$/.test(v)) throw new ApiError('bad_request', `${name} 应为正整数 (must be a whole number): ${v}`);
  return Number(v);
};

export function recordRoutes(deps: RecordDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.use('/api/v1/records', bearerAuth(deps.db));
  app.use('/api/v1/records/*', bearerAuth(deps.db));

  app.get('/api/v1/records', async (c) => {
    const token = c.get('token');
    const fonds = c.req.query('fonds') || undefined;
    if (fonds && !token.fonds.includes(fonds)) throw new ApiError('forbidden', `此令牌不能查看全宗 ${fonds} (this token reaches only ${token.fonds.join(', ')})`);
    const result = await listRecords(deps.db, {
      allowedFonds: token.fonds,
      fonds,
      year: intParam(c.req.query('year'), 'year'),
      q: c.req.query('q') || undefined,
      page: intParam(c.req.query('page'), 'page'),
      pageSize: intParam(c.req.query('pageSize'), 'pageSize'),
    });
    return c.json(result);
  });

  app.get('/api/v1/records/:code', async (c) => {
    const code = c.req.param('code');
    const r = await getRecord(deps.db, code);
    if (!r || !c.get('token').fonds.includes(r.record.fonds)) throw new ApiError('not_found', `没有这件档案 (no such record): ${code}`);
    const { id: _id, ...record } = r.record;
    return c.json({
      ...record,
      files: r.files.map((f) => ({ ...f, links: { download: `/api/v1/records/${encodeURIComponent(code)}/files/${f.sequence}?purpose=` } })),
      events: r.events,
    });
  });

  app.get('/api/v1/records/:code/files/:sequence', async (c) => {
    const purpose = c.req.query('purpose')?.trim();
    if (!purpose) throw new ApiError('bad_request', '下载须说明利用目的 ?purpose=… (a purpose is required; the access is registered)');
    if (purpose.length > 500) throw new ApiError('bad_request', '利用目的过长 (purpose longer than 500 characters)');
    const token = c.get('token');
    const code = c.req.param('code');
    const r = await openRecordFile(deps, {
      code,
      sequence: intParam(c.req.param('sequence'), '文档序号')!,
      purpose,
      actor: tokenActor(token),
      allowedFonds: token.fonds,
    });
    if (r.kind === 'no-record') throw new ApiError('not_found', `没有这件档案 (no such record): ${code}`);
    if (r.kind === 'no-file') throw new ApiError('not_found', `档案 ${code} 没有文档序号 ${c.req.param('sequence')} (no such file)`);
    if (r.kind === 'unavailable') throw new ApiError('unavailable', `文件暂时无法读取 (no store could deliver the file): ${r.message}`);
    return new Response(Readable.toWeb(r.body) as ReadableStream, {
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(r.size),
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(r.name)}`,
        digest: `sha-256=${Buffer.from(r.sha256, 'hex').toString('base64')}`,
      },
    });
  });
  return app;
}
