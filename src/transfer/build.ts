// Building a transfer package (移交信息包) in one read: the YJ check reads the selected records
// from the primary store, and every byte it reads is also hashed once (its digests compared with
// the catalogue's and listed in the manifests) and copied into a stored zip that streams into the
// primary and every backup store at once; the report, catalogues, manifests, seal and register
// follow the content. Each copy is then read back and its digests compared before the transfer
// is recorded as stored.
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { buildCatalogues, catalogueRecord, renderCataloguesHtml, renderCataloguesXml, type CatalogueInput } from '../catalogue/index.ts';
import { checkPackage } from '../checks/engine.ts';
import type { Report } from '../checks/report.ts';
import { renderReportHtml } from '../checks/report-html.ts';
import type { Profile } from '../config/profile.ts';
import { createDigester, signDetachedCms, type Digests, type TrustStore } from '../crypto/index.ts';
import { digestPool, fileDigestPool, splitDigestPool, type DigestPool } from '../crypto/parallel-digest.ts';
import type { Db } from '../db/index.ts';
import { copies, transfers } from '../db/schema.ts';
import { appendEvent, appendEvents, type NewEvent } from '../events/index.ts';
import { writeCatalogue, writeDescription, type Catalogue, type Draft, type RecordMetadata, type VolumeMetadata } from '../metadata/index.ts';
import { fanOut } from '../package/index.ts';
import type { Scanner } from '../scan/index.ts';
import type { ObjectStore, PutResult } from '../store/index.ts';
import { gigabytes, REGISTER_FILE, REGISTER_HTML, renderRegisterHtml, writeTransferRegister, type PropertyResult, type TransferRegister } from './register.ts';
import { createBuildSource, type BuildSource, type PlannedEntry } from './build-source.ts';
import { countSelected, recordPages, selectRecords, type TransferSelection } from './select.ts';
import { createStoredZipWriter, type StoredZipWriter } from './zip-writer.ts';

export interface TransferDeps {
  db: Db;
  primary: ObjectStore;
  backups: ObjectStore[];
  profile: Profile;
  scanner: Scanner;
  trust?: TrustStore;
  /** Scratch folder (DANGAN_DATA/tmp). */
  tmpDir: string;
  tool: { name: string; version: string };
  /** The unit's seal (DANGAN_SIGNING_KEY/CERT, PEM); without one the package is unsealed and a receiver rejects it (YJ-1-5). */
  signing?: { keyPem: string; certPem: string; chainPem?: string };
  now?: () => Date;
  log?: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
}

export type AccessOpinion = '开放' | '控制';

export interface TransferRequest extends TransferSelection {
  /** Who asked: 'user:<name>', 'system', … (event log, transfers.requested_by). */
  requestedBy: string;
  /** 接收单位 */
  receivingUnit?: string;
  /** 移交单位; default the records' 立档单位名称. */
  transferringUnit?: string;
  /** 交接工作名称 */
  title?: string;
  contentDescription?: string;
  preparedBy?: string;
  reviewedBy?: string;
  carrier?: '在线' | '离线';
  /** 开放利用意见 for records whose metadata states none (default 控制: not open until reviewed). */
  access?: AccessOpinion;
}

export type Transfer = typeof transfers.$inferSelect;

export type TransferOutcome =
  /** timings: when built here (not when it was already stored): building (read, check, zip, write) and reading every copy back. */
  | { status: 'stored'; transfer: Transfer; timings?: { buildSeconds: number; buildCpuSeconds: number; verifySeconds: number; verifyCpuSeconds: number } }
  /** The records as read back did not pass the YJ check, or differ from the catalogue: nothing was sent. */
  | { status: 'failed'; transfer: Transfer; reason: string };

/** The request cannot be served (no records, bad selection): a 400, not a failed transfer. */
export class TransferRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransferRequestError';
  }
}

export const transferKey = (id: string) => `transfers/${id}.zip`;

