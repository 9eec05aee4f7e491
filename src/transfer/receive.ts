// Receipt (接收) of a transfer package at the archive: staged and checked at stage YJ by the ingest
// service, archived as records of this archive when accepted, and the 交接登记表 written and
// sealed by the receiving unit. A rejected package leaves nothing in the stores, only its report.
import { and, eq } from 'drizzle-orm';
import type { Report } from '../checks/report.ts';
import { createDigester, signDetachedCms } from '../crypto/index.ts';
import type { Db } from '../db/index.ts';
import { copies, submissionObjects, submissions } from '../db/schema.ts';
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
  /** 'user:<name>', 'system', … */
  submitter: string;
  /** 接收人 */
  receivedBy?: string;
  /** 接收单位, when the register leaves it empty. */
  receivingUnit?: string;
}

export interface Handover {
  register: HandoverRegister;
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

const pass = (report: Report, property: string): PropertyResult => {
  const items = report.items.filter((i) => i.property === property);
  return items.some((i) => i.status === 'fail') ? '不通过' : items.some((i) => i.status !== 'skip') ? '通过' : '未检测';
};

export async function receiveTransfer(deps: ReceiptDeps, input: ReceiptInput): Promise<ReceiptOutcome> {
  const now = deps.now ?? (() => new Date());
  // Created at stage YJ and processed here, not queued: a worker beside this process must neither
  // check it at another stage nor run it a second time. (Should this process die, the workers resume
  // it at start-up, at stage YJ, but without the 交接登记表: receive the package again.)
  const r = await deps.ingest.receive({ body: input.body, source: 'receipt', submitter: input.submitter, packageName: input.packageName, stage: 'transfer', queue: false });
  if (r.kind !== 'created' && r.kind !== 'existing') return { status: 'failed', reason: r.kind === 'too_large' ? `信息包超过 ${r.limit} 字节 (too large)` : r.kind === 'unreadable' ? r.message : r.kind };
  const id = r.submission.id;
  const out = await deps.ingest.process(id);
  if (out.status === 'gone') return { status: 'failed', reason: 'gone' };
  const sub = out.submission;
  if (out.status === 'failed') {
    if (sub.stagingKey) await deps.primary.delete(sub.stagingKey).catch(() => {});
    return { status: 'failed', submission: sub, reason: sub.failureReason ?? 'failed' };
  }
  const report = sub.report as Report;
  if (out.status === 'rejected') {
    // nothing kept: the staged package goes; the submission row keeps the report that says why
    if (sub.stagingKey) await deps.primary.delete(sub.stagingKey).catch(() => {});
    await appendEvent(deps.db, { type: 'receipt.rejected', actor: input.submitter, subject: { type: 'submission', id }, payload: { failed: [...new Set(report.items.filter((i) => i.status === 'fail').map((i) => i.code))] } }, { now });
    return { status: 'rejected', submission: sub, report };
  }

  // Archived: the 交接登记表 from the register as received
  const [obj] = await deps.db.select().from(submissionObjects).where(and(eq(submissionObjects.submissionId, id), eq(submissionObjects.path, REGISTER_FILE)));
  if (!obj) return { status: 'failed', submission: sub, reason: '已归档的移交信息包中找不到移交登记表 (no register among the archived objects)' };
  const chunks: Buffer[] = [];
  for await (const c of await deps.primary.get(obj.objectKey)) chunks.push(c as Buffer);
  const parsed = parseTransferRegister(Buffer.concat(chunks));
  if (!parsed.ok) return { status: 'failed', submission: sub, reason: parsed.problem };
  const at = now();
  const register: HandoverRegister = {
    ...parsed.register,
    receivingUnit: parsed.register.receivingUnit || input.receivingUnit || '',
    packageDigests: [
      { object: sub.packageName ?? `${id}.zip`, algorithm: 'SM3', value: sub.packageSm3 ?? '' },
      { object: sub.packageName ?? `${id}.zip`, algorithm: 'SHA256', value: sub.packageSha256 ?? '' },
    ],
    receivedResults: { authenticity: pass(report, 'authenticity'), integrity: pass(report, 'integrity'), usability: pass(report, 'usability'), security: pass(report, 'security') },
    outcome: '接收',
    receivedBy: input.receivedBy ?? input.submitter,
    receivedAt: at.toISOString(),
  };
  const xml = Buffer.from(writeHandoverRegister(register), 'utf8');
  const seal = deps.signing ? Buffer.from(signDetachedCms(xml, deps.signing.keyPem, deps.signing.certPem, { chain: deps.signing.chainPem, signingTime: at })) : undefined;
  const stores = [deps.primary, ...deps.backups];
  const keep = async (bytes: Buffer) => {
    const d = createDigester();
    d.update(bytes);
    const dg = d.digest();
    for (const s of stores) {
      const p = await s.put([bytes], { expectedSha256: dg.sha256, expectedSize: dg.size });
      if (p.sha256 !== dg.sha256 || p.sm3 !== dg.sm3) throw new Error(`存储「${s.name}」写入交接登记表不符 (copy differs)`);
    }
    await deps.db.insert(copies).values(stores.map((s) => ({ fileId: null, objectKey: contentKey(dg.sha256), store: s.name, size: dg.size, sha256: dg.sha256, sm3: dg.sm3, verifiedAt: at }))).onConflictDoNothing();
    return contentKey(dg.sha256);
  };
  const key = await keep(xml);
  const sealKey = seal ? await keep(seal) : undefined;
  await appendEvent(
    deps.db,
    { type: 'receipt.registered', actor: input.submitter, subject: { type: 'submission', id }, payload: { handover: key, seal: sealKey ?? null, records: parsed.register.archivalCodes.length, transferringUnit: register.transferringUnit, receivingUnit: register.receivingUnit } },
    { now: () => at },
  );
  return { status: 'archived', submission: sub, report, handover: { register, xml, seal, key, sealKey } };
}
