// The audit runner: creates a run (what share of which stores), then works through each store's
// copies oldest-audited first with bounded parallel reads, committing every result as it goes, so a
// run killed at any point resumes where its last commit left it and never re-reads what was done.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { and, count, desc, eq, inArray, isNull, lt, notInArray, or, sql, type SQL } from 'drizzle-orm';
import { finding, type Finding } from '../checks/finding.ts';
import { itemCode } from '../checks/items.ts';
import type { TrustStore } from '../crypto/index.ts';
import type { Db } from '../db/index.ts';
import { audits, copies, type CopyStatus } from '../db/schema.ts';
import { appendEvents, type NewEvent } from '../events/index.ts';
import type { Scanner } from '../scan/index.ts';
import type { ObjectStore } from '../store/index.ts';
import { checkStoredPackages, isPackageEvidence } from './package-check.ts';
import { policyFor, readsInFull, withinHours, type AuditPolicies } from './policy.ts';
import { repairCopy } from './repair.ts';
import { createThrottle, type Throttle } from './throttle.ts';
import { verifyCopy, type CopyState } from './verify-copy.ts';

export type Audit = typeof audits.$inferSelect;

export interface StoreProgress {
  /** Copies in the store when the run began, and how many this run audits. */
  total: number;
  target: number;
  done: number;
  bytes: number;
  /** BC-2-1 listing (full runs only): done, and what it found. */
  listed?: { objects: number; bytes: number; untracked: number };
}

export interface AuditSummary {
  stores: Record<string, StoreProgress>;
  /** Whoever works on the run now, and until when the claim holds without renewal. */
  lease?: { owner: string; until: string };
  slices: { owner: string; startedAt: string; endedAt?: string; read: number; bytes: number; ended?: 'done' | 'paused' | 'stopped' }[];
  packages: { checked: number; failed: number; sealsVerified: number; sealsSkipped: number };
  scanned: number;
  infected: number;
  unrepairable: number;
  /** Findings stored as events (failures and warnings). */
  findings: number;
  warnings: number;
}

export interface AuditDeps {
  db: Db;
  /** Primary first, then the backups. */
  stores: ObjectStore[];
  policies: AuditPolicies;
  scanner?: Scanner;
  trust?: TrustStore;
  /** Who runs audits here, for the event log: 'worker:<host>:<pid>', 'cli:<host>:<pid>'. */
  actor: string;
  now?: () => Date;
  log?: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
}

export interface AuditRequest {
  /** One store by name; undefined: every store. */
  store?: string;
  /** Share of each store's copies, percent (0 < p ≤ 100). */
  samplePercent?: number;
  repair?: boolean;
  requestedBy: string;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Scheduled runs keep to the policy's hours (and pause outside them); runs asked for now do not. */
  respectHours?: boolean;
  leaseSeconds?: number;
  /** Called after each commit (progress bars, tests). */
  onProgress?: (a: { store: string; done: number; target: number; bytes: number }) => void;
}

export type RunOutcome = { status: 'done' | 'paused' | 'stopped'; audit: Audit } | { status: 'busy' | 'gone' | 'finished'; audit?: Audit };

/** An audit request that cannot be run (unknown store, bad share): its message is for people. */
export class AuditRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditRequestError';
  }
}

const PAGE = 200;
const FLUSH_EVERY = 50;
const FLUSH_MS = 1000;
const MAX_LISTING_FINDINGS = 1000;

const emptySummary = (): AuditSummary => ({
  stores: {},
  slices: [],
  packages: { checked: 0, failed: 0, sealsVerified: 0, sealsSkipped: 0 },
  scanned: 0,
  infected: 0,
  unrepairable: 0,
  findings: 0,
  warnings: 0,
});

export function summaryOf(a: Audit): AuditSummary {
  return { ...emptySummary(), ...((a.summary as AuditSummary | null) ?? {}) };
}

