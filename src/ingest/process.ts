// The ingest job for one submission: stage → check → store with verified copies → catalogue.
// Safe to run again at any point: it looks at the submission's status first.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { and, eq, notInArray } from 'drizzle-orm';
import { checkPackage } from '../checks/engine.ts';
import type { Report } from '../checks/report.ts';
import type { Profile } from '../config/profile.ts';
import type { TrustStore } from '../crypto/index.ts';
import type { Db } from '../db/index.ts';
import { submissions, tokens } from '../db/schema.ts';
import { appendEvent } from '../events/index.ts';
import type { Scanner } from '../scan/index.ts';
import type { ObjectStore } from '../store/index.ts';
import { CatalogueConflict, cataloguePackage } from './catalogue.ts';
import { folderNamesOf, heldCatalogueFor } from './held.ts';
import { observe, type IngestMetrics } from './metrics.ts';
import type { Submission } from './receive.ts';
import { discardPending, packageCopies, storePackage, type PackageCopies } from './package-copies.ts';
import { StoreCopyError, type StoredPackage } from './store-package.ts';

export interface ProcessDeps {
  db: Db;
  primary: ObjectStore;
  backups: ObjectStore[];
  scanner: Scanner;
  profile: Profile;
  trust?: TrustStore;
  /** Scratch folder for the package being checked (DANGAN_DATA/tmp). */
  tmpDir: string;
  tool: { name: string; version: string };
  metrics: IngestMetrics;
  /** Who does the work, for the event log: 'worker:<host>:<pid>'. */
  actor: string;
  now?: () => Date;
  log?: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
  /** Tests only: called after every copy is stored and verified, before cataloguing. */
  beforeCatalogue?: (submissionId: string) => Promise<void>;
}

export type ProcessOutcome = { status: 'archived' | 'rejected' | 'failed'; submission: Submission } | { status: 'gone' };

const FINAL = new Set(['archived', 'rejected', 'failed']);

/**
 * The row of a submission not yet final. Every status write of an attempt is conditional on it: a
 * worker that lost its job while it ran (stalled past its heartbeat, the job handed to another
 * worker that finished it) must not turn a verdict reached meanwhile back into `accepted` or
 * `received`, nor log a second verdict.
 */
const stillOpen = (id: string) => and(eq(submissions.id, id), notInArray(submissions.status, ['archived', 'rejected', 'failed']));

/** Another worker reached the verdict while this attempt ran: its outcome, with nothing more written. */
async function finishedElsewhere(db: Db, id: string): Promise<ProcessOutcome> {
  const sub = await load(db, id);
  if (!sub) return { status: 'gone' };
  return { status: sub.status as 'archived' | 'rejected' | 'failed', submission: sub };
}

async function load(db: Db, id: string): Promise<Submission | undefined> {
  const [s] = await db.select().from(submissions).where(eq(submissions.id, id));
  return s;
}