const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** Inserts <权限管理><控制标识> when the record's metadata has none (the 开放利用意见). */
export function withAccessOpinion(xml: string, opinion: AccessOpinion): string {
  if (/<控制标识>/.test(xml)) return xml;
  if (/<权限管理\s*\/>/.test(xml)) return xml.replace(/<权限管理\s*\/>/, `<权限管理><控制标识>${opinion}</控制标识></权限管理>`);
  if (/<\/权限管理>/.test(xml)) return xml.replace(/<\/权限管理>/, `<控制标识>${opinion}</控制标识></权限管理>`);
  return xml.replace(/<\/电子文件元数据>\s*$/, `  <权限管理><控制标识>${opinion}</控制标识></权限管理>\n</电子文件元数据>\n`);
}

/** The same for the stored bytes: only UTF-8 metadata is rewritten; GB18030 metadata is kept byte for byte. */
function withAccessOpinionBytes(bytes: Buffer, opinion: AccessOpinion): Buffer {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return bytes;
  }
  const declared = /^\uFEFF?<\?xml[^>]*encoding=["']([^"']+)["']/i.exec(text)?.[1];
  if (declared && !/^utf-?8$/i.test(declared)) return bytes;
  const out = withAccessOpinion(text, opinion);
  return out === text ? bytes : utf8(out);
}

const propertyResult = (report: Report, property: string): PropertyResult => {
  const items = report.items.filter((i) => i.property === property);
  if (items.some((i) => i.status === 'fail')) return '不通过';
  return items.some((i) => i.status === 'pass' || i.status === 'warn') ? '通过' : '未检测';
};

/** Reads an object whole (metadata: bounded by the profile's limit), checking its SHA-256 against its content key. */
async function readObject(store: ObjectStore, key: string, max: number): Promise<{ bytes: Buffer; digests: Digests }> {
  const chunks: Buffer[] = [];
  const d = createDigester();
  let n = 0;
  for await (const c of await store.get(key)) {
    n += (c as Buffer).byteLength;
    if (n > max) throw new Error(`元数据对象过大 (metadata object over ${max} bytes): ${key}`);
    d.update(c as Buffer);
    chunks.push(c as Buffer);
  }
  return { bytes: Buffer.concat(chunks), digests: d.digest() };
}

/** Checks the selection and records the transfer as pending (its build is a job, or runs next in this process). */
export async function requestTransfer(deps: Pick<TransferDeps, 'db' | 'now'>, req: TransferRequest): Promise<Transfer> {
  const now = deps.now ?? (() => new Date());
  const selection: TransferSelection = { fonds: req.fonds, year: req.year, retention: req.retention, volumes: req.volumes, records: req.records };
  const count = await countSelected(deps.db, selection);
  if (count === 0) throw new TransferRequestError(`没有符合条件的已归档档案 (no archived records match): ${JSON.stringify(selection)}`);
  const id = randomUUID();
  const { requestedBy, ...asked } = req;
  return await deps.db.transaction(async (tx) => {
    const [row] = await tx.insert(transfers).values({ id, status: 'pending', fonds: req.fonds, year: req.year ?? null, selection: asked as object, requestedBy }).returning();
    await appendEvent(tx, { type: 'transfer.requested', actor: requestedBy, subject: { type: 'transfer', id }, payload: { selection: selection as never, records: count } }, { now });
    return row;
  });
}

/** Requests and builds at once (the CLI, tests). */
export async function createTransfer(deps: TransferDeps, req: TransferRequest): Promise<TransferOutcome> {
  const t = await requestTransfer(deps, req);
  return buildTransfer(deps, t.id);
}

export const scratchOf = (deps: Pick<TransferDeps, 'tmpDir'>, id: string) => join(deps.tmpDir, `transfer-${id}`);

/**
 * Builds, checks, stores and verifies the package of a pending transfer; returns the transfer as
 * recorded. Safe to run again after a crash: a transfer is recorded as stored only once every copy
 * was read back, and a new attempt starts over (scratch folder emptied, the package rewritten).
 * Throws for what may pass on a retry (a store or the database unavailable); the caller decides
 * whether that was the last attempt (failTransfer).
 */