/** Creates a run: which stores, and how many copies of each it audits (fixed now, so a resumed run does the same). */
export async function createAudit(deps: AuditDeps, req: AuditRequest): Promise<Audit> {
  const now = (deps.now ?? (() => new Date()))();
  const pct = req.samplePercent ?? 100;
  if (!(pct > 0 && pct <= 100)) throw new AuditRequestError(`抽检比例应在 0 到 100 之间 (sample percent must be in (0, 100]): ${req.samplePercent}`);
  const names = deps.stores.map((s) => s.name);
  if (req.store !== undefined && !names.includes(req.store)) {
    throw new AuditRequestError(`没有名为「${req.store}」的存储 (no such store; configured: ${names.join(', ')})`);
  }
  const summary = emptySummary();
  for (const name of req.store ? [req.store] : names) {
    const [{ n }] = await deps.db.select({ n: count() }).from(copies).where(eq(copies.store, name));
    const total = Number(n);
    summary.stores[name] = { total, target: Math.min(total, Math.ceil((total * pct) / 100)), done: 0, bytes: 0 };
  }
  return deps.db.transaction(async (tx) => {
    const [a] = await tx
      .insert(audits)
      .values({ store: req.store ?? null, samplePercent: pct, repair: req.repair ?? false, requestedBy: req.requestedBy, summary: summary as unknown as object, startedAt: now })
      .returning();
    await appendEvents(tx, [{ type: 'audit.started', actor: req.requestedBy, subject: { type: 'audit', id: a.id }, payload: { store: req.store ?? null, samplePercent: pct, repair: a.repair, copies: Object.fromEntries(Object.entries(summary.stores).map(([k, v]) => [k, v.target])) } }], { now: () => now });
    return a;
  });
}

/** A running audit of exactly this scope, to resume instead of starting another. */
export async function findRunningAudit(db: Db, req: Omit<AuditRequest, 'requestedBy'>): Promise<Audit | undefined> {
  const [a] = await db
    .select()
    .from(audits)
    .where(and(eq(audits.status, 'running'), req.store === undefined ? isNull(audits.store) : eq(audits.store, req.store), eq(audits.samplePercent, req.samplePercent ?? 100), eq(audits.repair, req.repair ?? false)))
    .orderBy(desc(audits.startedAt))
    .limit(1);
  return a;
}

