// readPackage: the one pass over a package. Yields package files, volumes and records parsed,
// and every other file as a stream read once and hashed while read; checks the package
// manifests and the bag's manifests against those same digests.
import type { Finding } from '../checks/finding.ts';
import { finding } from '../checks/finding.ts';
import {
  parseCatalogue,
  parseDescription,
  parseRecordMetadata,
  parseVolumeMetadata,
  type Catalogue,
  type ElectronicFile,
  type PackageDescription,
  type ParseResult,
  type RecordMetadata,
  type VolumeMetadata,
} from '../metadata/index.ts';
import { MANY_ENTRIES, tightenHeapGrowth } from './heap.ts';
import { classifyNative, isLitter, SIGNATURE_FOLDER, type OtherReason } from './layout.ts';
import { resolveLimits } from './limits.ts';
import { openPackage, type OpenPackageOptions } from './open-package.ts';
import { ManifestCheck, parsePackageManifest, type PackageManifestLine } from './package-manifest.ts';
import type { EntryDigests, EntryReadResult, EntryStream, PackageEntry, PackageLayout, PackageSource } from './types.ts';

export type ReadPackageOptions = OpenPackageOptions;

/** A small file read whole (package files and metadata); `bytes` undefined when over the limit or unreadable. */
interface WholeFile {
  path: string;
  entry: PackageEntry;
  bytes: Uint8Array | undefined;
  digests: EntryDigests | undefined;
}

export type DescriptionItem = WholeFile & { kind: 'description'; parsed: ParseResult<PackageDescription> | undefined };
export type CatalogueItem = WholeFile & { kind: 'catalogue'; parsed: ParseResult<Catalogue> | undefined };
export type ManifestItem = WholeFile & { kind: 'manifest'; algorithm: 'sm3' | 'sha256'; lines: PackageManifestLine[] };
/** 签名/<file>.p7s: a detached CMS signature over `signedPath`. */
export type SignatureItem = WholeFile & { kind: 'signature'; signedPath: string };
export type VolumeItem = WholeFile & { kind: 'volume'; folder: string; parsed: ParseResult<VolumeMetadata> | undefined };
export type RecordItem = WholeFile & {
  kind: 'record';
  folder: string;
  /** The volume folder holding the record, if any. */
  volume?: string;
  parsed: ParseResult<RecordMetadata> | undefined;
  /** Names of the content files in the folder, in the order they will be yielded. */
  fileNames: string[];
};

/** A file streamed once. Iterate `stream` (or hand it to fanOut) before asking for the next item. */
interface StreamedFile {
  path: string;
  entry: PackageEntry;
  size: number;
  /** The bytes, once. Breaking out early is fine: the reader drains and hashes the rest. */
  stream: AsyncIterable<Uint8Array>;
  /** Digests (SM3, SHA-256, size) once the read ended, or the finding that stopped it. */
  result: Promise<EntryReadResult>;
}
export type ContentItem = StreamedFile & {
  kind: 'content';
  /** The record folder; undefined in a bag without the native layout (its payload files). */
  folder?: string;
  record?: RecordMetadata;
  /** The <电子文件> whose 计算机文件名 names this file, if any. */
  described?: ElectronicFile;
};
export type OtherItem = StreamedFile & { kind: 'other'; reason: OtherReason };

export type PackageItem = DescriptionItem | CatalogueItem | ManifestItem | SignatureItem | VolumeItem | RecordItem | ContentItem | OtherItem;

export interface PackageReader {
  readonly source: PackageSource;
  readonly layout: PackageLayout;
  /**
   * Everything found while reading: the entry layer's, the layout's, the parsers', the manifests'
   * and the bag's. Complete once `items()` has been iterated to its end.
   */
  readonly findings: Finding[];
  /** The single pass. Call once. */
  items(): AsyncGenerator<PackageItem, void, undefined>;
  close(): Promise<void>;
}

