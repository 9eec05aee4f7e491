// Staged packages that nothing points at: a process that died after an upload reached staging/<id>
// but before the submission's row was written leaves the object behind, and no submission will
// ever remove it. These are found by listing staging/ in the primary store and removed once older
// than a grace period, each one logged.
import { inArray } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { submissions, UUID } from '../db/schema.ts';
import type { ObjectInfo, ObjectStore } from '../store/index.ts';

export const STAGING_PREFIX = 'staging/';

/**
 * Default grace: far longer than the instant between an upload's last byte and its row's commit, and
 * than an upload (S3 dates a multipart object from its start). DANGAN_STAGING_GRACE_SECONDS sets it.
 */
export const DEFAULT_ORPHAN_GRACE_HOURS = 24;

export interface OrphanSweepDeps {
  db: Db;
  primary: ObjectStore;
  log?: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
}

export interface RemovedOrphan {
  key: string;
  size: number;
  modified: string;
}

const BATCH = 500;

/**
 * Removes staging objects last written before `now - graceHours` that no submission row names as its
 * staging key. The row is written right after the object is complete (receive.ts), so an object
 * older than the grace with no row is one whose row will never come. Objects without a modification
 * time are kept (their age is unknown). Returns what was removed.
 */
export async function sweepOrphanStaging(deps: OrphanSweepDeps, opts: { now?: Date; graceHours?: number } = {}): Promise<RemovedOrphan[]> {
  const cutoff = (opts.now ?? new Date()).getTime() - (opts.graceHours ?? DEFAULT_ORPHAN_GRACE_HOURS) * 3600_000;
  const removed: RemovedOrphan[] = [];
  let batch: ObjectInfo[] = [];
  const settle = async () => {
    const keys = batch.map((o) => o.key);
    const named = new Set(
      (await deps.db.select({ key: submissions.stagingKey }).from(submissions).where(inArray(submissions.stagingKey, keys))).map((r) => r.key),
    );
    for (const o of batch) {
      if (named.has(o.key)) continue;
      await deps.primary.delete(o.key);
      const r = { key: o.key, size: o.size, modified: o.modified!.toISOString() };
      removed.push(r);
      deps.log?.warn({ store: deps.primary.name, ...r }, '已删除无提交记录的暂存对象 (removed a staged object no submission refers to)');
    }
    batch = [];
  };
  for await (const o of deps.primary.list(STAGING_PREFIX)) {
    if (!o.modified || o.modified.getTime() >= cutoff) continue;
    batch.push(o);
    if (batch.length >= BATCH) await settle();
  }
  if (batch.length) await settle();
  return removed;
}

export interface LeftoverSweepDeps {
  db: Db;
  /** The primary store and every backup store. */
  stores: ObjectStore[];
  log?: OrphanSweepDeps['log'];
}

/**
 * What crashes leave in every store besides staged packages: copies under pending/<submission>/
 * whose submission is final (or unknown) — an attempt killed when no other came after it, or a
 * store that was down when its attempt cleaned up — and temporary objects of puts killed mid-write.
 * Both only once older than the grace (a live attempt writes under pending/ while it runs). Returns
 * how many objects were removed.
 */
export async function sweepLeftovers(deps: LeftoverSweepDeps, opts: { now?: Date; graceHours?: number } = {}): Promise<number> {
  const cutoff = new Date((opts.now ?? new Date()).getTime() - (opts.graceHours ?? DEFAULT_ORPHAN_GRACE_HOURS) * 3600_000);
  let removed = 0;
  for (const store of deps.stores) {
    const temporary = await store.removeStaleTemporary(cutoff);
    if (temporary) deps.log?.warn({ store: store.name, objects: temporary }, '已删除中断写入留下的临时对象 (removed temporary objects of interrupted writes)');
    removed += temporary;

    const old = new Map<string, ObjectInfo[]>();
    for await (const o of store.list(PENDING_PREFIX)) {
      if (!o.modified || o.modified >= cutoff) continue;
      const id = o.key.split('/')[1];
      const list = old.get(id);
      if (list) list.push(o);
      else old.set(id, [o]);
    }
    if (old.size === 0) continue;
    const ids = [...old.keys()];
    const open = new Set<string>();
    for (let i = 0; i < ids.length; i += BATCH) {
      const rows = await deps.db
        .select({ id: submissions.id, status: submissions.status })
        .from(submissions)
        .where(inArray(submissions.id, ids.slice(i, i + BATCH).filter((id) => UUID.test(id))));
      for (const r of rows) if (!['archived', 'rejected', 'failed'].includes(r.status)) open.add(r.id);
    }
    for (const [id, objects] of old) {
      if (open.has(id)) continue;
      for (const o of objects) await store.delete(o.key);
      removed += objects.length;
      deps.log?.warn({ store: store.name, submission: id, objects: objects.length }, '已删除已结束提交的待定副本 (removed pending copies of a finished submission)');
    }
  }
  return removed;
}

const PENDING_PREFIX = 'pending/';
