// The event log over HTTP (auditor and admin tokens): entries in pages (after=, type=) and the end-to-end verification.
import { Hono } from 'hono';
import type { Db } from '../../db/index.ts';
import { listEvents, verifyEventLog } from '../../events/index.ts';
import { AUDIT_ROLES, bearerAuth, type ApiEnv } from '../auth.ts';
import { ApiError } from '../errors.ts';

export function eventRoutes(deps: { db: Db }): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  // The whole log spans every fonds: auditors and administrators only.
  app.use('/api/v1/events', bearerAuth(deps.db, AUDIT_ROLES));
  app.use('/api/v1/events/*', bearerAuth(deps.db, AUDIT_ROLES));

  app.get('/api/v1/events', async (c) => {
    const after = c.req.query('after') ?? '0';
    const limit = c.req.query('limit') ?? '100';
    if (!/^\d{1,15}$/.test(after) || !/^\d{1,4}$/.test(limit)) throw new ApiError('bad_request', 'after 与 limit 应为整数 (after and limit must be whole numbers)');
    const items = await listEvents(deps.db, { after: Number(after), type: c.req.query('type') || undefined, limit: Number(limit) });
    const last = items[items.length - 1];
    return c.json({ items, next: last ? `/api/v1/events?after=${last.seq}` : null });
  });

  app.get('/api/v1/events/verify', async (c) => {
    const r = await verifyEventLog(deps.db);
    return c.json(r, r.ok ? 200 : 409);
  });
  return app;
}
