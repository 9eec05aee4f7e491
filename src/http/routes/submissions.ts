// POST /api/v1/submissions (streamed upload into staging) and the submission's status and report.
import { Hono } from 'hono';
import { eq } from 'drizzle-orm';
import type { Report } from '../../checks/report.ts';
import { renderReportHtml } from '../../checks/report-html.ts';
import type { Db } from '../../db/index.ts';
import { submissions, UUID } from '../../db/schema.ts';
import type { IngestService, Submission, TokenIdentity } from '../../ingest/index.ts';
import { bearerAuth, requireRole, SUBMIT_ROLES, tokenActor, type ApiEnv } from '../auth.ts';
import { ApiError, stagedOrThrow } from '../errors.ts';

export interface SubmissionDeps {
  db: Db;
  ingest: IngestService;
}

const FONDS = /^[A-Za-z0-9]{1,16}$/;

export function submissionView(s: Submission, withReport = true) {
  return {
    id: s.id,
    status: s.status,
    verdict: s.verdict,
    source: s.source,
    fonds: s.fonds,
    package: { name: s.packageName, size: s.packageSize, sha256: s.packageSha256, sm3: s.packageSm3 },
    attempts: s.attempts,
    failureReason: s.failureReason,
    createdAt: s.createdAt,
    checkedAt: s.checkedAt,
    archivedAt: s.archivedAt,
    callback: s.callbackUrl ? { deliveredAt: s.callbackDeliveredAt } : null,
    links: { self: `/api/v1/submissions/${s.id}`, report: `/api/v1/submissions/${s.id}/report` },
    ...(withReport ? { report: s.report ?? null } : {}),
  };
}

/** A token sees its own submissions and those of its fonds. */
function visible(s: Submission, t: TokenIdentity): boolean {
  return s.tokenId === t.id || (s.fonds !== null && t.fonds.includes(s.fonds));
}

export function submissionRoutes(deps: SubmissionDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.use('/api/v1/submissions', bearerAuth(deps.db));
  app.use('/api/v1/submissions/*', bearerAuth(deps.db));

  // Reading a submission: any role of its fonds; pushing one: submitters and administrators.
  app.post('/api/v1/submissions', requireRole(SUBMIT_ROLES), async (c) => {
    const token = c.get('token');
    const asked = c.req.header('x-dangan-fonds')?.trim();
    if (asked !== undefined && !FONDS.test(asked)) throw new ApiError('bad_request', `X-Dangan-Fonds 不是全宗号 (not a fonds code): ${asked}`);
    if (asked !== undefined && !token.fonds.includes(asked)) {
      throw new ApiError('forbidden', `此令牌不能提交全宗 ${asked} (this token may submit only to ${token.fonds.join(', ')})`);
    }
    const type = (c.req.header('content-type') ?? 'application/zip').split(';')[0].trim().toLowerCase();
    if (!['application/zip', 'application/octet-stream', 'application/x-zip-compressed'].includes(type)) {
      throw new ApiError('unsupported_media_type', `请以 application/zip 上传信息包 (send the package as application/zip), got ${type}`);
    }
    const limit = deps.ingest.maxUploadBytes;
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      throw new ApiError('payload_too_large', `信息包超过 ${limit} 字节上限 (package larger than the configured limit)`);
    }
    const body = c.req.raw.body;
    if (!body) throw new ApiError('bad_request', '请求体为空，应为信息包 zip (empty body)');
    const key = c.req.header('idempotency-key')?.trim();
    if (key !== undefined && (key.length === 0 || key.length > 200)) throw new ApiError('bad_request', 'Idempotency-Key 应为 1–200 个字符 (1 to 200 characters)');
    const rawName = c.req.header('x-dangan-package-name') ?? c.req.query('name');
    let name: string | undefined;
    try {
      name = rawName === undefined ? undefined : decodeURIComponent(rawName);
    } catch {
      throw new ApiError('bad_request', 'X-Dangan-Package-Name 应为 URI 编码的文件名 (must be URI-encoded)');
    }
    const r = await deps.ingest.receive({
      body: body as unknown as AsyncIterable<Uint8Array>,
      source: 'online',
      submitter: tokenActor(token),
      tokenId: token.id,
      fonds: asked ?? (token.fonds.length === 1 ? token.fonds[0] : undefined),
      idempotencyKey: key,
      packageName: name ? name.slice(0, 255) : undefined,
      callbackUrl: token.callbackUrl,
      signal: c.req.raw.signal,
    });
    const view = submissionView(stagedOrThrow(c, r).submission, false);
    c.header('Location', view.links.self);
    return c.json({ id: view.id, status: view.status, links: view.links }, 202);
  });

  const find = async (id: string, token: TokenIdentity): Promise<Submission> => {
    if (!UUID.test(id)) throw new ApiError('not_found', `没有这个提交 (no such submission): ${id}`);
    const [s] = await deps.db.select().from(submissions).where(eq(submissions.id, id));
    if (!s || !visible(s, token)) throw new ApiError('not_found', `没有这个提交 (no such submission): ${id}`);
    return s;
  };

  app.get('/api/v1/submissions/:id', async (c) => c.json(submissionView(await find(c.req.param('id'), c.get('token')))));

  app.get('/api/v1/submissions/:id/report', async (c) => {
    const s = await find(c.req.param('id'), c.get('token'));
    if (!s.report) throw new ApiError('not_found', `提交 ${s.id} 尚未检测完毕 (not checked yet: status ${s.status})`);
    if (c.req.query('format') === 'html') return c.html(renderReportHtml(s.report as Report));
    return c.json(s.report);
  });
  return app;
}
