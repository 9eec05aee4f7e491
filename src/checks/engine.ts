// The check engine: one reading pass over a package feeds every item; the findings become the
// four-property report. Checks never stop at the first failure.
import { basename } from 'node:path';
import type { Profile } from '../config/profile.ts';
import { itemMode } from '../config/profile.ts';
import type { FileSignatureVerifier, SignatureResult, TrustStore } from '../crypto/index.ts';
import type { Digests } from '../crypto/digest.ts';
import { assessContentFile, type Assessment } from '../formats/assess.ts';
import { pdfPool } from '../formats/pdf-pool.ts';
import { createFormatSampler } from '../formats/sample.ts';
import {
  ATTACHMENT,
  CATALOGUE_DEF,
  MAIN_DOCUMENT,
  RECORD_DEF,
  VOLUME_DEF,
  type Catalogue,
  type PackageDescription,
  type RecordMetadata,
  type VolumeMetadata,
} from '../metadata/index.ts';
import { fanOut, readPackage, type PackageItem } from '../package/index.ts';
import type { RawSource } from '../package/raw-source.ts';
import type { Scanner, ScanResult, ScanSession } from '../scan/index.ts';
import { finding, type Finding, type ItemNumber } from './finding.ts';
import { itemsFor, type Stage } from './items.ts';
import { buildReport, type PackageSummary, type Report } from './report.ts';
import { checkPackage as checkPackageRules, recordFacts, type HeldCatalogue, type RecordEntry, type RecordFacts } from './rules/package.ts';
import { chinaDate, checkRecord } from './rules/record.ts';
import { checkValues } from './rules/values.ts';
import { checkVolumes } from './rules/volume.ts';
import { checkKind } from './rules/kinds/index.ts';

/**
 * Signature verification (pkijs, sm-crypto, @noble/curves: ~35 MB) is loaded only for a package
 * that has signatures; the transfer rules only at stage transfer.
 */
let cryptoModule: Promise<typeof import('../crypto/index.ts')> | undefined;
const loadCrypto = () => (cryptoModule ??= import('../crypto/index.ts'));

/** Content files whose format checks may run at once (on the pdf.js workers), and their bytes. */
const MAX_PENDING_FILES = 16;
const MAX_PENDING_BYTES = 8 * 1024 * 1024;
/**
 * pdf.js goes to its worker threads for a package of this many entries or more. There pdf.js is
 * half the main thread's work (20,000 files: ~6 of ~18 s of CPU) and running it beside the reading
 * halves the time; in a package of few (large) files it is a small part of the time, while the
 * worker and its own pdf.js cost 40-60 MB of memory (1 GB of 2 MB PDFs: 186 -> 217 MB peak).
 */
const PDF_POOL_FROM_ENTRIES = 2000;

export interface CheckProgress {
  /** Content bytes read so far, and the total the listing declares. */
  bytes: number;
  totalBytes: number;
  files: number;
  totalFiles: number;
}

export interface CheckOptions {
  stage: Stage;
  profile: Profile;
  /** The virus scanner (the `none` driver when none is configured). */
  scanner: Scanner;
  /** CA certificates trusted for signatures; none means every signature is untrusted. */
  trust?: TrustStore;
  /** The clock (dates in the future, signing times). */
  now?: () => Date;
  /** What the service already holds (service mode): continuity and duplicates against it. */
  held?: HeldCatalogue;
  /** Service mode: whether the catalogue database answered (GD-3-2); undefined when checking offline. */
  databaseReachable?: boolean;
  /** Service mode: the fonds the submitter may submit to (GD-4-7). */
  submitterFonds?: readonly string[];
  /** Digests of the package file itself, when the caller has them (uploads are hashed on arrival). */
  packageDigests?: Digests;
  /** Shown in the report instead of the path's last segment. */
  packageName?: string;
  onProgress?: (p: CheckProgress) => void;
  tool: { name: string; version: string };
  /** Stage transfer: the register to check against (default: the package's 移交登记表.xml); `building` while it is made. */
  transfer?: { register?: Uint8Array; building?: boolean };
  /** pdf.js on worker threads: for packages of many files (default), always, or never. */
  pdfWorkers?: 'auto' | 'always' | 'never';
  /** Read this source instead of `path` (a transfer package being built: see src/transfer/build-source.ts). */
  source?: RawSource;
  /** Every file as the check reads it (ingest: copies to the stores in the same read). */
  sink?: PackageSink;
}

