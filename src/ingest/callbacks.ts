// Callbacks: a POST of the verdict to the URL registered with the token, signed with HMAC-SHA256
// (X-Dangan-Signature: sha256=<hex> over the exact body), retried by the queue until a 2xx answer.
import { createHmac } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { submissions, tokens } from '../db/schema.ts';

export const SIGNATURE_HEADER = 'X-Dangan-Signature';

export function signCallback(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export interface CallbackBody {
  event: 'submission.verdict';
  id: string;
  status: string;
  verdict: string | null;
  failureReason: string | null;
  package: { name: string | null; size: number | null; sha256: string | null; sm3: string | null };
  links: { self: string; report: string };
  at: string;
}

export type CallbackOutcome = 'delivered' | 'no-callback' | 'pending';

/** Sends the callback once; throws (so the queue retries) unless the receiver answered 2xx. */
export async function deliverCallback(
  deps: { db: Db; fetch?: typeof fetch; now?: () => Date; timeoutMs?: number },
  submissionId: string,
): Promise<CallbackOutcome> {
  const [row] = await deps.db
    .select({ s: submissions, secret: tokens.callbackSecret })
    .from(submissions)
    .leftJoin(tokens, eq(tokens.id, submissions.tokenId))
    .where(eq(submissions.id, submissionId));
  if (!row || !row.s.callbackUrl) return 'no-callback';
  const s = row.s;
  const url: string = s.callbackUrl ?? '';
  if (s.callbackDeliveredAt) return 'delivered';
  if (s.status !== 'archived' && s.status !== 'rejected' && s.status !== 'failed') return 'pending';
  const now = (deps.now ?? (() => new Date()))();
  const body: CallbackBody = {
    event: 'submission.verdict',
    id: s.id,
    status: s.status,
    verdict: s.verdict,
    failureReason: s.failureReason,
    package: { name: s.packageName, size: s.packageSize, sha256: s.packageSha256, sm3: s.packageSm3 },
    links: { self: `/api/v1/submissions/${s.id}`, report: `/api/v1/submissions/${s.id}/report` },
    at: now.toISOString(),
  };
  const text = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'dangan-callback' };
  if (row.secret) headers[SIGNATURE_HEADER] = signCallback(row.secret, text);
  const res = await (deps.fetch ?? fetch)(url, { method: 'POST', headers, body: text, signal: AbortSignal.timeout(deps.timeoutMs ?? 15_000) });
  await res.body?.cancel().catch(() => {});
  if (res.status < 200 || res.status > 299) throw new Error(`回调 ${url} 返回 ${res.status} (callback not acknowledged)`);
  await deps.db.update(submissions).set({ callbackDeliveredAt: now }).where(eq(submissions.id, submissionId));
  return 'delivered';
}
