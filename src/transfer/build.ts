// Building a transfer package (移交信息包): the selected records are read back from the primary
// store (each digest compared with the catalogue), checked at stage YJ, then streamed as a stored
// (uncompressed) zip with the register, report, catalogues, manifests and seal into the primary and
// every backup store at once; each copy is read back and its digest compared before the transfer
// is recorded as stored.
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import yazl from 'yazl';
import { buildCatalogues, renderCataloguesHtml, renderCataloguesXml } from '../catalogue/index.ts';
import { checkPackage } from '../checks/engine.ts';
import type { Report } from '../checks/report.ts';
import { renderReportHtml } from '../checks/report-html.ts';
import type { Profile } from '../config/profile.ts';
import { createDigester, digestingStream, digestStream, signDetachedCms, type Digests, type TrustStore } from '../crypto/index.ts';
import type { Db } from '../db/index.ts';
import { copies, transfers } from '../db/schema.ts';
import { appendEvent, appendEvents, type NewEvent } from '../events/index.ts';
import { writeCatalogue, writeDescription, type RecordMetadata, type VolumeMetadata } from '../metadata/index.ts';
import { fanOut } from '../package/index.ts';
import type { Scanner } from '../scan/index.ts';
import type { ObjectStore, PutResult } from '../store/index.ts';
import { gigabytes, REGISTER_FILE, REGISTER_HTML, renderRegisterHtml, writeTransferRegister, type PropertyResult, type TransferRegister } from './register.ts';
import { selectRecords, type TransferSelection } from './select.ts';

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
  | { status: 'stored'; transfer: Transfer }
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

interface PlannedFile {
  path: string;
  /** On the scratch disk. */
  local: string;
  digests: Digests;
}

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

/**
 * A file store's object hard-linked into the scratch folder (same file system): the check and the
 * zip then read the stored bytes themselves, with no temporary copy. False: copy instead.
 */