/** A file read whole: package files, manifests, seals, volume and record metadata. */
export type WholeItem = Exclude<PackageItem, { kind: 'content' | 'other' }>;
/** A file streamed once: a record's content file, or any other file of the package. */
export type StreamedItem = Extract<PackageItem, { kind: 'content' | 'other' }>;

/**
 * Service mode: what the check reads, handed on as it reads it, so that ingest writes the package to
 * its stores from the check's one read instead of reading (and hashing) it again. Called in package
 * order; a sink's failure never changes the check (the sink keeps it for its owner).
 */
export interface PackageSink {
  /** Resolves when the sink can take the next file (its own backpressure). */
  whole(item: WholeItem): Promise<void>;
  /** The very chunks the check reads; resolve once they are taken (the read waits for the slowest consumer). */
  streamed(item: StreamedItem, chunks: AsyncIterable<Uint8Array>): Promise<void>;
}

/** The record being read: its content files follow it. Once they are read only `entry` is kept. */
interface RecordState {
  entry: RecordEntry<RecordFacts>;
  record?: RecordMetadata;
  fileNames: string[];
  /** Content files seen, by name. */
  seen: Map<string, { size: number }>;
}

/** Runs every item of the stage over the package at `path` and returns the report. */
export async function checkPackage(path: string, opts: CheckOptions): Promise<Report> {
  const started = (opts.now ?? (() => new Date()))();
  const now = opts.now ?? (() => new Date());
  const { profile } = opts;
  let trustStore = opts.trust;
  const getTrust = async (): Promise<TrustStore> => (trustStore ??= (await loadCrypto()).createTrustStore([]));
  const findings: Finding[] = [];
  // Format checks run while the next files are read; their findings go back in file order (see merge).
  // In flight, oldest first (at most MAX_PENDING_FILES); then only those that found something.
  const pending: { at: number; bytes: number; findings: Promise<Finding[]> }[] = [];
  const formatFindings: { at: number; list: Finding[] }[] = [];
  let pendingBytes = 0;
  let pdfOptions: { pdfPool?: ReturnType<typeof pdfPool> } = {};
  const ran = new Set<ItemNumber>();
  const skipped = new Map<ItemNumber, string>();
  const today = chinaDate(started);

  const reader = await readPackage(path, { limits: profile.limits, raw: opts.source });
  let description: PackageDescription | undefined;
  let catalogue: Catalogue | undefined;
  const wholeFiles = new Map<string, { bytes?: Uint8Array; digests?: Digests }>();
  const seals: { path: string; signedPath: string; bytes?: Uint8Array }[] = [];
  const volumes: { folder: string; volume?: VolumeMetadata }[] = [];
  // What the package-wide rules need of each record once its own items ran: its facts only, or
  // the whole model for a record kind whose rules read more (a whole model is ~2 KB).
  const records: RecordEntry<RecordFacts>[] = [];
  const wholeRecords: RecordEntry[] | undefined = profile.kind === 'document' ? undefined : [];
  let current: RecordState | undefined;
  // GD-1-11, 2-7, 2-8 of each record as it is finished; reported after the format checks, as before
  const namedFileFindings: Finding[] = [];
  // 目录文件 and manifests are kept whole only for what reads them later: a package seal, the transfer checks
  const keepWholeBytes = opts.stage === 'transfer' || reader.source.entries.some((e) => e.path.toLowerCase().endsWith('.p7s'));
  const native = reader.layout === 'native' || reader.layout === 'bagit-native';
  let contentFiles = 0;
  let contentBytes = 0;
  let scannedFiles = 0;
  const totalBytes = reader.source.entries.reduce((n, e) => n + e.size, 0);
  const pdfWorkers = opts.pdfWorkers ?? 'auto';
  if (pdfWorkers === 'always' || (pdfWorkers === 'auto' && reader.source.entries.length >= PDF_POOL_FROM_ENTRIES)) pdfOptions = { pdfPool: pdfPool() };
  const progress: CheckProgress = { bytes: 0, totalBytes, files: 0, totalFiles: reader.source.entries.length };

  // GD-4-1: is there a scanner, and does it answer?
  let scanner: Scanner | undefined;
  if (!opts.scanner.configured) {
    if (profile.virusScan === 'required') findings.push(finding('4-1', 'package', '检测方案要求病毒检测，但未配置杀毒软件 (no virus scanner configured: set CLAMD_HOST or CLAMD_SOCKET)'));
    else skipped.set('4-1', '未配置杀毒软件，本检测方案不要求 (no scanner configured; the profile does not require one)');
  } else {
    try {
      await opts.scanner.ping();
      scanner = opts.scanner;
      ran.add('4-1');
    } catch (e) {
      findings.push(finding('4-1', 'package', `杀毒软件无法访问 (the virus scanner does not answer): ${(e as Error).message}`));
    }
  }
  if (scanner) ran.add('4-2');
  else skipped.set('4-2', opts.scanner.configured ? '杀毒软件无法访问，未扫描 (scanner unreachable: see GD-4-1)' : '未配置杀毒软件 (no scanner configured)');

  try {
    for await (const item of reader.items()) {
      if (opts.sink && item.kind !== 'content' && item.kind !== 'other') await opts.sink.whole(item);
      switch (item.kind) {
        case 'description':
          description = item.parsed?.value;
          break;
        case 'catalogue':
          catalogue = item.parsed?.value;
          if (catalogue) {
            // The later rules need the entries, not every leaf (~1 KB per entry); nor does checkValues,
            // which would otherwise index every leaf's line (10,000 entries: ~90,000) for nothing.
            catalogue.leaves = [];
            findings.push(...checkValues(CATALOGUE_DEF, catalogue, item.path, profile));
          }
          wholeFiles.set(item.path, { bytes: keepWholeBytes ? item.bytes : undefined, digests: item.digests });
          break;
        case 'manifest':
          wholeFiles.set(item.path, { bytes: keepWholeBytes ? item.bytes : undefined, digests: item.digests });
          break;
        case 'signature':
          seals.push({ path: item.path, signedPath: item.signedPath, bytes: item.bytes });
          break;
        case 'volume': {
          const v = item.parsed?.value;
          volumes.push({ folder: item.folder, volume: v });
          if (v) findings.push(...checkValues(VOLUME_DEF, v, item.folder, profile));
          break;
        }
        case 'record': {
          finishRecord();
          const record = item.parsed?.value;
          current = { entry: { target: item.folder, record: record && recordFacts(record), volume: item.volume }, record, fileNames: item.fileNames, seen: new Map() };
          records.push(current.entry);
          wholeRecords?.push({ target: item.folder, record, volume: item.volume });
          if (record) {
            findings.push(...checkValues(RECORD_DEF, record, item.folder, profile));
            findings.push(...checkRecord(record, { profile, today, folderName: basename(item.folder), target: item.folder }));
            if (opts.submitterFonds && record.archivalCode?.fonds !== undefined && !opts.submitterFonds.includes(record.archivalCode.fonds)) {
              findings.push(finding('4-7', item.folder, `提交方无权提交全宗 ${record.archivalCode.fonds} 的档案 (outside the submitter's fonds)`, { expected: opts.submitterFonds.join(','), actual: record.archivalCode.fonds }));
            }
            // The package-wide rules need the fields, not every leaf again: keep memory flat in the record count.
            record.leaves = [];
          }
          break;
        }
        case 'content':
        case 'other': {
          const isContent = item.kind === 'content' && item.folder !== undefined;
          const outcome = await readContent(item, isContent ? item : undefined);
          if (isContent) {
            contentFiles++;
            contentBytes += outcome.size;
            const name = item.path.slice(item.folder!.length + 1);
            current?.seen.set(name, { size: outcome.size });
          } else if (item.kind === 'content') {
            // a bag's payload without the native layout: counted, scanned, identified
            contentFiles++;
            contentBytes += outcome.size;
          }
          break;
        }
      }
    }
    finishRecord();
    await merge();
  } finally {
    await reader.close();
  }
  findings.push(...reader.findings);

  /**
   * The current record's content files are all read: GD-1-11, 2-7 and 2-8 for the files its metadata
   * names, then everything of it but its entry is let go.
   */
  function finishRecord() {
    const r = current;
    current = undefined;
    if (!r || !native) return;
    // Files named in metadata: present (GD-1-11), attachments (GD-2-8), a main document present (GD-2-7)
    for (const f of r.record?.files ?? []) {
      const name = f.fileName;
      if (!name) continue;
      const seen = r.seen.get(name);
      const target = `${r.entry.target}/${name}`;
      if (!seen && !r.fileNames.includes(name)) {
        const sameButCase = r.fileNames.find((n) => n.toLowerCase() === name.toLowerCase() || n.normalize('NFC') === name.normalize('NFC'));
        namedFileFindings.push(finding('1-11', target, `元数据所列文件不存在 (file named in metadata is missing)${sameButCase ? `；文件夹中有 ${sameButCase}` : ''}`, { expected: name }));
        if (sameButCase) namedFileFindings.push(finding('1-9', target, `计算机文件名记为 ${name}，实为 ${sameButCase} (recorded name differs)`, { expected: name, actual: sameButCase }));
        if (f.role === ATTACHMENT) namedFileFindings.push(finding('2-8', target, '附属文档缺失 (attachment missing)'));
        if (f.role === MAIN_DOCUMENT) namedFileFindings.push(finding('2-7', target, '主文档缺失 (main document missing)'));
      } else if (seen && seen.size === 0 && f.role === ATTACHMENT) {
        namedFileFindings.push(finding('2-8', target, '附属文档为空 (attachment is empty)'));
      }
    }
  }

  /** Waits for the oldest format checks until at most `files` (and MAX_PENDING_BYTES) are in flight. */
  async function settle(files: number) {
    while (pending.length > 0 && (pending.length > files || pendingBytes > MAX_PENDING_BYTES)) {
      const p = pending.shift()!;
      const list = await p.findings;
      pendingBytes -= p.bytes;
      if (list.length > 0) formatFindings.push({ at: p.at, list });
    }
  }

  /** Every format check done: its findings where they would have been, had each been awaited in turn. */
  async function merge() {
    await settle(0);
    if (formatFindings.length === 0) return;
    const merged: Finding[] = [];
    let from = 0;
    for (const p of formatFindings) {
      for (; from < p.at; from++) merged.push(findings[from]);
      for (const f of p.list) merged.push(f);
    }
    for (; from < findings.length; from++) merged.push(findings[from]);
    replaceAll(findings, merged);
    formatFindings.length = 0;
  }

  /** Reads one file once: sampler, signature verifiers and scanner see every chunk. */
  async function readContent(item: Extract<PackageItem, { kind: 'content' | 'other' }>, content: Extract<PackageItem, { kind: 'content' }> | undefined) {
    const described = content?.described;
    const target = item.path;
    const sampler = createFormatSampler({ maxBuffered: profile.limits.maxBufferedFileBytes });
    const verifiers: { v: FileSignatureVerifier; at: string }[] = [];
    const signatures = described?.signatures ?? [];
    const trust = signatures.length > 0 ? await getTrust() : undefined;
    for (const s of signatures) {
      verifiers.push({
        v: (await loadCrypto()).createFileSignatureVerifier({ algorithm: s.algorithm ?? '', value: s.value ?? '', certificate: s.certificate ?? '', signingTime: s.signedAt }, trust!, { now: now() }),
        at: s.at,
      });
    }
    const needBytes = verifiers.filter((x) => x.v.needsBytes);
    const scan: ScanSession | undefined = scanner?.startScan();
    let size = 0;
    const consume = async (chunks: AsyncIterable<Uint8Array>) => {
      try {
        for await (const chunk of chunks) {
          size += chunk.byteLength;
          sampler.update(chunk);
          for (const x of needBytes) x.v.update(chunk);
          if (scan) await scan.write(chunk);
          progress.bytes += chunk.byteLength;
          opts.onProgress?.(progress);
        }
      } catch {
        // the reader records why the read stopped (corrupt entry, limit); see `result`
      }
    };
    const sink = opts.sink;
    if (sink) await fanOut(item.stream, [consume, (chunks) => sink.streamed(item, chunks)]);
    else await consume(item.stream);
    progress.files++;
    const result = await item.result;
    const scanResult: ScanResult | undefined = scan ? (result.ok ? await scan.finish() : (scan.abort('read failed'), await scan.finish())) : undefined;
    if (scanResult?.status === 'infected') findings.push(finding('4-2', target, `发现病毒 ${scanResult.signature} (infected)`, { actual: scanResult.signature }));
    else if (scanResult?.status === 'error' && result.ok) findings.push(finding('4-2', target, `病毒扫描未完成 (the file could not be scanned): ${scanResult.reason}`));
    if (scanResult) scannedFiles++;
    if (!result.ok) return { size, ok: false };
    const digests = result.digests;

    if (item.kind === 'other' && !content) {
      // not a record's file (litter, stray file): the reader reported it; still scanned above
      return { size: digests.size, ok: true };
    }

    // GD-2-7 empty file; GD-1-1 recorded digest; GD-1-9 recorded size
    if (digests.size === 0) findings.push(finding('2-7', target, '文件为空（0 字节）(empty file)'));
    if (described) {
      const recordedDigest = described.digest?.trim();
      const algorithm = description?.digestAlgorithm;
      if (recordedDigest && /^[0-9a-fA-F]{64}$/.test(recordedDigest)) {
        const want = recordedDigest.toLowerCase();
        const actual = algorithm === 'sm3' ? digests.sm3 : algorithm === 'sha256' ? digests.sha256 : undefined;
        if (actual !== undefined && actual !== want) {
          findings.push(finding('1-1', target, `数字摘要与文件不符：文件已改动或摘要有误 (recorded ${algorithm?.toUpperCase()} differs from the file)`, { expected: want, actual }));
        } else if (actual === undefined && want !== digests.sm3 && want !== digests.sha256) {
          findings.push(finding('1-1', target, '数字摘要与文件的 SM3 和 SHA-256 均不符（说明文件未给出有效的摘要算法）(digest matches neither SM3 nor SHA-256)', { expected: want, actual: digests.sm3 }));
        }
      }
      const recordedSize = described.size?.trim();
      if (recordedSize && /^\d+$/.test(recordedSize) && Number(recordedSize) !== digests.size) {
        findings.push(finding('1-9', target, `计算机文件大小记为 ${recordedSize}，实为 ${digests.size} 字节 (recorded size differs)`, { expected: recordedSize, actual: String(digests.size) }));
      }
      for (const { v, at } of verifiers) {
        const r: SignatureResult = v.finish({ sha256: digests.sha256 });
        if (!r.ok) findings.push(finding('1-1', target, `电子签名无效 ${at}：${r.message}${trust!.anchors.length === 0 && r.status === 'untrusted' ? '（未配置信任的 CA 证书：DANGAN_TRUST_DIR）' : ''}`, { actual: r.status }));
      }
      if (profile.requireFileSignatures && verifiers.length === 0) findings.push(finding('1-1', target, '检测方案要求电子签名，但此文件没有 (the profile requires a file signature)'));
    } else if (content) {
      findings.push(finding('2-11', target, '件文件夹中有元数据未列出的文件 (a file no metadata lists)'));
    }

    // GD-1-10, GD-3-3, GD-3-4, GD-3-8 (and GD-1-5 for a digitised file's resolution): PDFs on the
    // pdf.js workers while the next files are read
    const assessed = assessContentFile(
      sampler.finish(),
      {
        target,
        recordedFormat: described?.format,
        recordedResolution: profile.kind === 'digitized' ? described?.digitization?.resolution : undefined,
        formats: profile.formats,
        minDpi: profile.minScanDpi,
      },
      pdfOptions,
    ).then((a: Assessment) => [...a.findings, ...a.skipped.map((s) => finding(s.item, s.target, `未检测 (not checked): ${s.reason}`, { severity: 'warn' }))]);
    assessed.catch(() => {}); // awaited (and thrown) in merge(); never unhandled meanwhile
    pending.push({ at: findings.length, bytes: digests.size, findings: assessed });
    pendingBytes += digests.size;
    await settle(MAX_PENDING_FILES);
    return { size: digests.size, ok: true };
  }

  if (native) {
    // GD-1-12: 说明文件 and 目录文件 present
    if (!description && !reader.source.entry('说明文件.txt')) findings.push(finding('1-12', '说明文件.txt', '缺少说明文件 (说明文件.txt missing)'));
    if (!catalogue && !reader.source.entry('目录文件.xml')) findings.push(finding('1-12', '目录文件.xml', '缺少目录文件 (目录文件.xml missing)'));

    findings.push(...namedFileFindings);

    // Package-level rules
    findings.push(
      ...checkPackageRules({
        description,
        descriptionPath: '说明文件.txt',
        catalogue,
        cataloguePath: '目录文件.xml',
        records,
        contentFiles,
        contentBytes,
        held: opts.held,
      }),
    );
    findings.push(...checkVolumes(volumes, records, profile));
    const kind = checkKind({ profile, description, records: wholeRecords ?? [], volumes, today });
    // Timeliness is about archiving: a transfer years later is not late archiving.
    const timely = opts.stage === 'archiving';
    findings.push(...kind.findings.filter((f) => timely || f.item !== '2-12'));
    for (const [n, reason] of kind.notApplicable) skipped.set(n, reason);
    if (!timely) skipped.set('2-12', '归档及时性只在归档阶段检测 (timeliness is checked at archiving only)');

    // GD-1-14 (and GD-1-1): the package seal
    for (const s of seals) {
      const trust = await getTrust();
      const { verifyDetachedCms } = await loadCrypto();
      const signed = wholeFiles.get(s.signedPath);
      if (!s.bytes) continue;
      if (!signed?.bytes) {
        findings.push(finding('1-14', s.path, `签名所覆盖的文件 ${s.signedPath} 不存在或无法读取 (the signed file is missing)`));
        continue;
      }
      const r = verifyDetachedCms(s.bytes, signed.bytes, trust, { now: now() });
      if (!r.ok) {
        const hint = trust.anchors.length === 0 && r.status === 'untrusted' ? '（未配置信任的 CA 证书：DANGAN_TRUST_DIR）' : '';
        findings.push(finding('1-14', s.path, `信息包签名无效：${r.message}${hint}`, { actual: r.status }));
        findings.push(finding('1-1', s.path, `信息包签名无效：${r.message}${hint}`, { actual: r.status }));
      }
    }
    if (profile.requireSeal && seals.length === 0) findings.push(finding('1-14', 'package', '检测方案要求信息包签名（签名/*.p7s），但没有 (the profile requires a package seal)'));
  }

  if (opts.stage === 'transfer') {
    const { checkTransfer } = await import('./rules/transfer.ts');
    const t = await checkTransfer({ ...opts.transfer, path, native, findings, records, volumes: volumes.length, contentFiles, contentBytes, wholeFiles, seals, trust: await getTrust(), now: now(), limits: profile.limits });
    replaceAll(findings, t.findings);
    for (const [n, reason] of t.skipped) skipped.set(n, reason);
  }

  // Which items ran, and why the others did not
  const applicable = itemsFor(opts.stage);
  for (const n of applicable.keys()) {
    if (skipped.has(n) || ran.has(n)) continue;
    if (itemMode(profile, n) === 'off') {
      skipped.set(n, '检测方案已关闭此项 (switched off in the profile)');
      continue;
    }
    if (!native && !['1-13', '1-14', '2-7', '2-11', '3-3', '3-4', '3-8', '4-1', '4-2', '4-3', '1-10'].includes(n)) {
      skipped.set(n, 'BagIt 包中不是规定的信息包结构，此项不适用 (not applicable: a bag without the native layout)');
      continue;
    }
    if (n === '3-2' && opts.databaseReachable === undefined) {
      skipped.set(n, '离线检测，不访问目录数据库 (checked offline: no catalogue database)');
      continue;
    }
    ran.add(n);
  }
  if (opts.databaseReachable === false) findings.push(finding('3-2', 'package', '目录数据库无法访问 (the catalogue database cannot be reached)'));
  void scannedFiles;

  const summary: PackageSummary = {
    name: opts.packageName ?? basename(path),
    layout: reader.layout === 'bagit-native' ? 'bagit-native' : reader.layout === 'bagit' ? 'bagit' : 'native',
    records: records.length,
    files: contentFiles,
    bytes: contentBytes,
    ...(opts.packageDigests ? { sha256: opts.packageDigests.sha256, sm3: opts.packageDigests.sm3 } : {}),
  };
  return buildReport({
    stage: opts.stage,
    package: summary,
    profile: profile.name,
    findings: findings.filter((f) => applicable.has(f.item)),
    ran,
    skipped,
    modes: (n) => itemMode(profile, n),
    startedAt: started,
    finishedAt: now(),
    tool: opts.tool,
  });
}

/** Replaces the list's contents in place (a spread into splice overflows the stack past ~100,000 findings). */
function replaceAll<T>(list: T[], items: readonly T[]): void {
  if (list === items) return;
  list.length = 0;
  for (const x of items) list.push(x);
}
