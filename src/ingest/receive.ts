// Receiving a package: stream it into the primary store under staging/<id>, hashed once as it
// arrives and cut off past the size limit; then the submission row (idempotent) and its event.
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { CHECK_STAGES, submissions, type SubmissionSource } from '../db/schema.ts';
import { appendEvent } from '../events/index.ts';
import { isStoreError, type ObjectStore } from '../store/index.ts';

export type Submission = typeof submissions.$inferSelect;

export interface ReceiveInput {
  body: AsyncIterable<Uint8Array>;
  source: SubmissionSource;
  /** `token:<id>`, `user:<name>` or `system`. */
  submitter: string;
  tokenId?: string;
  /** The fonds named by the submitter (X-Dangan-Fonds, or the token's only fonds). */
  fonds?: string;
  idempotencyKey?: string;
  packageName?: string;
  callbackUrl?: string | null;
  /** Largest package accepted, bytes. */
  maxBytes: number;
  /** The stage the package is checked at: `archiving` (default), or `transfer` for a transfer package received (接收). */
  stage?: (typeof CHECK_STAGES)[number];
  signal?: AbortSignal;
}

export type ReceiveResult =
  | { kind: 'created'; submission: Submission }
  /** The same submitter, Idempotency-Key and bytes: the first submission. */
  | { kind: 'existing'; submission: Submission }
  | { kind: 'too_large'; limit: number }
  /** The Idempotency-Key was used before with other bytes. */
  | { kind: 'conflict'; existingId: string }
  /** The body could not be read (client went away) or the store refused it. */
  | { kind: 'unreadable'; message: string };

export const stagingKey = (id: string) => `staging/${id}`;

class TooLarge extends Error {}

async function* limited(body: AsyncIterable<Uint8Array>, max: number, seen: { bytes: number }): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    seen.bytes += chunk.byteLength;
    if (seen.bytes > max) throw new TooLarge(`over ${max} bytes`);
    yield chunk;
  }
}

export async function receivePackage(deps: { db: Db; primary: ObjectStore; onBytes?: (n: number) => void }, input: ReceiveInput): Promise<ReceiveResult> {
  const id = randomUUID();
  const key = stagingKey(id);
  const seen = { bytes: 0 };
  let put;
  try {
    put = await deps.primary.put(limited(input.body, input.maxBytes, seen), { key, signal: input.signal });
  } catch (e) {
    // put leaves nothing behind on failure; make sure of it for the staging key as well
    await deps.primary.delete(key).catch(() => {});
    if (e instanceof TooLarge || (e as Error).cause instanceof TooLarge || seen.bytes > input.maxBytes) return { kind: 'too_large', limit: input.maxBytes };
    if (isStoreError(e, 'source')) return { kind: 'unreadable', message: (e as Error).message };
    throw e;
  }
  deps.onBytes?.(put.size);

  if (input.idempotencyKey) {
    const earlier = await deps.db
      .select()
      .from(submissions)
      .where(and(eq(submissions.submitter, input.submitter), eq(submissions.idempotencyKey, input.idempotencyKey)));
    const same = earlier.find((s) => s.packageSha256 === put.sha256);
    if (same || earlier.length > 0) {
      await deps.primary.delete(key).catch(() => {});
      return same ? { kind: 'existing', submission: same } : { kind: 'conflict', existingId: earlier[0].id };
    }
  }

  try {
    const submission = await deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(submissions)
        .values({
          id,
          status: 'received',
          source: input.source,
          submitter: input.submitter,
          tokenId: input.tokenId ?? null,
          fonds: input.fonds ?? null,
          idempotencyKey: input.idempotencyKey ?? null,
          stagingKey: key,
          packageName: input.packageName ?? null,
          packageSize: put.size,
          packageSha256: put.sha256,
          packageSm3: put.sm3,
          callbackUrl: input.callbackUrl ?? null,
          stage: input.stage ?? 'archiving',
        })
        .returning();
      await appendEvent(tx, {
        type: 'submission.received',
        actor: input.submitter,
        subject: { type: 'submission', id },
        payload: { source: input.source, name: input.packageName ?? null, size: put.size, sha256: put.sha256, sm3: put.sm3, fonds: input.fonds ?? null },
      });
      return row;
    });
    return { kind: 'created', submission };
  } catch (e) {
    await deps.primary.delete(key).catch(() => {});
    // Two requests with the same key and bytes at once: the unique index let one through.
    if (input.idempotencyKey && /submissions_idempotency_idx|duplicate key/.test(String((e as Error).message) + String((e as { cause?: Error }).cause?.message))) {
      const [first] = await deps.db
        .select()
        .from(submissions)
        .where(and(eq(submissions.submitter, input.submitter), eq(submissions.idempotencyKey, input.idempotencyKey), eq(submissions.packageSha256, put.sha256)));
      if (first) return { kind: 'existing', submission: first };
    }
    throw e;
  }
}