/** Opens a package and prepares its single reading pass. */
export async function readPackage(path: string, options: ReadPackageOptions = {}): Promise<PackageReader> {
  const limits = resolveLimits(options.limits);
  const source = await openPackage(path, options);
  const releaseHeap = source.entries.length >= MANY_ENTRIES ? tightenHeapGrowth() : undefined;
  const findings = source.findings;
  const native = source.layout === 'native' || source.layout === 'bagit-native';
  const layout = native ? classifyNative(source.entries) : undefined;
  if (layout) findings.push(...layout.findings);
  if (source.layout === 'unknown' && source.entries.length > 0) {
    findings.push(finding('1-13', 'package', '信息包既不是规定的目录结构也不是 BagIt 包：缺少 说明文件.txt、目录文件.xml 和 元数据.xml (not the package layout)'));
  }
  if (source.entries.length === 0 && findings.length === 0) findings.push(finding('1-13', 'package', '信息包为空 (the package holds no files)'));
  const manifests: ManifestCheck[] = [];
  let started = false;

  /** Reads a small file whole, hashing it in the same pass. */
  async function whole(entry: PackageEntry, compare = true): Promise<WholeFile> {
    const base = { path: entry.path, entry, bytes: undefined, digests: undefined };
    if (!entry.readable) return base;
    const keep = entry.size <= limits.maxMetadataBytes;
    if (!keep) findings.push(finding('3-1', entry.path, `文件超过 ${limits.maxMetadataBytes} 字节，未解析 (file too large to parse)`, { actual: String(entry.size) }));
    const s = await source.open(entry.path, { inlineDigest: true });
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => keep && chunks.push(c));
    const r = await s.result;
    if (!r.ok) return base;
    if (compare) hashed(entry.path, r.digests);
    return { ...base, bytes: keep ? Buffer.concat(chunks) : undefined, digests: r.digests };
  }

  function hashed(path: string, d: EntryDigests): void {
    for (const m of manifests) m.hashed(path, m.algorithm === 'sm3' ? d.sm3 : d.sha256);
  }

  /** Opens a file for streaming; the previous one must have been drained (see drain()). */
  async function streamed(entry: PackageEntry): Promise<StreamedFile & { raw: EntryStream }> {
    const raw = await source.open(entry.path);
    let taken = false;
    const stream: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]() {
        if (taken) throw new Error('package: a content stream can be read once');
        taken = true;
        return raw.iterator({ destroyOnReturn: false });
      },
    };
    const result = raw.result.then((r) => {
      if (r.ok) hashed(entry.path, r.digests);
      return r;
    });
    return { path: entry.path, entry, size: entry.size, stream, result, raw };
  }

  /** Reads whatever the consumer left, so every byte is hashed; errors are in `result`. */
  async function drain(f: { raw: EntryStream; result: Promise<EntryReadResult> }): Promise<void> {
    try {
      for await (const _ of f.raw.iterator({ destroyOnReturn: false })) void _;
    } catch {
      // reported through result
    }
    await f.result;
  }

  const parseOpts = { maxBytes: limits.maxMetadataBytes };
  function parsed<T>(file: WholeFile, parse: (b: Uint8Array, p: string, o: typeof parseOpts) => ParseResult<T>): ParseResult<T> | undefined {
    if (!file.bytes) return undefined;
    const r = parse(file.bytes, file.path, parseOpts);
    findings.push(...r.findings);
    return r;
  }

  async function* items(): AsyncGenerator<PackageItem, void, undefined> {
    if (started) throw new Error('package: items() can be called once');
    started = true;
    if (!layout) {
      // a bag without the native layout, or an unknown layout: every file is payload
      for (const entry of source.entries) {
        if (!entry.readable) continue;
        const f = await streamed(entry);
        if (isLitter(entry.path)) {
          findings.push(finding('4-3', entry.path, '操作系统产生的多余文件 (OS litter)', { severity: 'warn' }));
          yield { ...strip(f), kind: 'other', reason: 'litter' };
        } else yield { ...strip(f), kind: 'content' };
        await drain(f);
      }
      source.finish();
      return;
    }

    // Manifests first, so every other file is compared as it is hashed.
    const manifestItems: ManifestItem[] = [];
    for (const m of layout.manifests) {
      const file = await whole(m.entry, false);
      const lines = file.bytes ? parsePackageManifest(file.bytes, file.path, limits, findings) : [];
      if (file.bytes) manifests.push(new ManifestCheck(file.path, m.algorithm, lines, findings));
      manifestItems.push({ ...file, kind: 'manifest', algorithm: m.algorithm, lines });
    }
    for (const m of manifests) for (const item of manifestItems) if (item.digests && item.path !== m.file) hashed(item.path, item.digests);

    if (layout.description) {
      const file = await whole(layout.description);
      yield { ...file, kind: 'description', parsed: parsed(file, parseDescription) };
    }
    if (layout.catalogue) {
      const file = await whole(layout.catalogue);
      yield { ...file, kind: 'catalogue', parsed: parsed(file, parseCatalogue) };
    }
    yield* manifestItems;
    for (const e of layout.signatures) {
      const file = await whole(e);
      yield { ...file, kind: 'signature', signedPath: e.path.slice(SIGNATURE_FOLDER.length + 1, -'.p7s'.length) };
    }

    for (const unit of layout.units) {
      if (unit.kind === 'volume') {
        const file = await whole(unit.metadata);
        yield { ...file, kind: 'volume', folder: unit.path, parsed: parsed(file, parseVolumeMetadata) };
        continue;
      }
      const file = await whole(unit.metadata);
      const result = parsed(file, parseRecordMetadata);
      const record = result?.value;
      const folder = unit.folder.path;
      const names = unit.folder.files.map((e) => e.path.slice(folder.length + 1));
      yield { ...file, kind: 'record', folder, volume: unit.folder.volume, parsed: result, fileNames: names };
      for (const entry of unit.folder.files) {
        if (!entry.readable) continue;
        const name = entry.path.slice(folder.length + 1);
        const f = await streamed(entry);
        yield { ...strip(f), kind: 'content', folder, record, described: record?.files.find((x) => x.fileName === name) };
        await drain(f);
      }
    }

    for (const o of layout.others) {
      if (!o.entry.readable) continue;
      const f = await streamed(o.entry);
      yield { ...strip(f), kind: 'other', reason: o.reason };
      await drain(f);
    }
    for (const m of manifests) m.finish();
    source.finish();
  }

  return {
    source,
    layout: source.layout,
    findings,
    items,
    close: () => {
      releaseHeap?.();
      return source.close();
    },
  };
}

function strip<T extends { raw: unknown }>(f: T): Omit<T, 'raw'> {
  const { raw: _raw, ...rest } = f;
  return rest;
}
