// The OpenAPI 3.1 document of the routes this build serves, written by hand; openapi.test.ts keeps it true to the app's routes
// and to the roles each route's gate admits.
import { TOKEN_ROLES, type TokenRole } from '../ingest/index.ts';
import { ADMIN_ROLES, AUDIT_ROLES, SUBMIT_ROLES, TOKEN_ROLE_NAMES, TRANSFER_READ_ROLES } from './auth.ts';

const error = { $ref: '#/components/responses/Error' };
/**
 * A bearer-token operation open to these roles: one security requirement per role (OpenAPI 3.1 lets
 * a bearer requirement name roles; the requirements are alternatives, so any one role suffices),
 * the same list as `x-dangan-roles`, and in words. Where a role is left out, the operation also
 * lists `403` (its own responses say so).
 */
const bearer = (roles: readonly TokenRole[]) => ({
  description: `令牌角色 (token roles): ${roles.map((r) => `${r} (${TOKEN_ROLE_NAMES[r]})`).join(', ')}${roles.length < TOKEN_ROLES.length ? '; 其他角色 403 (any other role: 403)' : ''}.`,
  security: roles.map((r) => ({ bearer: [r] })),
  'x-dangan-roles': [...roles],
});
const json = (schema: object) => ({ 'application/json': { schema } });
const param = (name: string, where: 'path' | 'query', description: string, schema: object = { type: 'string' }, required = where === 'path') => ({ name, in: where, required, description, schema });