export async function buildTransfer(deps: TransferDeps, id: string, opts: { signal?: AbortSignal; attempt?: number } = {}): Promise<TransferOutcome> {
  const now = deps.now ?? (() => new Date());
  const [row] = await deps.db.select().from(transfers).where(eq(transfers.id, id));
  if (!row) throw new TransferRequestError(`没有这个移交 (no such transfer): ${id}`);
  if (row.status === 'stored') return { status: 'stored', transfer: row };
  if (row.status === 'failed') return { status: 'failed', transfer: row, reason: row.failureReason ?? '' };
  const req = { ...(row.selection as Omit<TransferRequest, 'requestedBy'>), requestedBy: row.requestedBy };
  const selection: TransferSelection = { fonds: req.fonds, year: req.year, retention: req.retention, volumes: req.volumes, records: req.records };
  const startedAt = performance.now();
  const startedCpu = process.cpuUsage();
  const progress = { phase: 'building' as 'building' | 'verifying', bytes: 0, totalBytes: 0, files: 0, totalFiles: 0, attempt: (opts.attempt ?? 0) + 1 };
  await deps.db.update(transfers).set({ status: 'building', progress }).where(eq(transfers.id, id));

  const scratch = scratchOf(deps, id);
  const fail = (reason: string, report?: Report) => failTransfer(deps, id, reason, report);
  const stores = [deps.primary, ...deps.backups];
  const key = transferKey(id);
  let source: BuildSource | undefined;
  const ticker = setInterval(() => {
    if (source) progress.bytes = source.entries.reduce((n, e) => n + (source!.digests.has(e.path) ? e.size : 0), 0);
    void deps.db.update(transfers).set({ progress }).where(eq(transfers.id, id)).catch(() => {});
  }, 2000);
  ticker.unref();
  let zip: StoredZipWriter | undefined;
  let puts: Promise<PromiseSettledResult<PutResult>[]> | undefined;
  try {
    // a previous attempt's leftovers (a crash): start over
    await rm(scratch, { recursive: true, force: true });
    await mkdir(scratch, { recursive: true });
    const selected = await selectRecords(deps.db, selection);
    if (selected.records.length === 0) return await fail(`没有符合条件的已归档档案 (no archived records match): ${JSON.stringify(selection)}`);
    const planned: PlannedEntry[] = [];
    const spool = async (path: string, bytes: Uint8Array, label: string) => {
      const file = join(scratch, 'spool', String(planned.length));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, bytes);
      planned.push({ path, size: bytes.byteLength, from: { file }, label });
    };
    const maxMeta = deps.profile.limits.maxMetadataBytes;
    const opinion = req.access ?? '控制';

    // 1. The metadata as read back (small: spooled, with the 开放利用意见), the content files planned
    //    to be read once, straight from the primary store, by the check below.
    const volumeFolder = new Map<string, string>();
    const catalogueVolumes: { folder: string; volume: VolumeMetadata }[] = [];
    for (const v of selected.volumes) {
      const folder = `${v.fonds}/${v.archivalCode}`;
      volumeFolder.set(v.archivalCode, folder);
      if (!v.metadataKey) return await fail(`案卷 ${v.archivalCode} 没有保存的案卷元数据 (no stored volume metadata)`);
      const o = await readObject(deps.primary, v.metadataKey, maxMeta);
      if (!v.metadataKey.endsWith(o.digests.sha256)) return await fail(`案卷 ${v.archivalCode} 的案卷元数据读回后摘要不符 (volume metadata differs from its key)`);
      await spool(`${folder}/案卷元数据.xml`, o.bytes, `案卷 ${v.archivalCode} 的案卷元数据`);
      catalogueVolumes.push({ folder, volume: v.metadata as VolumeMetadata });
    }
    // The records a page at a time: only what the catalogues need is kept of their metadata.
    const catalogueRecords: CatalogueInput['records'] = [];
    const listedRecords: Draft<Catalogue>['entries'] = [];
    let fileCount = 0;
    let totalBytes = 0;
    const algorithms = new Set<string>();
    let unitName: string | undefined;
    for await (const page of recordPages(deps.db, selected.records)) {
      for (const r of page) {
        const vFolder = r.volumeCode ? volumeFolder.get(r.volumeCode) : undefined;
        const folder = vFolder ? `${vFolder}/${r.archivalCode}` : `${r.fonds}/${r.archivalCode}`;
        if (!r.metadataKey) return await fail(`档案 ${r.archivalCode} 没有保存的元数据 (no stored metadata)`);
        const o = await readObject(deps.primary, r.metadataKey, maxMeta);
        if (!r.metadataKey.endsWith(o.digests.sha256)) return await fail(`档案 ${r.archivalCode} 的元数据读回后摘要不符 (metadata differs from its key)`);
        await spool(`${folder}/元数据.xml`, withAccessOpinionBytes(o.bytes, opinion), `档案 ${r.archivalCode} 的元数据`);
        const meta = r.metadata as RecordMetadata;
        unitName ??= meta.provenance?.unitName;
        catalogueRecords.push({ folder, record: catalogueRecord(meta), ...(vFolder ? { volume: vFolder } : {}) });
        listedRecords.push({
          sequence: String(listedRecords.length + 1),
          archivalCode: r.archivalCode,
          title: meta.description?.title,
          author: meta.description?.author,
          date: meta.description?.date,
          retention: meta.archivalCode?.retention ?? r.retention ?? undefined,
          classification: meta.description?.classification,
          pageCount: meta.form?.pageCount,
        });
        for (const f of r.files) {
          planned.push({ path: `${folder}/${f.name}`, size: f.size, from: { store: deps.primary, key: f.objectKey }, expect: { sha256: f.sha256, sm3: f.sm3, size: f.size }, label: `档案 ${r.archivalCode} 的文件 ${f.name}` });
          fileCount++;
          totalBytes += f.size;
          const recorded = meta.files?.find((x) => x.fileName === f.name)?.digest?.toLowerCase();
          if (recorded) algorithms.add(recorded === f.sm3 ? 'SM3' : recorded === f.sha256 ? 'SHA256' : 'SM3');
        }
      }
    }
    const transferringUnit = req.transferringUnit ?? unitName ?? req.fonds;
    const codes = selected.records.map((r) => r.archivalCode);
    selected.records.length = 0;

    // 2. 说明文件 and 目录文件 of the package (counts and bytes as catalogued: the check compares them with what it reads)
    await spool(
      '说明文件.txt',
      utf8(
        writeDescription({
          unitName: transferringUnit,
          fonds: req.fonds,
          recordCount: String(codes.length),
          fileCount: String(fileCount),
          totalBytes: String(totalBytes),
          digestAlgorithmText: algorithms.has('SHA256') && !algorithms.has('SM3') ? 'SHA256' : 'SM3',
          codeRange: codes.length > 1 ? `${codes[0]}～${codes[codes.length - 1]}` : codes[0],
          contentDescription: req.contentDescription ?? `全宗 ${req.fonds} 移交的电子档案`,
          extra: {},
        }),
      ),
      '说明文件',
    );
    await spool(
      '目录文件.xml',
      utf8(
        writeCatalogue(listedRecords),
      ),
      '目录文件',
    );
    const volumeCount = selected.volumes.length;
    listedRecords.length = 0;
    progress.totalBytes = planned.reduce((n, e) => n + e.size, 0);
    progress.totalFiles = planned.length;
    await deps.db.update(transfers).set({ progress }).where(eq(transfers.id, id));

    // 3. One pass: the YJ check reads every file from the store; each is copied into the zip (which
    //    streams into every store at once) and hashed on the way. The register, report, catalogues,
    //    manifests and seal follow the content in the zip.
    zip = createStoredZipWriter({ mtime: now() });
    const z = zip;
    // The package's SHA-256 is taken here, on the way to the stores, and every store's put takes it
    // instead of hashing again. Its SM3 comes from reading the stored copies back (step 5), which
    // must be done anyway: an SM3 of the bytes as written here would be a second SM3 pass over the
    // package beside the files' own (the slowest digest by far), and would prove nothing the
    // read-back's SHA-256, compared with this one, does not.
    // (on the digest worker: the main thread is the busier, reading and checking)
    const packageSha = digestPool().create({ only: 'sha256' });
    let settleDigests!: { resolve: (d: Digests) => void; reject: (e: unknown) => void };
    const packageDigests = new Promise<Digests>((resolve, reject) => (settleDigests = { resolve, reject }));
    packageDigests.catch(() => {});
    async function* hashedPackage(): AsyncGenerator<Uint8Array> {
      try {
        for await (const c of z.output as AsyncIterable<Uint8Array>) {
          const w = packageSha.update(c);
          if (w) await w;
          yield c;
        }
        const d = await packageSha.digest();
        settleDigests.resolve({ ...d, sm3: SM3_FROM_READ_BACK });
      } catch (e) {
        settleDigests.reject(e);
        throw e;
      } finally {
        packageSha.abort(); // (nothing once digested) a put that stopped reading leaves no file on the worker
      }
    }
    puts = fanOut(
      hashedPackage(),
      stores.map((s) => (chunks: AsyncIterable<Uint8Array>) => s.put(chunks, { key, signal: opts.signal, sourceDigests: packageDigests })),
    ) as Promise<PromiseSettledResult<PutResult>[]>;
    const abortBuild = () => z.abort(new Error('移交信息包生成已中止 (the build was aborted)'));
    opts.signal?.addEventListener('abort', abortBuild, { once: true });
    source = createBuildSource(planned, z, deps.profile.limits);
    const src = source;
    const report = await checkPackage(join(scratch, 'package'), {
      stage: 'transfer',
      profile: deps.profile,
      scanner: deps.scanner,
      trust: deps.trust,
      now,
      packageName: `移交信息包 ${id}`,
      tool: deps.tool,
      transfer: { building: true },
      source: src,
      onProgress: (p) => {
        progress.bytes = p.bytes;
        progress.files = p.files;
      },
    });
    const unread = planned.filter((e) => !z.paths.has(e.path) || !src.digests.has(e.path)).map((e) => e.label);
    const cancel = async (reason: string, rep?: Report) => {
      z.abort(new Error(reason));
      await puts;
      await Promise.all(stores.map((s) => s.delete(key).catch(() => {})));
      return await fail(reason, rep);
    };
    if (src.mismatches.length) return await cancel(`读回的档案与入库时不符 (the records as read back differ from the catalogue): ${src.mismatches.slice(0, 20).join('；')}`, report);
    if (report.verdict === 'rejected') {
      const failed = [...new Set(report.items.filter((i) => i.status === 'fail').map((i) => i.code))].join(' ');
      return await cancel(`读回的档案未通过移交检测 (the records as read back fail the transfer check): ${failed}`, report);
    }
    if (unread.length) return await cancel(`检测未读到这些文件，未移交 (not read by the check): ${unread.slice(0, 20).join('；')}`, report);

    const listed: { path: string; digests: Digests }[] = planned.map((e) => ({ path: e.path, digests: src.digests.get(e.path)! }));
    const add = async (path: string, bytes: Buffer, listedInManifest = true) => {
      await z.add(path, bytes);
      if (!listedInManifest) return;
      const d = createDigester();
      d.update(bytes);
      listed.push({ path, digests: d.digest() });
    };
    await add('检测报告.json', utf8(JSON.stringify(report, null, 2) + '\n'));
    await add('检测报告.html', utf8(renderReportHtml(report)));
    const catalogues = buildCatalogues({ records: catalogueRecords, volumes: catalogueVolumes });
    await add('档案目录.xml', utf8(renderCataloguesXml(catalogues)));
    await add('档案目录.html', utf8(renderCataloguesHtml(catalogues, '移交档案目录')));

    // 4. Manifests of every file so far, the seal, the register
    listed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const sm3Manifest = utf8(listed.map((f) => `${f.digests.sm3}  ${f.path}\n`).join(''));
    const shaManifest = utf8(listed.map((f) => `${f.digests.sha256}  ${f.path}\n`).join(''));
    listed.length = 0;
    await z.add('manifest-sm3.txt', sm3Manifest);
    await z.add('manifest-sha256.txt', shaManifest);
    const m1 = createDigester();
    m1.update(sm3Manifest);
    const m2 = createDigester();
    m2.update(shaManifest);
    if (deps.signing) {
      await z.add('签名/manifest-sm3.txt.p7s', Buffer.from(signDetachedCms(sm3Manifest, deps.signing.keyPem, deps.signing.certPem, { chain: deps.signing.chainPem, signingTime: now() })));
    } else {
      deps.log?.warn({ transfer: id }, 'no signing key configured (DANGAN_SIGNING_KEY/CERT): the transfer package is not sealed');
    }
    const register: TransferRegister = {
      title: req.title ?? `${transferringUnit} 电子档案移交（全宗 ${req.fonds}${req.year ? `，${req.year} 年度` : ''}）`,
      contentDescription: req.contentDescription ?? `全宗 ${req.fonds} 的 ${codes.length} 件电子档案${volumeCount ? `（${volumeCount} 卷）` : ''}`,
      transferringUnit,
      receivingUnit: req.receivingUnit ?? '',
      fonds: req.fonds,
      recordCount: codes.length,
      volumeCount,
      fileCount,
      totalBytes,
      dataVolumeGb: gigabytes(totalBytes),
      carrier: req.carrier ?? '在线',
      digests: [
        { object: 'manifest-sm3.txt', algorithm: 'SM3', value: m1.digest().sm3 },
        { object: 'manifest-sha256.txt', algorithm: 'SHA256', value: m2.digest().sha256 },
      ],
      archivalCodes: codes,
      results: {
        authenticity: propertyResult(report, 'authenticity'),
        integrity: propertyResult(report, 'integrity'),
        usability: propertyResult(report, 'usability'),
        security: propertyResult(report, 'security'),
      },
      preparedBy: req.preparedBy ?? '',
      reviewedBy: req.reviewedBy ?? '',
      transferredAt: now().toISOString(),
    };
    await z.add(REGISTER_FILE, utf8(writeTransferRegister(register)));
    await z.add(REGISTER_HTML, utf8(renderRegisterHtml(register)));
    await z.finish();
    opts.signal?.removeEventListener('abort', abortBuild);

    const settled = await puts;
    const failures = settled.flatMap((r, i) => (r.status === 'rejected' ? [`${stores[i].name}: ${(r.reason as Error).message}`] : []));
    if (failures.length) {
      await Promise.all(stores.map((s) => s.delete(key).catch(() => {})));
      // a store that failed may work on the next attempt
      throw new Error(`移交信息包写入存储失败 (could not store the package): ${failures.join('; ')}`);
    }
    const put = (settled[0] as PromiseFulfilledResult<PutResult>).value;
    const buildSeconds = (performance.now() - startedAt) / 1000;
    const builtCpu = process.cpuUsage();
    const buildCpuSeconds = cpuSeconds(startedCpu, builtCpu);

    // 5. Every copy read back at once (each store is its own disk or service), its digests compared
    progress.phase = 'verifying';
    const verifyStarted = performance.now();
    const verified = await Promise.all(
      stores.map(async (s) => {
        const back = await readBack(s, key, stores.length > 1 ? fileDigestPool() : splitDigestPool()).catch(() => undefined);
        return { store: s.name, at: now(), sm3: back?.sm3, ok: back !== undefined && back.sha256 === put.sha256 && back.size === put.size };
      }),
    );
    // Every copy has the SHA-256 of the bytes written, so the same bytes, so one SM3: the package's.
    const sm3s = new Set(verified.filter((v) => v.ok).map((v) => v.sm3));
    if (sm3s.size > 1) for (const v of verified) v.ok = false;
    const written = { ...put, sm3: [...sm3s][0] ?? '' };
    const verifySeconds = (performance.now() - verifyStarted) / 1000;
    const verifyCpuSeconds = cpuSeconds(builtCpu, process.cpuUsage());
    const bad = verified.filter((v) => !v.ok);
    if (bad.length) {
      await Promise.all(stores.map((x) => x.delete(key).catch(() => {})));
      return await fail(`存储「${bad.map((v) => v.store).join('、')}」读回的移交信息包与写入时的摘要不符或无法读取 (a copy differs or cannot be read back)`, report);
    }

    const at = now();
    const [t] = await deps.db.transaction(async (tx) => {
      const r = await tx
        .update(transfers)
        .set({ status: 'stored', recordCount: codes.length, fileCount, totalBytes, objectKey: key, size: written.size, sha256: written.sha256, sm3: written.sm3, register: register as unknown as object, report: report as unknown as object, progress: null, failureReason: null, completedAt: at })
        .where(eq(transfers.id, id))
        .returning();
      await tx.insert(copies).values(verified.map((v) => ({ fileId: null, objectKey: key, store: v.store, size: written.size, sha256: written.sha256, sm3: written.sm3, verifiedAt: v.at }))).onConflictDoNothing();
      const events: NewEvent[] = [
        ...verified.map((v) => ({ type: 'transfer.copy-verified', actor: req.requestedBy, subject: { type: 'transfer', id }, payload: { store: v.store, key, size: written.size, sha256: written.sha256, sm3: written.sm3 } })),
        ...codes.map((c) => ({ type: 'record.transferred', actor: req.requestedBy, subject: { type: 'record', id: c }, payload: { transfer: id } })),
        {
          type: 'transfer.stored',
          actor: req.requestedBy,
          subject: { type: 'transfer', id },
          payload: {
            records: codes.length,
            files: fileCount,
            bytes: totalBytes,
            size: written.size,
            sha256: written.sha256,
            sm3: written.sm3,
            stores: stores.map((s) => s.name),
            sealed: Boolean(deps.signing),
            buildSeconds: Number(buildSeconds.toFixed(3)),
            verifySeconds: Number(verifySeconds.toFixed(3)),
          },
        },
      ];
      await appendEvents(tx, events, { now: () => at });
      return r;
    });
    deps.log?.info({ transfer: id, records: codes.length, size: written.size, buildSeconds, verifySeconds }, 'transfer stored');
    return { status: 'stored', transfer: t, timings: { buildSeconds, buildCpuSeconds, verifySeconds, verifyCpuSeconds } };
  } catch (e) {
    // nothing half-written may stay: the puts end without a copy, a finished copy is removed
    zip?.abort(e as Error);
    if (puts) await puts.catch(() => {});
    await Promise.all(stores.map((s) => s.delete(key).catch(() => {})));
    throw e;
  } finally {
    clearInterval(ticker);
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Records a transfer as failed, with its reason (and the report when the check ran). */
export async function failTransfer(deps: Pick<TransferDeps, 'db' | 'now' | 'log'>, id: string, reason: string, report?: Report): Promise<TransferOutcome> {
  const now = deps.now ?? (() => new Date());
  const at = now();
  const [t] = await deps.db.transaction(async (tx) => {
    const r = await tx
      .update(transfers)
      .set({ status: 'failed', failureReason: reason.slice(0, 2000), ...(report ? { report: report as object } : {}), progress: null, completedAt: at })
      .where(eq(transfers.id, id))
      .returning();
    const requestedBy = r[0]?.requestedBy ?? 'system';
    await appendEvent(tx, { type: 'transfer.failed', actor: requestedBy, subject: { type: 'transfer', id }, payload: { reason: reason.slice(0, 2000) } }, { now: () => at });
    return r;
  });
  deps.log?.warn({ transfer: id, reason }, 'transfer failed');
  return { status: 'failed', transfer: t, reason };
}

/** CPU seconds (user + system, every thread of the process) between two process.cpuUsage() readings. */
const cpuSeconds = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user - a.user + b.system - a.system) / 1e6;

