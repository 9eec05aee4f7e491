// POST /api/v1/audits (run a fixity audit now), GET /api/v1/audits (recent runs), GET /api/v1/audits/{id}
// (the run and its BC report; HTML with ?format=html or Accept: text/html), GET /api/v1/audits/metrics;
// auditor and admin tokens only.
import { desc } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { AuditRequestError, renderAuditHtml, renderAuditMetrics, type AuditService } from '../../audit/index.ts';
import type { Db } from '../../db/index.ts';
import { audits, UUID } from '../../db/schema.ts';
import { AUDIT_ROLES, bearerAuth, tokenActor, type ApiEnv } from '../auth.ts';
import { ApiError } from '../errors.ts';

export interface AuditRouteDeps {
  db: Db;
  audits: AuditService;
}

const body = z.strictObject({
  store: z.string().min(1).optional(),
  samplePercent: z.number().gt(0).max(100).optional(),
  repair: z.boolean().optional(),
});

const links = (id: string) => ({ self: `/api/v1/audits/${id}`, html: `/api/v1/audits/${id}?format=html` });

export function auditRoutes(deps: AuditRouteDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.use('/api/v1/audits', bearerAuth(deps.db, AUDIT_ROLES));
  app.use('/api/v1/audits/*', bearerAuth(deps.db, AUDIT_ROLES));

  app.post('/api/v1/audits', async (c) => {
    let json: unknown = {};
    const text = await c.req.text();
    if (text.trim()) {
      try {
        json = JSON.parse(text);
      } catch {
        throw new ApiError('bad_request', '请求体不是 JSON (body is not JSON)');
      }
    }
    const parsed = body.safeParse(json);
    if (!parsed.success) throw new ApiError('bad_request', `请求无效 (invalid request): ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
    try {
      const a = await deps.audits.start({ ...parsed.data, requestedBy: tokenActor(c.get('token')) });
      return c.json({ id: a.id, status: a.status, store: a.store, samplePercent: a.samplePercent, repair: a.repair, startedAt: a.startedAt, links: links(a.id) }, 202, { Location: `/api/v1/audits/${a.id}` });
    } catch (e) {
      if (e instanceof AuditRequestError) throw new ApiError('bad_request', e.message);
      throw e;
    }
  });

  app.get('/api/v1/audits', async (c) => {
    const rows = await deps.db.select().from(audits).orderBy(desc(audits.startedAt)).limit(100);
    return c.json({ items: rows.map(({ summary: _s, ...a }) => ({ ...a, links: links(a.id) })) });
  });

  app.get('/api/v1/audits/metrics', async (c) => c.body(await renderAuditMetrics(deps.db), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }));

  app.get('/api/v1/audits/:id', async (c) => {
    const id = c.req.param('id');
    const r = UUID.test(id) ? await deps.audits.report(id) : undefined;
    if (!r) throw new ApiError('not_found', `没有这次稽核 (no such audit): ${id}`);
    const wantsHtml = c.req.query('format') === 'html' || (c.req.query('format') !== 'json' && /text\/html/.test(c.req.header('accept') ?? ''));
    if (wantsHtml) return c.html(renderAuditHtml(r));
    return c.json({ ...r, links: links(id) });
  });
  return app;
}