const ownerHere = () => `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

/** A lease of a process on this machine that no longer exists may be taken at once (kill -9). */
function ownerIsDead(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || !/^\d+$/.test(pid ?? '')) return false;
  if (Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

interface CopyRow {
  id: string;
  key: string;
  fileId: string | null;
  status: CopyStatus;
  size: number | null;
  sha256: string | null;
  sm3: string | null;
  lastAuditedAt: Date | null;
  path: string | null;
  record: string | null;
}

interface Outcome {
  row: CopyRow;
  result: 'ok' | 'missing' | 'corrupt' | 'error';
  status: CopyStatus;
  bytes: number;
  findings: Finding[];
  events: NewEvent[];
  repaired: boolean;
  unrepairable: boolean;
}

/** Works on a run until it is done (or paused outside its hours, or stopped); safe to call again at any time. */
export async function runAudit(deps: AuditDeps, id: string, opts: RunOptions = {}): Promise<RunOutcome> {
  const clock = deps.now ?? (() => new Date());
  const leaseMs = (opts.leaseSeconds ?? 60) * 1000;
  const owner = ownerHere();
  const db = deps.db;

  // Claim the run.
  const claimed = await db.transaction(async (tx) => {
    const [a] = await tx.select().from(audits).where(eq(audits.id, id)).for('update');
    if (!a) return { status: 'gone' as const };
    if (a.status !== 'running') return { status: 'finished' as const, audit: a };
    const s = summaryOf(a);
    if (s.lease && new Date(s.lease.until) > clock() && !ownerIsDead(s.lease.owner)) return { status: 'busy' as const, audit: a };
    s.lease = { owner, until: new Date(clock().getTime() + leaseMs).toISOString() };
    s.slices.push({ owner, startedAt: clock().toISOString(), read: 0, bytes: 0 });
    const [b] = await tx.update(audits).set({ summary: s as unknown as object }).where(eq(audits.id, id)).returning();
    return { status: 'claimed' as const, audit: b };
  });
  if (claimed.status !== 'claimed') return claimed;
  const audit = claimed.audit;
  const state = summaryOf(audit);
  const slice = state.slices[state.slices.length - 1];
  const counters = { checked: 0, ok: 0, missing: 0, corrupt: 0, repaired: 0, errors: 0 };
  const storeByName = new Map(deps.stores.map((s) => [s.name, s]));
  const primary = deps.stores[0];
  const checkedPackages = new Set<string>();
  /** Copies handed to a reader and not yet committed. */
  const handedOut = new Set<string>();
  const lost = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, lost.signal]) : lost.signal;

  // Committing: copies, counters, progress, lease and events in one transaction.
  let pending: Outcome[] = [];
  let pendingEvents: NewEvent[] = [];
  let lastFlush = Date.now();
  let flushing: Promise<void> = Promise.resolve();
  const flush = (final?: { status: 'done' | 'running'; events?: NewEvent[] }) => {
    const batch = pending;
    const evs = [...pendingEvents, ...(final?.events ?? [])];
    pending = [];
    pendingEvents = [];
    lastFlush = Date.now();
    // The progress and counters exactly as far as this batch goes, so a commit never claims more.
    const add = { ...counters };
    for (const k of Object.keys(counters) as (keyof typeof counters)[]) counters[k] = 0;
    if (final) slice.endedAt = clock().toISOString();
    const snap = JSON.parse(JSON.stringify(state)) as AuditSummary;
    flushing = flushing.then(async () => {
      const at = clock();
      // A slice that ends (done, paused, stopped) lets go, so the next tick or command resumes at once.
      if (final) delete snap.lease;
      else snap.lease = { owner, until: new Date(at.getTime() + leaseMs).toISOString() };
      const ok = await db.transaction(async (tx) => {
        const [mine] = await tx
          .update(audits)
          .set({
            checked: sql`${audits.checked} + ${add.checked}`,
            ok: sql`${audits.ok} + ${add.ok}`,
            missing: sql`${audits.missing} + ${add.missing}`,
            corrupt: sql`${audits.corrupt} + ${add.corrupt}`,
            repaired: sql`${audits.repaired} + ${add.repaired}`,
            errors: sql`${audits.errors} + ${add.errors}`,
            summary: snap as unknown as object,
            ...(final?.status === 'done' ? { status: 'done' as const, finishedAt: at } : {}),
          })
          .where(and(eq(audits.id, id), eq(audits.status, 'running'), sql`${audits.summary}->'lease'->>'owner' = ${owner}`))
          .returning({ id: audits.id });
        if (!mine) return false;
        for (const o of batch) {
          await tx.update(copies).set({ lastAuditedAt: at, lastAuditResult: o.result, status: o.status }).where(eq(copies.id, o.row.id));
        }
        if (evs.length) await appendEvents(tx, evs, { now: () => at });
        return true;
      });
      if (ok) for (const o of batch) handedOut.delete(o.row.id);
      if (!ok) {
        lost.abort(new Error('audit lease lost'));
        throw new Error(`稽核 ${id} 已被其他进程接管 (the run was taken over by another process)`);
      }
    });
    return flushing;
  };
  const maybeFlush = async () => {
    if (pending.length >= FLUSH_EVERY || Date.now() - lastFlush >= FLUSH_MS) await flush();
  };

  const record = (o: Outcome, storeName: string) => {
    const p = state.stores[storeName];
    p.done++;
    p.bytes += o.bytes;
    slice.read++;
    slice.bytes += o.bytes;
    counters.checked++;
    if (o.repaired) counters.repaired++;
    if (o.result === 'ok') counters.ok++;
    else if (o.result === 'missing') counters.missing++;
    else if (o.result === 'corrupt') counters.corrupt++;
    else counters.errors++;
    if (o.unrepairable) state.unrepairable++;
    for (const f of o.findings) pendingEvents.push(findingEvent(deps.actor, id, storeName, f, { key: o.row.key, record: o.row.record, repaired: o.repaired }));
    countFindings(state, o.findings);
    pendingEvents.push(...o.events);
    pending.push(o);
  };

  let ended: 'done' | 'paused' | 'stopped' = 'done';
  try {
    for (const [storeName, progress] of Object.entries(state.stores)) {
      const store = storeByName.get(storeName);
      if (!store) throw new Error(`存储「${storeName}」不在本进程的配置中 (store not configured here)`);
      const policy = policyFor(deps.policies, storeName);
      const isPrimary = store === primary;
      const throttle = createThrottle(policy.maxBytesPerSecond);
      const sources = deps.stores.filter((s) => s !== store);
      const remaining = progress.target - progress.done;

      if (remaining > 0) {
        if (opts.respectHours && !withinHours(policy, clock(), deps.policies.timezone)) {
          ended = 'paused';
          break;
        }
        const rows = pageCopies(db, storeName, audit.startedAt, remaining, () => signal.aborted || (!!opts.respectHours && !withinHours(policy, clock(), deps.policies.timezone)), handedOut);
        const auditOne = async (row: CopyRow): Promise<Outcome> => {
          const o = await auditCopy({ deps, auditId: id, store, isPrimary, sources, throttle, signal, repair: audit.repair, full: readsInFull(policy, id, row.key), digests: policy.digests, scanner: isPrimary && row.fileId && policy.rescan && deps.scanner?.configured ? deps.scanner : undefined }, row);
          if (o.result === 'ok' && isPrimary && isPackageEvidence(row.path) && !checkedPackages.has(row.key)) {
            checkedPackages.add(row.key);
            const pc = await checkStoredPackages({ db, store, trust: deps.trust, now: clock() }, row.key);
            state.packages.checked += pc.submissions.length;
            state.packages.sealsVerified += pc.sealsVerified;
            state.packages.sealsSkipped += pc.sealsSkipped;
            if (pc.findings.length) state.packages.failed += new Set(pc.findings.map((f) => f.target.split(':')[0])).size;
            o.findings.push(...pc.findings);
          }
          if (o.findings.some((f) => f.item === '4-2' && f.severity !== 'warn')) state.infected++;
          if (isPrimary && row.fileId && policy.rescan && deps.scanner?.configured && readsInFull(policy, id, row.key)) state.scanned++;
          return o;
        };
        const workers = Array.from({ length: policy.concurrency }, async () => {
          for (;;) {
            const next = await rows.next();
            if (next.done) return;
            const o = await auditOne(next.value);
            record(o, storeName);
            opts.onProgress?.({ store: storeName, done: progress.done, target: progress.target, bytes: progress.bytes });
            await maybeFlush();
          }
        });
        await Promise.all(workers);
        await flush();
        if (signal.aborted) {
          ended = 'stopped';
          break;
        }
        if (progress.done < progress.target) {
          // Fewer copies left than planned (some removed meanwhile), or outside the hours now.
          if (opts.respectHours && !withinHours(policy, clock(), deps.policies.timezone)) {
            ended = 'paused';
            break;
          }
          progress.target = progress.done;
        }
      }
      if (audit.samplePercent >= 100 && !progress.listed) {
        const found = await listUntracked(db, store, audit.startedAt, signal);
        if (signal.aborted) {
          ended = 'stopped';
          break;
        }
        const [{ n, bytes }] = await db.select({ n: count(), bytes: sql<string | null>`sum(${copies.size})` }).from(copies).where(eq(copies.store, storeName));
        progress.listed = { objects: found.objects, bytes: found.bytes, untracked: found.untrackedCount };
        const fs: Finding[] = found.untracked.map((u) =>
          finding('2-1', `${storeName}:${u.key}`, '存储中有目录未登记的对象 (object in the store that no record owns)', { severity: 'warn', actual: `${u.size} bytes` }),
        );
        if (found.untrackedCount > found.untracked.length) {
          fs.push(finding('2-1', storeName, `另有 ${found.untrackedCount - found.untracked.length} 个未登记对象未逐一列出 (more untracked objects not listed)`, { severity: 'warn' }));
        }
        const catalogued = Number(n);
        if (found.objects - found.untrackedCount < catalogued) {
          // Missing objects are failures of their own copies; this only states the totals.
          fs.push(finding('2-1', storeName, `存储中的对象少于目录登记 (fewer objects than catalogued)`, { severity: 'warn', expected: `${catalogued} objects, ${Number(bytes ?? 0)} bytes`, actual: `${found.objects} objects, ${found.bytes} bytes (${found.untrackedCount} untracked)` }));
        }
        for (const f of fs) pendingEvents.push(findingEvent(deps.actor, id, storeName, f, {}));
        countFindings(state, fs);
        await flush();
      }
    }
  } catch (e) {
    await flush().catch(() => {});
    if (signal.aborted) ended = 'stopped';
    else {
      deps.log?.warn({ audit: id, err: (e as Error).message }, 'audit slice failed');
      throw e;
    }
  }

  slice.ended = ended;
  if (ended === 'done') {
    const [cur] = await db.select().from(audits).where(eq(audits.id, id));
    const totals = { checked: cur.checked, ok: cur.ok, missing: cur.missing, corrupt: cur.corrupt, repaired: cur.repaired, errors: cur.errors };
    await flush({
      status: 'done',
      events: [{ type: 'audit.completed', actor: deps.actor, subject: { type: 'audit', id }, payload: { ...totals, findings: state.findings, warnings: state.warnings, unrepairable: state.unrepairable, packages: state.packages, failed: auditFailed({ ...cur, summary: state }) } }],
    });
  } else {
    await flush({ status: 'running' }).catch(() => {});
  }
  const [after] = await db.select().from(audits).where(eq(audits.id, id));
  deps.log?.info({ audit: id, status: ended, read: slice.read, bytes: slice.bytes }, 'audit slice ended');
  return { status: ended, audit: after };
}

/** Whether a run found anything that failed (what makes `dangan audit` exit 1). */
export function auditFailed(a: Pick<Audit, 'missing' | 'corrupt' | 'errors' | 'summary'>): boolean {
  const s = (a.summary ?? {}) as Partial<AuditSummary>;
  return a.missing + a.corrupt + a.errors > 0 || (s.findings ?? 0) > (s.warnings ?? 0);
}

function countFindings(state: AuditSummary, fs: Finding[]) {
  state.findings += fs.length;
  state.warnings += fs.filter((f) => f.severity === 'warn').length;
}

function findingEvent(actor: string, auditId: string, store: string, f: Finding, extra: { key?: string; record?: string | null; repaired?: boolean }): NewEvent {
  return {
    type: 'audit.finding',
    actor,
    subject: { type: 'audit', id: auditId },
    payload: {
      code: itemCode('preservation', f.item),
      item: f.item,
      status: f.severity === 'warn' ? 'warn' : 'fail',
      store,
      target: f.target,
      message: f.message,
      expected: f.expected,
      actual: f.actual,
      key: extra.key,
      record: extra.record ?? undefined,
      repaired: extra.repaired,
    },
  };
}

/**
 * Copies of a store not yet audited by this run, oldest-audited first, `limit` at most; stops when
 * `stop()` says so. A committed copy leaves the set by itself (its last_audited_at is now after the
 * run began); `pending` holds those handed out and not yet committed, so they are not handed out
 * twice. No cursor: each page is an index range scan on (store, last_audited_at) that stops early.
 */
async function* pageCopiesGen(db: Db, store: string, startedAt: Date, limit: number, stop: () => boolean, pending: Set<string>): AsyncGenerator<CopyRow> {
  let given = 0;
  while (given < limit && !stop()) {
    const where: SQL[] = [eq(copies.store, store), or(isNull(copies.lastAuditedAt), lt(copies.lastAuditedAt, startedAt))!];
    if (pending.size) where.push(notInArray(copies.id, [...pending]));
    const rows = await db
      .select({
        id: copies.id,
        key: copies.objectKey,
        fileId: copies.fileId,
        status: copies.status,
        size: copies.size,
        sha256: copies.sha256,
        sm3: copies.sm3,
        lastAuditedAt: copies.lastAuditedAt,
        path: sql<string | null>`(select so.path from submission_objects so where so.object_key = "copies"."object_key" order by (so.path like 'manifest-%' or so.path like '签名/%') desc, so.path limit 1)`,
        fileRecord: sql<string | null>`(select r.archival_code from files f join records r on r.id = f.record_id where f.id = "copies"."file_id")`,
      })
      .from(copies)
      .where(and(...where))
      .orderBy(sql`${copies.lastAuditedAt} asc nulls first`)
      .limit(Math.min(PAGE, limit - given));
    if (!rows.length) return;
    for (const r of rows) {
      if (stop()) return;
      given++;
      pending.add(r.id);
      yield { ...r, lastAuditedAt: r.lastAuditedAt ? new Date(r.lastAuditedAt) : null, record: r.fileRecord ?? recordOfMetadata(r.path) } as CopyRow;
    }
  }
}

/** A record folder is named by its 档号 (package-format.md), so its 元数据.xml names the record to flag. */
function recordOfMetadata(path: string | null): string | null {
  if (!path?.endsWith('/元数据.xml')) return null;
  const parts = path.split('/');
  return parts[parts.length - 2] ?? null;
}

/** The generator behind a lock, so parallel readers can share it. */
function pageCopies(...args: Parameters<typeof pageCopiesGen>): { next(): Promise<IteratorResult<CopyRow>> } {
  const gen = pageCopiesGen(...args);
  let chain: Promise<unknown> = Promise.resolve();
  return {
    next() {
      const p = chain.then(() => gen.next());
      chain = p.catch(() => {});
      return p;
    },
  };
}

interface CopyContext {
  deps: AuditDeps;
  auditId: string;
  store: ObjectStore;
  isPrimary: boolean;
  sources: ObjectStore[];
  throttle: Throttle;
  signal: AbortSignal;
  repair: boolean;
  full: boolean;
  digests: ('sha256' | 'sm3')[];
  scanner?: Scanner;
}

const STATE_TEXT: Record<Exclude<CopyState['state'], 'ok'>, string> = {
  missing: '对象缺失 (object missing)',
  corrupt: '对象与目录登记的摘要不符 (object differs from the catalogue)',
  error: '对象无法完整读出 (object cannot be read in full)',
};

async function auditCopy(c: CopyContext, row: CopyRow): Promise<Outcome> {
  const target = `${c.store.name}:${row.path ?? row.key}`;
  const out: Outcome = { row, result: 'ok', status: 'ok', bytes: 0, findings: [], events: [], repaired: false, unrepairable: false };
  if (row.size === null || !row.sha256 || !row.sm3) {
    out.result = 'error';
    out.status = row.status;
    out.findings.push(finding(c.isPrimary ? '1-1' : '3-4', target, '目录中没有此副本的摘要 (no catalogue digest for this copy)'));
    return out;
  }
  const want = { size: row.size, sha256: row.sha256, sm3: row.sm3 };
  const st = await verifyCopy(c.store, row.key, want, { full: c.full, digests: c.digests, throttle: c.throttle, scanner: c.scanner, signal: c.signal });
  out.bytes = 'bytes' in st ? st.bytes : 0;
  if ('scan' in st && st.scan) {
    if (st.scan.status === 'infected') out.findings.push(finding('4-2', target, `重新扫描发现病毒 (rescan found an infection): ${st.scan.signature}`));
    else if (st.scan.status === 'error') out.findings.push(finding('4-2', target, `无法完成病毒扫描 (could not rescan): ${st.scan.reason}`, { severity: 'warn' }));
  }
  if (st.state === 'ok') return out;

  out.result = st.state;
  out.status = st.state === 'error' ? row.status : st.state;
  const item = !c.isPrimary ? '3-4' : st.state === 'missing' ? '2-1' : '1-1';
  const detail =
    st.state === 'corrupt'
      ? { expected: `${st.what} ${st.expected}`, actual: `${st.what} ${st.actual}` }
      : st.state === 'error'
        ? { actual: st.message }
        : {};
  out.findings.push(finding(item, target, STATE_TEXT[st.state], detail));
  if (!c.repair || st.state === 'error') return out;

  const r = await repairCopy(c.store, c.sources, row.key, want, { throttle: c.throttle, signal: c.signal });
  const subject = row.record ? { type: 'record', id: row.record } : { type: 'object', id: row.key };
  if (r.repaired) {
    out.repaired = true;
    out.status = 'repaired';
    out.events.push({ type: 'copy.repaired', actor: c.deps.actor, subject, payload: { audit: c.auditId, store: c.store.name, key: row.key, path: row.path ?? undefined, was: st.state, from: r.from, sha256: want.sha256, sm3: want.sm3 } });
  } else {
    out.unrepairable = true;
    out.events.push({ type: 'copy.unrepairable', actor: c.deps.actor, subject, payload: { audit: c.auditId, store: c.store.name, key: row.key, path: row.path ?? undefined, was: st.state, reasons: r.reasons } });
    c.deps.log?.warn({ audit: c.auditId, store: c.store.name, key: row.key, reasons: r.reasons }, 'no good copy to repair from');
  }
  return out;
}

/** BC-2-1: what the store holds under the content keys, and what of it no copy row owns. */
async function listUntracked(db: Db, store: ObjectStore, startedAt: Date, signal: AbortSignal) {
  // Only the first few untracked objects are kept by name; the rest are counted.
  const out = { objects: 0, bytes: 0, untracked: [] as { key: string; size: number }[], untrackedCount: 0 };
  let batch: { key: string; size: number; modified?: Date }[] = [];
  const check = async () => {
    const keys = batch.map((b) => b.key);
    const known = new Set((await db.select({ key: copies.objectKey }).from(copies).where(and(eq(copies.store, store.name), inArray(copies.objectKey, keys)))).map((r) => r.key));
    for (const b of batch) {
      // Objects written after the run began may belong to an ingest not yet catalogued.
      if (known.has(b.key) || (b.modified && b.modified >= startedAt)) continue;
      out.untrackedCount++;
      if (out.untracked.length < MAX_LISTING_FINDINGS) out.untracked.push({ key: b.key, size: b.size });
    }
    batch = [];
  };
  for await (const o of store.list('sha256/')) {
    if (signal.aborted) return out;
    out.objects++;
    out.bytes += o.size;
    batch.push(o);
    if (batch.length >= 500) await check();
  }
  if (batch.length) await check();
  return out;
}