export function openApiDocument(version: string): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'dangan 档案 API',
      version,
      description:
        'Electronic-archive ingest: submissions (streamed packages, checked, stored with verified backups, catalogued), records with 利用登记, and the tamper-evident event log. Errors are {"error":{"code","message","requestId"}}.',
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            '`dangan token create --system NAME --fonds J001 [--role submitter|auditor|admin]`; a token reaches only its fonds. Roles: submitter (提交系统) pushes packages and reads its submissions and records; auditor (审计人员) reads those, the event log, audits and transfers; admin (管理员) does all that and alone creates transfers and receives transfer packages. Each operation lists the roles it admits (security, x-dangan-roles); another role is refused with 403.',
        },
      },
      responses: {
        Error: {
          description: 'An error',
          content: json({
            type: 'object',
            required: ['error'],
            properties: { error: { type: 'object', required: ['code', 'message', 'requestId'], properties: { code: { type: 'string', enum: ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'payload_too_large', 'unsupported_media_type', 'unavailable', 'internal'] }, message: { type: 'string' }, requestId: { type: 'string' } } } },
          }),
        },
      },
      schemas: {
        Accepted: { type: 'object', required: ['id', 'status', 'links'], properties: { id: { type: 'string', format: 'uuid' }, status: { type: 'string' }, links: { type: 'object', properties: { self: { type: 'string' }, report: { type: 'string' } } } } },
        Submission: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            status: { type: 'string', enum: ['received', 'checking', 'accepted', 'rejected', 'archived', 'failed'], description: '`accepted`: checked and being stored; `archived`: stored in every store and catalogued' },
            verdict: { type: ['string', 'null'], enum: ['accepted', 'rejected', null] },
            source: { type: 'string' },
            fonds: { type: ['string', 'null'] },
            package: { type: 'object', properties: { name: { type: ['string', 'null'] }, size: { type: 'integer' }, sha256: { type: 'string' }, sm3: { type: 'string' } } },
            attempts: { type: 'integer' },
            failureReason: { type: ['string', 'null'], description: 'why the last attempt failed (a store down, …); the submission is retried until `failed`' },
            report: { description: 'the four-property report (checks.md) once checked', type: ['object', 'null'] },
          },
        },
        Event: { type: 'object', properties: { seq: { type: 'integer' }, at: { type: 'string' }, type: { type: 'string' }, actor: { type: 'string' }, subjectType: { type: ['string', 'null'] }, subjectId: { type: ['string', 'null'] }, payload: { type: 'object' }, prevHash: { type: 'string' }, hash: { type: 'string' } } },
      },
    },
    paths: {
      '/healthz': { get: { summary: 'Readiness: database, stores and scanner reachable', responses: { 200: { description: 'ok' }, 503: { description: 'degraded' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text/plain exposition', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
      '/api/v1/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
      '/api/v1/submissions': {
        post: {
          summary: 'Submit a package (streamed; up to the configured limit)',
          ...bearer(SUBMIT_ROLES),
          parameters: [
            { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 }, description: 'the same key and the same bytes return the first submission; the same key with other bytes is 409' },
            { name: 'X-Dangan-Fonds', in: 'header', required: false, schema: { type: 'string' }, description: 'the fonds submitted to; must be one of the token\'s (403 otherwise)' },
            { name: 'X-Dangan-Package-Name', in: 'header', required: false, schema: { type: 'string' }, description: 'the package\'s file name (URI-encoded), shown in the report' },
          ],
          requestBody: { required: true, content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } } },
          responses: { 202: { description: 'received; checked and archived in the background', content: json({ $ref: '#/components/schemas/Accepted' }) }, 400: error, 401: error, 403: error, 409: error, 413: error, 415: error },
        },
      },
      '/api/v1/submissions/{id}': {
        get: { summary: 'Status, failure reason and (once checked) the report', ...bearer(TOKEN_ROLES), parameters: [param('id', 'path', 'submission id')], responses: { 200: { description: 'the submission', content: json({ $ref: '#/components/schemas/Submission' }) }, 401: error, 404: error } },
      },
      '/api/v1/submissions/{id}/report': {
        get: {
          summary: 'The four-property report (JSON, or HTML with format=html)',
          ...bearer(TOKEN_ROLES),
          parameters: [param('id', 'path', 'submission id'), param('format', 'query', 'json (default) or html', { type: 'string', enum: ['json', 'html'] })],
          responses: { 200: { description: 'the report' }, 401: error, 404: error },
        },
      },
      '/api/v1/records': {
        get: {
          summary: 'Archived records of the token\'s fonds, paged',
          ...bearer(TOKEN_ROLES),
          parameters: [param('fonds', 'query', '全宗号'), param('year', 'query', '年度', { type: 'integer' }), param('q', 'query', 'text anywhere in 题名, or the beginning of a 档号 (case-insensitive)'), param('page', 'query', 'from 1', { type: 'integer' }), param('pageSize', 'query', '1–200, default 50', { type: 'integer' })],
          responses: { 200: { description: '{ items, page, pageSize, total, totalExact } in catalogue order (全宗号, 档号); totalExact false where total is a lower bound: lists are counted up to 10,000; a search for a common word counts its matches among the first 10,000 records' }, 400: error, 401: error, 403: error },
        },
      },
      '/api/v1/records/{code}': {
        get: { summary: 'One record: metadata, files with digests and storage copies, events', ...bearer(TOKEN_ROLES), parameters: [param('code', 'path', '档号 (URI-encoded)')], responses: { 200: { description: 'the record' }, 401: error, 404: error } },
      },
      '/api/v1/records/{code}/files/{sequence}': {
        get: {
          summary: 'A file\'s bytes; registers the access (利用登记) with its purpose',
          ...bearer(TOKEN_ROLES),
          parameters: [param('code', 'path', '档号'), param('sequence', 'path', '文档序号', { type: 'integer' }), param('purpose', 'query', '利用目的 (required)', { type: 'string' }, true)],
          responses: { 200: { description: 'the bytes', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, 400: error, 401: error, 404: error, 503: error },
        },
      },
      '/api/v1/transfers': {
        post: {
          summary: 'Queue the build of a transfer package (移交信息包) of archived records, stored with its backups; follow GET /api/v1/transfers/{id}',
          ...bearer(ADMIN_ROLES),
          requestBody: { required: true, content: json({ type: 'object', required: ['fonds'], properties: { fonds: { type: 'string' }, year: { type: 'integer' }, retention: { type: 'string' }, volumes: { type: 'array', items: { type: 'string' } }, records: { type: 'array', items: { type: 'string' } }, receivingUnit: { type: 'string' }, transferringUnit: { type: 'string' }, title: { type: 'string' } } }) },
          responses: { 202: { description: 'the transfer, pending (status pending → building → stored or failed)' }, 400: error, 401: error, 403: error },
        },
      },
      '/api/v1/transfers/{id}': { get: { summary: 'A transfer: status (pending, building, stored, failed), progress while building, failure reason, register, report, digests', ...bearer(TRANSFER_READ_ROLES), parameters: [param('id', 'path', 'transfer id')], responses: { 200: { description: 'the transfer' }, 401: error, 403: error, 404: error } } },
      '/api/v1/transfers/{id}/package': {
        get: { summary: 'The transfer package (zip)', ...bearer(TRANSFER_READ_ROLES), parameters: [param('id', 'path', 'transfer id')], responses: { 200: { description: 'the package', content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } } }, 401: error, 403: error, 404: error } },
      },
      '/api/v1/receipts': {
        post: {
          summary: 'A transfer package arriving at the receiving archive: staged, then checked at stage transfer (YJ), archived when accepted and its 交接登记表 written, as a job',
          ...bearer(ADMIN_ROLES),
          description:
            bearer(ADMIN_ROLES).description +
            ' Answers 202 once the package is staged. Poll `links.self` (GET /api/v1/receipts/{id}) until `settled`: `registered` (archived, the 交接登记表 written and kept in every store; fetch it from `links.handover` and its seal from `links.handoverSeal`), `rejected` (nothing stored; the report says why) or `failed`. A receipt whose worker died is taken up by the next worker, and the 交接登记表 is written exactly once.',
          parameters: [
            { name: 'X-Dangan-Package-Name', in: 'header', required: false, schema: { type: 'string' }, description: 'URI-encoded' },
            { name: 'X-Dangan-Received-By', in: 'header', required: false, schema: { type: 'string' }, description: '接收人, for the 交接登记表 (URI-encoded)' },
            { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 }, description: 'the same key and bytes return the first receipt (Idempotent-Replayed: true)' },
          ],
          requestBody: { required: true, content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } } },
          responses: {
            202: { description: 'staged and queued: `{id, status: received, links: {self, submission, report, handover, handoverSeal}}`; Location is links.self', content: json({ $ref: '#/components/schemas/Accepted' }) },
            400: error,
            401: error,
            403: error,
            409: error,
            413: error,
          },
        },
      },
      '/api/v1/receipts/{id}': {
        get: {
          summary: 'A receipt: its status, report and 交接登记表 once written',
          ...bearer(ADMIN_ROLES),
          parameters: [param('id', 'path', 'receipt (submission) id')],
          responses: {
            200: {
              description: 'the receipt',
              content: json({
                type: 'object',
                properties: {
                  id: { type: 'string', format: 'uuid' },
                  status: { type: 'string', enum: ['received', 'checking', 'accepted', 'archived', 'registered', 'rejected', 'failed'], description: '`archived`: records catalogued, 交接登记表 not yet written; `registered`: archived and the 交接登记表 written' },
                  settled: { type: 'boolean', description: 'nothing more will happen: registered, or rejected or failed with the staged package removed' },
                  verdict: { type: ['string', 'null'], enum: ['accepted', 'rejected', null] },
                  receivedBy: { type: ['string', 'null'] },
                  failureReason: { type: ['string', 'null'] },
                  handover: { type: ['object', 'null'], properties: { key: { type: 'string' }, sealKey: { type: ['string', 'null'] }, at: { type: 'string', format: 'date-time' } } },
                  report: { type: ['object', 'null'] },
                  links: { type: 'object', properties: { self: { type: 'string' }, submission: { type: 'string' }, report: { type: 'string' }, handover: { type: 'string' }, handoverSeal: { type: 'string' } } },
                },
              }),
            },
            401: error,
            403: error,
            404: error,
          },
        },
      },
      '/api/v1/receipts/{id}/handover': {
        get: { summary: 'The 交接登记表 (XML) once written; 404 before', ...bearer(ADMIN_ROLES), parameters: [param('id', 'path', 'receipt id')], responses: { 200: { description: 'the register', content: { 'application/xml': { schema: { type: 'string' } } } }, 401: error, 403: error, 404: error } },
      },
      '/api/v1/receipts/{id}/handover/seal': {
        get: { summary: "The receiving unit's detached CMS seal (DER) over the 交接登记表; 404 before it is written or when no signing key is configured", ...bearer(ADMIN_ROLES), parameters: [param('id', 'path', 'receipt id')], responses: { 200: { description: 'the seal', content: { 'application/pkcs7-signature': { schema: { type: 'string', format: 'binary' } } } }, 401: error, 403: error, 404: error } },
      },
      '/api/v1/audits': {
        post: {
          summary: 'Start a fixity audit (stage preservation)',
          ...bearer(AUDIT_ROLES),
          requestBody: { required: false, content: json({ type: 'object', properties: { store: { type: 'string' }, samplePercent: { type: 'number', exclusiveMinimum: 0, maximum: 100 }, repair: { type: 'boolean' } } }) },
          responses: { 202: { description: 'the audit, started' }, 400: error, 401: error, 403: error },
        },
        get: { summary: 'Recent audits', ...bearer(AUDIT_ROLES), responses: { 200: { description: 'audits' }, 401: error, 403: error } },
      },
      '/api/v1/audits/metrics': { get: { summary: 'Audit metrics (Prometheus text)', ...bearer(AUDIT_ROLES), responses: { 200: { description: 'text/plain exposition' }, 401: error, 403: error } } },
      '/api/v1/audits/{id}': {
        get: { summary: 'One audit and its results (JSON, or HTML with format=html)', ...bearer(AUDIT_ROLES), parameters: [param('id', 'path', 'audit id'), param('format', 'query', 'json or html')], responses: { 200: { description: 'the audit' }, 401: error, 403: error, 404: error } },
      },
      '/api/v1/events': {
        get: {
          summary: 'The event log in seq order',
          ...bearer(AUDIT_ROLES),
          parameters: [param('after', 'query', 'entries after this seq', { type: 'integer' }), param('type', 'query', 'only this type, e.g. record.archived'), param('limit', 'query', '1–1000, default 100', { type: 'integer' })],
          responses: { 200: { description: '{ items: Event[], next }' }, 401: error, 403: error },
        },
      },
      '/api/v1/events/verify': {
        get: {
          summary: 'Verifies the hash chain end to end; 409 naming the first broken entry',
          ...bearer(AUDIT_ROLES),
          responses: { 200: { description: '{ ok: true, count, lastHash }' }, 409: { description: '{ ok: false, count, firstBad: { seq, reason, message } }' }, 401: error, 403: error },
        },
      },
    },
  };
}
