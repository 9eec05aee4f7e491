// The closed vocabulary of API errors, their HTTP status, and the one JSON shape clients see.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ReceiveResult } from '../ingest/index.ts';

export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unavailable: 503,
  internal: 500,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** An error meant for the client: its code picks the status and its message is shown as is. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiError';
    this.code = code;
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string };
}

export function errorResponse(c: Context, code: ErrorCode, message: string): Response {
  const body: ErrorBody = { error: { code, message, requestId: c.get('requestId') ?? '' } };
  return c.json(body, ERROR_STATUS[code]);
}

/**
 * The answer to an upload the service did not stage (too large, an Idempotency-Key used with other
 * bytes, cut short): throws it; returns the staged submission otherwise.
 */
export function stagedOrThrow<T extends { kind: string; submission: unknown }>(c: Context, r: T | Refused): T {
  if ('submission' in r) {
    if (r.kind === 'existing') c.header('Idempotent-Replayed', 'true');
    return r;
  }
  switch (r.kind) {
    case 'too_large':
      c.header('Connection', 'close');
      throw new ApiError('payload_too_large', `信息包超过 ${r.limit} 字节上限 (package larger than the configured limit)`);
    case 'conflict':
      throw new ApiError('conflict', `Idempotency-Key 已用于另一个信息包 ${r.existingId} (the key was used with other bytes)`);
    case 'unreadable':
      throw new ApiError('bad_request', `上传中断 (the upload did not complete): ${r.message}`);
  }
}

type Refused = Exclude<ReceiveResult, { submission: unknown }>;
