// Receipt (接收) of a transfer package at the archive: staged, then checked at stage YJ by the ingest
// service, archived as records of this archive when accepted, and the 交接登记表 written and sealed
// by the receiving unit. A rejected package leaves nothing in the stores, only its report.
// settleReceipt() takes a staged receipt to its end from wherever it stands and may run again at any
// point (a job retried, a worker resuming after a crash): the 交接登记表 is written exactly once.
import { and, eq, isNotNull, notInArray, or, sql } from 'drizzle-orm';
import type { Report } from '../checks/report.ts';
import { createDigester, signDetachedCms } from '../crypto/index.ts';
import type { Db } from '../db/index.ts';
import { copies, events, submissionObjects, submissions } from '../db/schema.ts';
import { appendEvent } from '../events/index.ts';
import type { IngestService, Submission } from '../ingest/index.ts';
import { contentKey, type ObjectStore } from '../store/index.ts';
import { parseTransferRegister, REGISTER_FILE, writeHandoverRegister, type HandoverRegister, type PropertyResult } from './register.ts';

export interface ReceiptDeps {
  db: Db;
  ingest: IngestService;
  primary: ObjectStore;
  backups: ObjectStore[];
  /** The receiving unit's seal for the 交接登记表 (DANGAN_SIGNING_KEY/CERT). */
  signing?: { keyPem: string; certPem: string; chainPem?: string };
  now?: () => Date;
}

export interface ReceiptInput {
  body: AsyncIterable<Uint8Array>;
  packageName?: string;
  /** 'token:<id>', 'user:<name>', 'system:cli', … */
  submitter: string;
  /** The token that sent it (HTTP): it may then also read the submission. */
  tokenId?: string;
  /** The same submitter, key and bytes return the first receipt. */
  idempotencyKey?: string;
  /** 接收人 */
  receivedBy?: string;
  /** 接收单位, when the register leaves it empty. */
  receivingUnit?: string;
  signal?: AbortSignal;
}

export interface Handover {
  /** The register as written; absent when it was written by an earlier run (read `xml`). */
  register?: HandoverRegister;
  xml: Uint8Array;
  /** The receiving unit's detached CMS seal over `xml` (DER), when a key is configured. */
  seal?: Uint8Array;
  /** Content keys in every store. */
  key: string;
  sealKey?: string;
}

export type ReceiptOutcome =
  | { status: 'archived'; submission: Submission; report: Report; handover: Handover }
  | { status: 'rejected'; submission: Submission; report: Report }
  | { status: 'failed'; submission?: Submission; reason: string };

export type StagedReceipt =
  | { kind: 'staged' | 'existing'; submission: Submission }
  | { kind: 'too_large'; limit: number }
  | { kind: 'conflict'; existingId: string }
  | { kind: 'unreadable'; message: string };

/** Event types of a receipt, beside the submission's own. */
export const RECEIPT_RECEIVED = 'receipt.received';
export const RECEIPT_REGISTERED = 'receipt.registered';
export const RECEIPT_REJECTED = 'receipt.rejected';

const FINAL = ['archived', 'rejected', 'failed'] as const;

const pass = (report: Report, property: string): PropertyResult => {
  const items = report.items.filter((i) => i.property === property);
  return items.some((i) => i.status === 'fail') ? '不通过' : items.some((i) => i.status !== 'skip') ? '通过' : '未检测';
};

/**
 * Streams the package to staging and records the submission (source receipt, stage YJ, never on the
 * ingest queue: a receipt is processed by settleReceipt alone) and who receives it, for the 交接登记表.
 */
