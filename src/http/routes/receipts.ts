// POST /api/v1/receipts: a transfer package arriving at this archive (body: the zip, streamed),
// checked at stage YJ and archived when accepted; answers with the verdict, report and 交接登记表.
// Admin tokens only: receiving writes records into the archive in its name (see ../auth.ts).
import { Hono } from 'hono';
import type { Db } from '../../db/index.ts';
import type { TransferService } from '../../transfer/index.ts';
import { ADMIN_ROLES, bearerAuth, tokenActor, type ApiEnv } from '../auth.ts';
import { ApiError } from '../errors.ts';

export function receiptRoutes(deps: { db: Db; transfers: TransferService; maxUploadBytes: number }): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.use('/api/v1/receipts', bearerAuth(deps.db, ADMIN_ROLES));

  app.post('/api/v1/receipts', async (c) => {
    const token = c.get('token');
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > deps.maxUploadBytes) throw new ApiError('payload_too_large', `信息包超过 ${deps.maxUploadBytes} 字节上限 (package larger than the configured limit)`);
    const body = c.req.raw.body;
    if (!body) throw new ApiError('bad_request', '请求体为空，应为移交信息包 zip (empty body)');
    const name = c.req.header('x-dangan-package-name') ?? c.req.query('name');
    const out = await deps.transfers.receive({
      body: body as unknown as AsyncIterable<Uint8Array>,
      packageName: name ? decodeURIComponent(name).slice(0, 255) : undefined,
      submitter: tokenActor(token),
      receivedBy: c.req.header('x-dangan-received-by') ?? undefined,
    });
    if (out.status === 'failed') {
      if (/too large|超过/.test(out.reason)) throw new ApiError('payload_too_large', out.reason);
      throw new ApiError('unavailable', `接收未完成，可重试 (the receipt could not complete; retry): ${out.reason}`);
    }
    const base = { submission: out.submission.id, status: out.status, report: out.report, links: { submission: `/api/v1/submissions/${out.submission.id}` } };
    if (out.status === 'rejected') return c.json(base, 200);
    return c.json(
      {
        ...base,
        handover: { register: out.handover.register, xml: Buffer.from(out.handover.xml).toString('utf8'), seal: out.handover.seal ? Buffer.from(out.handover.seal).toString('base64') : null, key: out.handover.key, sealKey: out.handover.sealKey ?? null },
      },
      201,
    );
  });
  return app;
}