async function linkFromFileStore(store: ObjectStore, key: string, dest: string): Promise<boolean> {
  if (!store.location.startsWith('file:')) return false;
  try {
    await link(join(fileURLToPath(store.location), ...key.split('/')), dest);
    return true;
  } catch {
    return false;
  }
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

/** Builds, checks, stores and verifies one transfer package; returns the transfer as recorded. */
export async function createTransfer(deps: TransferDeps, req: TransferRequest): Promise<TransferOutcome> {
  const now = deps.now ?? (() => new Date());
  const selection: TransferSelection = { fonds: req.fonds, year: req.year, retention: req.retention, volumes: req.volumes, records: req.records };
  const selected = await selectRecords(deps.db, selection);
  if (selected.records.length === 0) throw new TransferRequestError(`没有符合条件的已归档档案 (no archived records match): ${JSON.stringify(selection)}`);
  const id = randomUUID();
  const [row] = await deps.db.insert(transfers).values({ id, status: 'building', fonds: req.fonds, year: req.year ?? null, selection: selection as object, requestedBy: req.requestedBy }).returning();
  await appendEvent(deps.db, { type: 'transfer.requested', actor: req.requestedBy, subject: { type: 'transfer', id }, payload: { selection: selection as never, records: selected.records.length } }, { now });

  const scratch = join(deps.tmpDir, `transfer-${id}`);
  const fail = async (reason: string, report?: Report): Promise<TransferOutcome> => {
    const at = now();
    const [t] = await deps.db.transaction(async (tx) => {
      const r = await tx.update(transfers).set({ status: 'failed', failureReason: reason.slice(0, 2000), report: (report ?? null) as object | null, completedAt: at }).where(eq(transfers.id, id)).returning();
      await appendEvent(tx, { type: 'transfer.failed', actor: req.requestedBy, subject: { type: 'transfer', id }, payload: { reason: reason.slice(0, 2000) } }, { now: () => at });
      return r;
    });
    deps.log?.warn({ transfer: id, reason }, 'transfer failed');
    return { status: 'failed', transfer: t ?? row, reason };
  };

  try {
    await mkdir(scratch, { recursive: true });
    const planned: PlannedFile[] = [];
    const put = async (path: string, bytes: Buffer): Promise<PlannedFile> => {
      const local = join(scratch, 'package', path);
      await mkdir(dirname(local), { recursive: true });
      await writeFile(local, bytes);
      const d = createDigester();
      d.update(bytes);
      const f = { path, local, digests: d.digest() };
      planned.push(f);
      return f;
    };
    const maxMeta = deps.profile.limits.maxMetadataBytes;
    const opinion = req.access ?? '控制';

    // 1. The records as read back from the primary store, each object's digest against the catalogue.
    const volumeFolder = new Map<string, string>();
    const catalogueVolumes: { folder: string; volume: VolumeMetadata }[] = [];
    for (const v of selected.volumes) {
      const folder = `${v.fonds}/${v.archivalCode}`;
      volumeFolder.set(v.archivalCode, folder);
      if (!v.metadataKey) return await fail(`案卷 ${v.archivalCode} 没有保存的案卷元数据 (no stored volume metadata)`);
      const o = await readObject(deps.primary, v.metadataKey, maxMeta);
      if (!v.metadataKey.endsWith(o.digests.sha256)) return await fail(`案卷 ${v.archivalCode} 的案卷元数据读回后摘要不符 (volume metadata differs from its key)`);
      await put(`${folder}/案卷元数据.xml`, o.bytes);
      catalogueVolumes.push({ folder, volume: v.metadata as VolumeMetadata });
    }
    const catalogueRecords: { folder: string; volume?: string; record: RecordMetadata }[] = [];
    let fileCount = 0;
    let totalBytes = 0;
    const algorithms = new Set<string>();
    let unitName: string | undefined;
    for (const r of selected.records) {
      const vFolder = r.volumeCode ? volumeFolder.get(r.volumeCode) : undefined;
      const folder = vFolder ? `${vFolder}/${r.archivalCode}` : `${r.fonds}/${r.archivalCode}`;
      if (!r.metadataKey) return await fail(`档案 ${r.archivalCode} 没有保存的元数据 (no stored metadata)`);
      const o = await readObject(deps.primary, r.metadataKey, maxMeta);
      if (!r.metadataKey.endsWith(o.digests.sha256)) return await fail(`档案 ${r.archivalCode} 的元数据读回后摘要不符 (metadata differs from its key)`);
      await put(`${folder}/元数据.xml`, withAccessOpinionBytes(o.bytes, opinion));
      const meta = r.metadata as RecordMetadata;
      unitName ??= meta.provenance?.unitName;
      catalogueRecords.push({ folder, record: meta, ...(vFolder ? { volume: vFolder } : {}) });
      for (const f of r.files) {
        const path = `${folder}/${f.name}`;
        const local = join(scratch, 'package', path);
        await mkdir(dirname(local), { recursive: true });
        let d: Digests;
        if (await linkFromFileStore(deps.primary, f.objectKey, local)) d = await digestStream(createReadStream(local, { highWaterMark: 1 << 20 }));
        else {
          const digest = digestingStream();
          await pipeline(await deps.primary.get(f.objectKey), digest, createWriteStream(local));
          d = await digest.digests;
        }
        if (d.sha256 !== f.sha256 || d.sm3 !== f.sm3 || d.size !== f.size) {
          return await fail(`档案 ${r.archivalCode} 的文件 ${f.name} 读回后与入库时的摘要不符 (the stored copy differs from the digest recorded at ingest)`);
        }
        planned.push({ path, local, digests: d });
        fileCount++;
        totalBytes += d.size;
        const recorded = meta.files?.find((x) => x.fileName === f.name)?.digest?.toLowerCase();
        if (recorded) algorithms.add(recorded === d.sm3 ? 'SM3' : recorded === d.sha256 ? 'SHA256' : 'SM3');
      }
    }
    const transferringUnit = req.transferringUnit ?? unitName ?? req.fonds;
    const codes = selected.records.map((r) => r.archivalCode);

    // 2. 说明文件 and 目录文件 of the package
    await put(
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
    );
    await put(
      '目录文件.xml',
      utf8(
        writeCatalogue(
          selected.records.map((r, i) => {
            const m = r.metadata as RecordMetadata;
            return {
              sequence: String(i + 1),
              archivalCode: r.archivalCode,
              title: m.description?.title,
              author: m.description?.author,
              date: m.description?.date,
              retention: m.archivalCode?.retention ?? r.retention ?? undefined,
              classification: m.description?.classification,
              pageCount: m.form?.pageCount,
            };
          }),
        ),
      ),
    );

    // 3. The YJ check of the records as read back
    const report = await checkPackage(join(scratch, 'package'), {
      stage: 'transfer',
      profile: deps.profile,
      scanner: deps.scanner,
      trust: deps.trust,
      now,
      packageName: `移交信息包 ${id}`,
      tool: deps.tool,
      transfer: { building: true },
    });
    if (report.verdict === 'rejected') {
      const failed = [...new Set(report.items.filter((i) => i.status === 'fail').map((i) => i.code))].join(' ');
      return await fail(`读回的档案未通过移交检测 (the records as read back fail the transfer check): ${failed}`, report);
    }
    await put('检测报告.json', utf8(JSON.stringify(report, null, 2) + '\n'));
    await put('检测报告.html', utf8(renderReportHtml(report)));
    const catalogues = buildCatalogues({ records: catalogueRecords, volumes: catalogueVolumes });
    await put('档案目录.xml', utf8(renderCataloguesXml(catalogues)));
    await put('档案目录.html', utf8(renderCataloguesHtml(catalogues, '移交档案目录')));

    // 4. Manifests of every file so far, the seal, the register
    planned.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const sm3Manifest = utf8(planned.map((f) => `${f.digests.sm3}  ${f.path}\n`).join(''));
    const shaManifest = utf8(planned.map((f) => `${f.digests.sha256}  ${f.path}\n`).join(''));
    const m1 = await put('manifest-sm3.txt', sm3Manifest);
    const m2 = await put('manifest-sha256.txt', shaManifest);
    if (deps.signing) {
      await put('签名/manifest-sm3.txt.p7s', Buffer.from(signDetachedCms(sm3Manifest, deps.signing.keyPem, deps.signing.certPem, { chain: deps.signing.chainPem, signingTime: now() })));
    } else {
      deps.log?.warn({ transfer: id }, 'no signing key configured (DANGAN_SIGNING_KEY/CERT): the transfer package is not sealed');
    }
    const register: TransferRegister = {
      title: req.title ?? `${transferringUnit} 电子档案移交（全宗 ${req.fonds}${req.year ? `，${req.year} 年度` : ''}）`,
      contentDescription: req.contentDescription ?? `全宗 ${req.fonds} 的 ${codes.length} 件电子档案${selected.volumes.length ? `（${selected.volumes.length} 卷）` : ''}`,
      transferringUnit,
      receivingUnit: req.receivingUnit ?? '',
      fonds: req.fonds,
      recordCount: codes.length,
      volumeCount: selected.volumes.length,
      fileCount,
      totalBytes,
      dataVolumeGb: gigabytes(totalBytes),
      carrier: req.carrier ?? '在线',
      digests: [
        { object: 'manifest-sm3.txt', algorithm: 'SM3', value: m1.digests.sm3 },
        { object: 'manifest-sha256.txt', algorithm: 'SHA256', value: m2.digests.sha256 },
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
    await put(REGISTER_FILE, utf8(writeTransferRegister(register)));
    await put(REGISTER_HTML, utf8(renderRegisterHtml(register)));

    // 5. One stored zip, streamed into every store at once; then each copy read back
    const order = (p: string) => (p === REGISTER_FILE ? 0 : p === '说明文件.txt' ? 1 : p === '目录文件.xml' ? 2 : p.includes('/') ? 4 : 3);
    planned.sort((a, b) => order(a.path) - order(b.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const stores = [deps.primary, ...deps.backups];
    const key = transferKey(id);
    const zip = new yazl.ZipFile();
    const mtime = now();
    for (const f of planned) {
      zip.addReadStreamLazy(f.path, { compress: false, size: f.digests.size, mtime }, (cb) => cb(null, createReadStream(f.local, { highWaterMark: 1 << 20 })));
    }
    zip.end();
    const zipError = new Promise<never>((_, reject) => zip.on('error', reject));
    const settled = await Promise.race([fanOut(Readable.from(zip.outputStream), stores.map((s) => (chunks: AsyncIterable<Uint8Array>) => s.put(chunks, { key }))), zipError]);
    const failures = settled.flatMap((r, i) => (r.status === 'rejected' ? [`${stores[i].name}: ${(r.reason as Error).message}`] : []));
    if (failures.length) {
      await Promise.all(stores.map((s) => s.delete(key).catch(() => {})));
      return await fail(`移交信息包写入存储失败 (could not store the package): ${failures.join('; ')}`, report);
    }
    const written = (settled[0] as PromiseFulfilledResult<PutResult>).value;
    // every copy read back at once (each store is its own disk or service)
    const verified = await Promise.all(
      stores.map(async (s) => {
        const back = await digestStream(await s.get(key)).catch(() => undefined);
        return { store: s.name, at: now(), ok: back !== undefined && back.sha256 === written.sha256 && back.sm3 === written.sm3 && back.size === written.size };
      }),
    );
    const bad = verified.filter((v) => !v.ok);
    if (bad.length) {
      await Promise.all(stores.map((x) => x.delete(key).catch(() => {})));
      return await fail(`存储「${bad.map((v) => v.store).join('、')}」读回的移交信息包与写入时的摘要不符或无法读取 (a copy differs or cannot be read back)`, report);
    }

    const at = now();
    const [t] = await deps.db.transaction(async (tx) => {
      const r = await tx
        .update(transfers)
        .set({ status: 'stored', recordCount: codes.length, fileCount, totalBytes, objectKey: key, size: written.size, sha256: written.sha256, sm3: written.sm3, register: register as unknown as object, report: report as unknown as object, completedAt: at })
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
          payload: { records: codes.length, files: fileCount, bytes: totalBytes, size: written.size, sha256: written.sha256, sm3: written.sm3, stores: stores.map((s) => s.name), sealed: Boolean(deps.signing) },
        },
      ];
      await appendEvents(tx, events, { now: () => at });
      return r;
    });
    deps.log?.info({ transfer: id, records: codes.length, size: written.size }, 'transfer stored');
    return { status: 'stored', transfer: t };
  } catch (e) {
    await fail(`移交信息包生成失败 (building the package failed): ${(e as Error).message}`).catch(() => {});
    throw e;
  } finally {
    await rm(scratch, { recursive: true, force: true });
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