/** A stored copy's digests, hashed on the digest workers. */
/** Stands for the package's SM3 until the stored copies are read back (see step 3); never recorded. */
const SM3_FROM_READ_BACK = 'computed-on-read-back';

/** A copy's digests, read back; the pool: each copy on a worker of its own, or SM3 and SHA-256 on theirs. */
async function readBack(store: ObjectStore, key: string, pool: DigestPool): Promise<Digests> {
  const d = pool.create();
  try {
    for await (const c of await store.get(key)) {
      const w = d.update(c as Uint8Array);
      if (w) await w;
    }
    return await d.digest();
  } catch (e) {
    d.abort();
    throw e;
  }
}

/** The stored package's bytes, from the first store that holds a copy equal to the recorded digest. */
export async function openTransferPackage(deps: Pick<TransferDeps, 'db' | 'primary' | 'backups'>, id: string): Promise<{ transfer: Transfer; stream: Readable } | undefined> {
  const [t] = await deps.db.select().from(transfers).where(eq(transfers.id, id));
  if (!t || t.status !== 'stored' || !t.objectKey) return undefined;
  for (const s of [deps.primary, ...deps.backups]) {
    const info = await s.head(t.objectKey).catch(() => undefined);
    if (info && info.size === t.size) return { transfer: t, stream: await s.get(t.objectKey) };
  }
  throw new Error(`移交信息包 ${id} 在所有存储中都不可读 (no store holds the package)`);
}

export async function getTransfer(db: Db, id: string): Promise<Transfer | undefined> {
  const [t] = await db.select().from(transfers).where(eq(transfers.id, id));
  return t;
}
