// POST /api/v1/transfers (queue the build of a transfer package: 202 and the transfer, pending),
// GET /api/v1/transfers/{id} (status, progress, failure reason) and its package; the receipts route
// is mounted with them. Reading a transfer: auditor or admin; creating one: admin (see ../auth.ts).
import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { z } from 'zod';
import type { Db } from '../../db/index.ts';
import { TransferRequestError, type Transfer, type TransferService } from '../../transfer/index.ts';
import { ADMIN_ROLES, bearerAuth, requireRole, tokenActor, TRANSFER_READ_ROLES, type ApiEnv } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { receiptRoutes } from './receipts.ts';
import { UUID } from '../../db/schema.ts';

export interface TransferRouteDeps {
  db: Db;
  transfers: TransferService;
  maxUploadBytes: number;
}

const code = z.string().min(1).max(200);
const requestSchema = z.strictObject({
  fonds: z.string().regex(/^[A-Za-z0-9]{1,16}$/),
  year: z.number().int().min(1000).max(9999).optional(),
  retention: z.string().max(10).optional(),
  volumes: z.array(code).max(100_000).optional(),
  records: z.array(code).max(100_000).optional(),
  receivingUnit: z.string().max(200).optional(),
  transferringUnit: z.string().max(200).optional(),
  title: z.string().max(500).optional(),
  contentDescription: z.string().max(2000).optional(),
  preparedBy: z.string().max(100).optional(),
  reviewedBy: z.string().max(100).optional(),
  carrier: z.enum(['在线', '离线']).optional(),
  access: z.enum(['开放', '控制']).optional(),
});

export function transferView(t: Transfer) {
  return {
    id: t.id,
    status: t.status,
    fonds: t.fonds,
    selection: t.selection,
    records: t.recordCount,
    files: t.fileCount,
    bytes: t.totalBytes,
    package: t.objectKey ? { size: t.size, sha256: t.sha256, sm3: t.sm3 } : null,
    register: t.register ?? null,
    report: t.report ?? null,
    progress: t.status === 'pending' || t.status === 'building' ? (t.progress ?? null) : null,
    failureReason: t.failureReason,
    createdAt: t.createdAt,
    completedAt: t.completedAt,
    links: { self: `/api/v1/transfers/${t.id}`, package: `/api/v1/transfers/${t.id}/package` },
  };
}

export function transferRoutes(deps: TransferRouteDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.use('/api/v1/transfers', bearerAuth(deps.db));
  app.use('/api/v1/transfers/*', bearerAuth(deps.db));
  // Each method names its roles, so a refusal says what this request needed.
  const reader = requireRole(TRANSFER_READ_ROLES);

  app.post('/api/v1/transfers', requireRole(ADMIN_ROLES), async (c) => {
    const token = c.get('token');
    const body = requestSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) throw new ApiError('bad_request', `请求无效 (invalid transfer request): ${body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (!token.fonds.includes(body.data.fonds)) throw new ApiError('forbidden', `此令牌不能移交全宗 ${body.data.fonds} (this token reaches only ${token.fonds.join(', ')})`);
    try {
      const t = await deps.transfers.request({ ...body.data, requestedBy: tokenActor(token) });
      c.header('Location', `/api/v1/transfers/${t.id}`);
      return c.json(transferView(t), 202);
    } catch (e) {
      if (e instanceof TransferRequestError) throw new ApiError('bad_request', e.message);
      throw e;
    }
  });

  const find = async (id: string, fonds: string[]) => {
    const t = UUID.test(id) ? await deps.transfers.get(id) : undefined;
    if (!t || !fonds.includes(t.fonds)) throw new ApiError('not_found', `没有这个移交 (no such transfer): ${id}`);
    return t;
  };

  app.get('/api/v1/transfers/:id', reader, async (c) => c.json(transferView(await find(c.req.param('id'), c.get('token').fonds))));

  app.get('/api/v1/transfers/:id/package', reader, async (c) => {
    const t = await find(c.req.param('id'), c.get('token').fonds);
    const opened = await deps.transfers.open(t.id);
    if (!opened) throw new ApiError('not_found', `移交 ${t.id} 没有已存储的信息包 (status ${t.status})`);
    c.header('Content-Type', 'application/zip');
    c.header('Content-Length', String(t.size));
    c.header('Content-Disposition', `attachment; filename="transfer-${t.id}.zip"`);
    c.header('Repr-Digest', `sha-256=:${Buffer.from(t.sha256!, 'hex').toString('base64')}:`);
    c.header('X-Dangan-SM3', t.sm3!);
    return stream(c, async (s) => {
      for await (const chunk of opened.stream) await s.write(chunk as Uint8Array);
    });
  });

  app.route('/', receiptRoutes(deps));
  return app;
}