/** Runs (or resumes) a submission to its verdict; throws when it should be retried. */
export async function processSubmission(deps: ProcessDeps, id: string, signal?: AbortSignal): Promise<ProcessOutcome> {
  const now = deps.now ?? (() => new Date());
  let sub = await load(deps.db, id);
  if (!sub) return { status: 'gone' };
  if (FINAL.has(sub.status)) return { status: sub.status as 'archived' | 'rejected' | 'failed', submission: sub };
  if (!sub.stagingKey) throw new Error(`submission ${id} has no staged package`);

  const begun = await deps.db.update(submissions).set({ attempts: sub.attempts + 1, updatedAt: now() }).where(stillOpen(id)).returning({ id: submissions.id });
  if (!begun.length) return finishedElsewhere(deps.db, id);
  await mkdir(deps.tmpDir, { recursive: true });
  const tmp = join(deps.tmpDir, `${id}-${randomBytes(4).toString('hex')}.zip`);
  /** The package the check reads: the staged file itself, or its copy at tmp. */
  let pkg = tmp;
  const timings: Record<string, number> = {};
  const stores = [deps.primary, ...deps.backups];
  /** The copies the check's read makes (a fresh check); undefined when resuming an accepted submission. */
  let copies: PackageCopies | undefined;
  let promoted = false;
  const leftovers = async () => {
    for (const f of await discardPending(stores, id)) deps.log?.warn({ err: f.error, submission: id, store: f.store }, 'could not remove the pending copies of an earlier attempt');
  };
  let mark = performance.now();
  const lap = (name: string) => {
    const t = performance.now();
    timings[name] = Math.round(t - mark);
    mark = t;
  };
  try {
    // The reader needs random access. A file store's staged package is read where it is (its bytes
    // were hashed on arrival, and every file in it is hashed again by the check against the
    // package's own digests); another store's is copied here, its SHA-256 proven on the way (SM3 was
    // computed on arrival; one SM3 pass fewer matters for large packages).
    let size = 0;
    const inPlace = await deps.primary.localFile?.(sub.stagingKey);
    if (inPlace) {
      size = (await stat(inPlace)).size;
      pkg = inPlace;
    } else {
      const sha = createHash('sha256');
      await pipeline(
        await deps.primary.get(sub.stagingKey),
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            sha.update(chunk);
            size += chunk.byteLength;
            yield chunk;
          }
        },
        createWriteStream(tmp),
        { signal },
      );
      if (sha.digest('hex') !== sub.packageSha256) size = -1;
    }
    if (size !== sub.packageSize || !sub.packageSha256) {
      throw new Error(`暂存的信息包与接收时的摘要不符 (the staged package no longer matches its digest): ${sub.stagingKey}`);
    }
    const d = { sha256: sub.packageSha256 ?? '', sm3: sub.packageSm3 ?? '', size };
    lap('copyMs');

    let report = sub.report as Report | null;
    if (sub.status !== 'accepted' || !report) {
      await deps.db.update(submissions).set({ status: 'checking', updatedAt: now() }).where(stillOpen(id));
      let submitterFonds: string[] | undefined;
      if (sub.tokenId) {
        const [t] = await deps.db.select({ fonds: tokens.fonds }).from(tokens).where(eq(tokens.id, sub.tokenId));
        submitterFonds = sub.fonds ? [sub.fonds] : t?.fonds;
      }
      const held = await heldCatalogueFor(deps.db, await folderNamesOf(pkg), submitterFonds ?? (sub.fonds ? [sub.fonds] : []));
      lap('heldMs');
      // Copies an attempt cut short left (kill -9 mid-check) go; this attempt makes its own.
      await leftovers();
      copies = packageCopies(stores, id, { signal });
      const started = performance.now();
      report = await checkPackage(pkg, {
        sink: copies.sink,
        stage: sub.stage,
        profile: deps.profile,
        scanner: deps.scanner,
        trust: deps.trust,
        now,
        held,
        databaseReachable: true,
        submitterFonds,
        packageDigests: d,
        packageName: sub.packageName ?? `${id}.zip`,
        tool: deps.tool,
      });
      observe(deps.metrics.checkSeconds, (performance.now() - started) / 1000);
      lap('checkMs');
      const verdict = report.verdict;
      // A rejected package's copies go before the verdict is visible: once it reads `rejected`,
      // nothing of the package is in the stores but the staged package (kept for its retention).
      if (verdict === 'rejected') await copies.discard().catch((e: unknown) => deps.log?.warn({ err: e, submission: id }, 'could not remove the pending copies'));
      const at = now();
      const checked = report;
      const recorded = await deps.db.transaction(async (tx) => {
        const updated = await tx
          .update(submissions)
          .set({ status: verdict, verdict, report: checked as unknown as object, checkedAt: at, updatedAt: at, failureReason: null, profile: report!.profile ?? null })
          .where(stillOpen(id))
          .returning({ id: submissions.id });
        if (!updated.length) return false;
        await appendEvent(
          tx,
          {
            type: `submission.${verdict}`,
            actor: deps.actor,
            subject: { type: 'submission', id },
            payload: { verdict, records: checked.package.records, files: checked.package.files, bytes: checked.package.bytes, summary: checked.summary, failed: checked.items.filter((i) => i.status === 'fail').map((i) => i.code) },
          },
          { now: () => at },
        );
        return true;
      });
      if (!recorded) {
        deps.log?.warn({ submission: id }, 'another worker reached the verdict during this attempt; its result stands');
        return finishedElsewhere(deps.db, id);
      }
      if (verdict === 'rejected') {
        sub = (await load(deps.db, id))!;
        deps.log?.info({ submission: id, verdict, ...timings }, 'submission rejected');
        return { status: 'rejected', submission: sub };
      }
    }

    // Accepted: every file in every store, each copy proven, before anything is catalogued. A fresh
    // check wrote the copies while it read the package: they move to their content keys. A resumed
    // submission (accepted by an earlier attempt) stores the package in a pass of its own.
    const started = performance.now();
    let stored: StoredPackage;
    const onStored = (n: number) => (deps.metrics.bytesStored += n);
    try {
      if (copies) {
        stored = await copies.promote(onStored);
        promoted = true;
      } else {
        await leftovers();
        stored = await storePackage(pkg, stores, id, { limits: deps.profile.limits, signal, onStored });
      }
    } catch (e) {
      if (e instanceof StoreCopyError) deps.metrics.backupFailures.set(e.store, (deps.metrics.backupFailures.get(e.store) ?? 0) + 1);
      throw e;
    }
    observe(deps.metrics.storeSeconds, (performance.now() - started) / 1000);
    lap('storeMs');
    const at = now();
    for (const s of stores) {
      await appendEvent(
        deps.db,
        {
          type: s === deps.primary ? 'submission.stored' : 'backup.verified',
          actor: deps.actor,
          subject: { type: 'submission', id },
          payload: { store: s.name, location: s.location, objects: stored.objects.length, bytes: stored.bytes },
        },
        { now: () => at },
      );
    }
    await deps.beforeCatalogue?.(id);
    try {
      await cataloguePackage(deps.db, { submissionId: id, stored, storeNames: stores.map((s) => s.name), actor: deps.actor, now: now() });
    } catch (e) {
      if (e instanceof CatalogueConflict && !e.permanent) {
        // The held catalogue changed since the check: check again on the next attempt.
        await deps.db.update(submissions).set({ status: 'received', report: null, verdict: null, updatedAt: now() }).where(stillOpen(id));
      }
      throw e;
    }
    lap('catalogueMs');
    await deps.primary.delete(sub.stagingKey).catch((e: unknown) => deps.log?.warn({ err: e, submission: id }, 'could not remove the staged package'));
    sub = (await load(deps.db, id))!;
    deps.log?.info({ submission: id, records: stored.records.length, bytes: stored.bytes, ...timings }, 'submission archived');
    return { status: 'archived', submission: sub };
  } finally {
    // Rejected, failed, or another worker's verdict: this attempt's copies go (after a promotion
    // nothing is left under pending/).
    if (copies && !promoted) await copies.discard().catch((e: unknown) => deps.log?.warn({ err: e, submission: id }, 'could not remove the pending copies'));
    await rm(tmp, { force: true });
  }
}

/** Records why an attempt failed; with `final`, the submission is `failed` (no more retries). */
export async function recordFailure(deps: Pick<ProcessDeps, 'db' | 'actor' | 'now'>, id: string, err: unknown, final: boolean): Promise<void> {
  const now = (deps.now ?? (() => new Date()))();
  const reason = (err instanceof Error ? err.message : String(err)).slice(0, 2000);
  const [sub] = await deps.db.select({ status: submissions.status }).from(submissions).where(eq(submissions.id, id));
  if (!sub || FINAL.has(sub.status)) return;
  if (!final) {
    await deps.db.update(submissions).set({ failureReason: reason, updatedAt: now }).where(stillOpen(id));
    return;
  }
  await deps.db.transaction(async (tx) => {
    const updated = await tx.update(submissions).set({ status: 'failed', failureReason: reason, updatedAt: now }).where(stillOpen(id)).returning({ id: submissions.id });
    if (!updated.length) return;
    await appendEvent(tx, { type: 'submission.failed', actor: deps.actor, subject: { type: 'submission', id }, payload: { reason } }, { now: () => now });
  });
}

export function isPermanent(err: unknown): boolean {
  return err instanceof CatalogueConflict && err.permanent;
}
