// POST /api/v1/receipts: a transfer package arriving at this archive (body: the zip, streamed to
// staging) answers 202 with the submission; a job checks it at stage YJ, archives it when accepted
// and writes the 交接登记表. GET /api/v1/receipts/{id} is the receipt's status, report and handover;
// /handover and /handover/seal are the register's bytes once written.
// Admin tokens only: receiving writes records into the archive in its name (see ../auth.ts).
import { Hono } from 'hono';
import { UUID } from '../../db/schema.ts';
import type { Db } from '../../db/index.ts';
import type { ReceiptView, TransferService } from '../../transfer/index.ts';
import { ADMIN_ROLES, bearerAuth, tokenActor, type ApiEnv } from '../auth.ts';
import { ApiError, stagedOrThrow } from '../errors.ts';

const links = (id: string) => ({
  self: `/api/v1/receipts/${id}`,
  submission: `/api/v1/submissions/${id}`,
  report: `/api/v1/submissions/${id}/report`,
  handover: `/api/v1/receipts/${id}/handover`,
  handoverSeal: `/api/v1/receipts/${id}/handover/seal`,
});

export function receiptView(r: ReceiptView) {
  const s = r.submission;
  return {
    id: s.id,
    status: r.status,
    settled: r.settled,
    verdict: s.verdict,
    package: { name: s.packageName, size: s.packageSize, sha256: s.packageSha256, sm3: s.packageSm3 },
    receivedBy: r.receivedBy,
    attempts: s.attempts,
    failureReason: s.failureReason,
    createdAt: s.createdAt,
    checkedAt: s.checkedAt,
    archivedAt: s.archivedAt,
    handover: r.handover,
    report: s.report ?? null,
    links: links(s.id),
  };
}

export function receiptRoutes(deps: { db: Db; transfers: TransferService; maxUploadBytes: number }): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.use('/api/v1/receipts', bearerAuth(deps.db, ADMIN_ROLES));
  app.use('/api/v1/receipts/*', bearerAuth(deps.db, ADMIN_ROLES));

  app.post('/api/v1/receipts', async (c) => {
    const token = c.get('token');
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > deps.maxUploadBytes) throw new ApiError('payload_too_large', `信息包超过 ${deps.maxUploadBytes} 字节上限 (package larger than the configured limit)`);
    const body = c.req.raw.body;
    if (!body) throw new ApiError('bad_request', '请求体为空，应为移交信息包 zip (empty body)');
    const key = c.req.header('idempotency-key')?.trim();
    if (key !== undefined && (key.length === 0 || key.length > 200)) throw new ApiError('bad_request', 'Idempotency-Key 应为 1–200 个字符 (1 to 200 characters)');
    let name: string | undefined;
    let receivedBy: string | undefined;
    try {
      const raw = c.req.header('x-dangan-package-name') ?? c.req.query('name');
      name = raw === undefined ? undefined : decodeURIComponent(raw).slice(0, 255);
      const by = c.req.header('x-dangan-received-by');
      receivedBy = by === undefined ? undefined : decodeURIComponent(by).slice(0, 100);
    } catch {
      throw new ApiError('bad_request', 'X-Dangan-Package-Name 与 X-Dangan-Received-By 应为 URI 编码 (must be URI-encoded)');
    }
    const r = await deps.transfers.requestReceipt({
      body: body as unknown as AsyncIterable<Uint8Array>,
      packageName: name,
      submitter: tokenActor(token),
      tokenId: token.id,
      idempotencyKey: key,
      receivedBy,
      signal: c.req.raw.signal,
    });
    const staged = stagedOrThrow(c, r);
    const id = staged.submission.id;
    c.header('Location', `/api/v1/receipts/${id}`);
    return c.json({ id, status: staged.submission.status, links: links(id) }, 202);
  });

  const find = async (id: string) => {
    const r = UUID.test(id) ? await deps.transfers.getReceipt(id) : undefined;
    if (!r) throw new ApiError('not_found', `没有这个接收 (no such receipt): ${id}`);
    return r;
  };

  app.get('/api/v1/receipts/:id', async (c) => c.json(receiptView(await find(c.req.param('id')))));

  const handover = (part: 'xml' | 'seal') => async (c: { req: { param(n: 'id'): string } }) => {
    const r = await find(c.req.param('id'));
    if (!r.handover) throw new ApiError('not_found', `交接登记表尚未生成 (not written yet: status ${r.status})`);
    if (part === 'seal' && !r.handover.sealKey) throw new ApiError('not_found', '交接登记表未签名：未配置签名密钥 (not sealed: no signing key configured)');
    const bytes = await deps.transfers.openHandover(r.submission.id, part);
    if (!bytes) throw new ApiError('not_found', `交接登记表尚未生成 (not written yet)`);
    const type = part === 'xml' ? 'application/xml; charset=utf-8' : 'application/pkcs7-signature';
    const file = part === 'xml' ? '交接登记表.xml' : '交接登记表.xml.p7s';
    return new Response(new Uint8Array(bytes), { headers: { 'Content-Type': type, 'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file)}` } });
  };
  app.get('/api/v1/receipts/:id/handover', handover('xml'));
  app.get('/api/v1/receipts/:id/handover/seal', handover('seal'));
  return app;
}