export async function stageReceipt(deps: ReceiptDeps, input: ReceiptInput): Promise<StagedReceipt> {
  const r = await deps.ingest.receive({
    body: input.body,
    source: 'receipt',
    submitter: input.submitter,
    tokenId: input.tokenId,
    idempotencyKey: input.idempotencyKey,
    packageName: input.packageName,
    stage: 'transfer',
    queue: false,
    signal: input.signal,
  });
  if (r.kind !== 'created') return r; // a replay, or not staged
  // Kept in the event log rather than in the job: whichever run writes the 交接登记表 (a retry, a
  // worker resuming after a crash) names the same 接收人. Lost only if the process dies right here.
  await appendEvent(deps.db, { type: RECEIPT_RECEIVED, actor: input.submitter, subject: { type: 'submission', id: r.submission.id }, payload: { receivedBy: input.receivedBy ?? null, receivingUnit: input.receivingUnit ?? null } }, { now: deps.now });
  return { kind: 'staged', submission: r.submission };
}

/** Receives a package here and now (the CLI): staged, checked, archived and registered in this process. */
export async function receiveTransfer(deps: ReceiptDeps, input: ReceiptInput): Promise<ReceiptOutcome> {
  const r = await stageReceipt(deps, input);
  if (r.kind === 'too_large') return { status: 'failed', reason: `信息包超过 ${r.limit} 字节 (too large)` };
  if (r.kind === 'unreadable') return { status: 'failed', reason: r.message };
  if (r.kind === 'conflict') return { status: 'failed', reason: `Idempotency-Key 已用于另一个信息包 ${r.existingId} (the key was used with other bytes)` };
  return settleReceipt(deps, r.submission.id);
}

async function load(db: Db, id: string): Promise<Submission | undefined> {
  const [s] = await db.select().from(submissions).where(eq(submissions.id, id));
  return s;
}

/** The staged package goes (a rejected or failed receipt keeps nothing but its report). */
async function dropStaged(deps: ReceiptDeps, sub: Submission): Promise<void> {
  if (!sub.stagingKey) return;
  await deps.primary.delete(sub.stagingKey);
  await deps.db.update(submissions).set({ stagingKey: null }).where(eq(submissions.id, sub.id));
}

/** Runs `f` in a transaction holding this receipt's lock: two runs of one receipt never interleave their registration. */
function locked<T>(db: Db, id: string, f: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`dangan:receipt:${id}`}))`);
    return f(tx as unknown as Db);
  });
}

async function eventOf(db: Db, id: string, type: string) {
  const [e] = await db
    .select()
    .from(events)
    .where(and(eq(events.type, type), eq(events.subjectType, 'submission'), eq(events.subjectId, id)))
    .limit(1);
  return e;
}

/**
 * Takes a staged receipt to its end: checked and archived by the ingest service (unless already
 * final), then the 交接登记表 written when archived, or the staged package dropped when rejected or
 * failed. Idempotent. With `retry`, a failure that may pass throws (the job retries) instead of
 * ending the submission as failed.
 */
export async function settleReceipt(deps: ReceiptDeps, id: string, opts: { signal?: AbortSignal; retry?: boolean } = {}): Promise<ReceiptOutcome> {
  let sub = await load(deps.db, id);
  if (!sub) return { status: 'failed', reason: 'gone' };
  if (sub.source !== 'receipt') return { status: 'failed', submission: sub, reason: `提交 ${id} 不是移交接收 (not a receipt)` };
  if (!(FINAL as readonly string[]).includes(sub.status)) {
    const out = await deps.ingest.process(id, opts);
    if (out.status === 'gone') return { status: 'failed', reason: 'gone' };
    sub = out.submission;
  }
  if (sub.status === 'failed') {
    await dropStaged(deps, sub);
    return { status: 'failed', submission: sub, reason: sub.failureReason ?? 'failed' };
  }
  const report = sub.report as Report;
  if (sub.status === 'rejected') {
    await dropStaged(deps, sub);
    const s = sub;
    await locked(deps.db, id, async (tx) => {
      if (await eventOf(tx, id, RECEIPT_REJECTED)) return;
      await appendEvent(tx, { type: RECEIPT_REJECTED, actor: s.submitter, subject: { type: 'submission', id }, payload: { failed: [...new Set(report.items.filter((i) => i.status === 'fail').map((i) => i.code))] } }, { now: deps.now });
    });
    return { status: 'rejected', submission: sub, report };
  }
  const made = await registerHandover(deps, sub, report);
  if ('problem' in made) return { status: 'failed', submission: sub, reason: made.problem };
  return { status: 'archived', submission: sub, report, handover: made };
}

/**
 * The 交接登记表 of an archived receipt: the one written earlier, or written now. The objects are
 * written outside any transaction (a slow store must not hold the database); the event is appended
 * once, under the receipt's lock, after looking for it again. Its content depends on the submission
 * alone (接收时间 is the archiving time), so a run after a crash writes the same register, at the same
 * content keys; only a randomised seal (SM2, ECDSA) of a run that lost a race is left unowned.
 */
async function registerHandover(deps: ReceiptDeps, sub: Submission, report: Report): Promise<Handover | { problem: string }> {
  const id = sub.id;
  const stores = [deps.primary, ...deps.backups];
  const earlier = async (db: Db): Promise<Handover | undefined> => {
    const done = await eventOf(db, id, RECEIPT_REGISTERED);
    if (!done) return undefined;
    const p = done.payload as { handover: string; seal: string | null };
    const xml = await readObject(stores, p.handover);
    const seal = p.seal ? await readObject(stores, p.seal) : undefined;
    return { xml, seal, key: p.handover, sealKey: p.seal ?? undefined };
  };
  const found = await earlier(deps.db);
  if (found) return found;

  // The register as received, among the archived objects
  const [obj] = await deps.db.select().from(submissionObjects).where(and(eq(submissionObjects.submissionId, id), eq(submissionObjects.path, REGISTER_FILE)));
  if (!obj) return { problem: '已归档的移交信息包中找不到移交登记表 (no register among the archived objects)' };
  const parsed = parseTransferRegister(await readObject(stores, obj.objectKey));
  if (!parsed.ok) return { problem: parsed.problem };
  const asked = (await eventOf(deps.db, id, RECEIPT_RECEIVED))?.payload as { receivedBy?: string | null; receivingUnit?: string | null } | undefined;
  const now = deps.now ?? (() => new Date());
  const at = sub.archivedAt ?? now();
  const register: HandoverRegister = {
    ...parsed.register,
    receivingUnit: parsed.register.receivingUnit || asked?.receivingUnit || '',
    packageDigests: [
      { object: sub.packageName ?? `${id}.zip`, algorithm: 'SM3', value: sub.packageSm3 ?? '' },
      { object: sub.packageName ?? `${id}.zip`, algorithm: 'SHA256', value: sub.packageSha256 ?? '' },
    ],
    receivedResults: { authenticity: pass(report, 'authenticity'), integrity: pass(report, 'integrity'), usability: pass(report, 'usability'), security: pass(report, 'security') },
    outcome: '接收',
    receivedBy: asked?.receivedBy || sub.submitter,
    receivedAt: at.toISOString(),
  };
  const xml = Buffer.from(writeHandoverRegister(register), 'utf8');
  const seal = deps.signing ? Buffer.from(signDetachedCms(xml, deps.signing.keyPem, deps.signing.certPem, { chain: deps.signing.chainPem, signingTime: at })) : undefined;
  const keep = async (bytes: Buffer) => {
    const d = createDigester();
    d.update(bytes);
    const dg = d.digest();
    for (const s of stores) {
      const p = await s.put([bytes], { expectedSha256: dg.sha256, expectedSize: dg.size });
      if (p.sha256 !== dg.sha256 || p.sm3 !== dg.sm3) throw new Error(`存储「${s.name}」写入交接登记表不符 (copy differs)`);
    }
    return { key: contentKey(dg.sha256), dg };
  };
  const x = await keep(xml);
  const sl = seal ? await keep(seal) : undefined;
  return locked(deps.db, id, async (tx) => {
    const raced = await earlier(tx);
    if (raced) return raced;
    const verifiedAt = now();
    const rows = [x, ...(sl ? [sl] : [])].flatMap(({ key, dg }) => stores.map((s) => ({ fileId: null, objectKey: key, store: s.name, size: dg.size, sha256: dg.sha256, sm3: dg.sm3, verifiedAt })));
    await tx.insert(copies).values(rows).onConflictDoNothing();
    await appendEvent(
      tx,
      { type: RECEIPT_REGISTERED, actor: sub.submitter, subject: { type: 'submission', id }, payload: { handover: x.key, seal: sl?.key ?? null, records: parsed.register.archivalCodes.length, transferringUnit: register.transferringUnit, receivingUnit: register.receivingUnit } },
      { now },
    );
    return { register, xml, seal, key: x.key, sealKey: sl?.key };
  });
}

/** An object's bytes from the first store that gives them. */
async function readObject(stores: ObjectStore[], key: string): Promise<Buffer> {
  let last: unknown;
  for (const s of stores) {
    try {
      const chunks: Buffer[] = [];
      for await (const c of await s.get(key)) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    } catch (e) {
      last = e;
    }
  }
  throw last instanceof Error ? last : new Error(`读取 ${key} 失败 (could not read)`);
}

/**
 * What a client polling a receipt sees. `registered`: archived and its 交接登记表 written. `settled`:
 * nothing more will happen — registered, or rejected or failed with the staged package removed.
 */
export interface ReceiptView {
  submission: Submission;
  status: Submission['status'] | 'registered';
  settled: boolean;
  receivedBy: string | null;
  handover: { key: string; sealKey: string | null; at: Date } | null;
}

export async function getReceipt(db: Db, id: string): Promise<ReceiptView | undefined> {
  const sub = await load(db, id);
  if (!sub || sub.source !== 'receipt') return undefined;
  const asked = (await eventOf(db, id, RECEIPT_RECEIVED))?.payload as { receivedBy?: string | null } | undefined;
  const done = sub.status === 'archived' ? await eventOf(db, id, RECEIPT_REGISTERED) : undefined;
  const p = done?.payload as { handover: string; seal: string | null } | undefined;
  const settled = done ? true : sub.status === 'rejected' ? (await eventOf(db, id, RECEIPT_REJECTED)) !== undefined : sub.status === 'failed' && sub.stagingKey === null;
  return {
    submission: sub,
    status: done ? 'registered' : sub.status,
    settled,
    receivedBy: asked?.receivedBy ?? null,
    handover: done && p ? { key: p.handover, sealKey: p.seal, at: done.at } : null,
  };
}

/** The bytes of a receipt's 交接登记表 (`seal`: its CMS seal); undefined until written (or unsealed). */
export async function openHandover(deps: Pick<ReceiptDeps, 'db' | 'primary' | 'backups'>, id: string, part: 'xml' | 'seal' = 'xml'): Promise<Buffer | undefined> {
  const done = await eventOf(deps.db, id, RECEIPT_REGISTERED);
  const p = done?.payload as { handover: string; seal: string | null } | undefined;
  const key = part === 'xml' ? p?.handover : p?.seal;
  return key ? readObject([deps.primary, ...deps.backups], key) : undefined;
}

/**
 * Receipts not at their end: not yet final (to be queued again), archived without their 交接登记表,
 * or rejected or failed with the package still staged or (rejected) without its event.
 */
export async function unsettledReceipts(db: Db): Promise<{ id: string; status: Submission['status'] }[]> {
  const has = (type: string) => sql`exists (select 1 from ${events} where ${events.type} = ${type} and ${events.subjectType} = 'submission' and ${events.subjectId} = ${submissions.id}::text)`;
  return db
    .select({ id: submissions.id, status: submissions.status })
    .from(submissions)
    .where(
      and(
        eq(submissions.source, 'receipt'),
        or(
          notInArray(submissions.status, [...FINAL]),
          and(eq(submissions.status, 'archived'), sql`not ${has(RECEIPT_REGISTERED)}`),
          and(eq(submissions.status, 'rejected'), or(isNotNull(submissions.stagingKey), sql`not ${has(RECEIPT_REJECTED)}`)),
          and(eq(submissions.status, 'failed'), isNotNull(submissions.stagingKey)),
        ),
      ),
    );
}
