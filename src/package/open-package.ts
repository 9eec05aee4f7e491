// openPackage: one PackageSource over a ZIP file, a directory, or a BagIt bag in either form.
import { stat } from 'node:fs/promises';
import { finding, type Finding } from '../checks/finding.ts';
import { openBag } from './bag-source.ts';
import { openDirectory } from './dir-source.ts';
import { resolveLimits, type PackageLimits } from './limits.ts';
import type { RawSource } from './raw-source.ts';
import type { BagSummary, EntryStream, OpenOptions, PackageEntry, PackageLayout, PackageSource } from './types.ts';
import { openZip } from './zip-source.ts';

export interface OpenPackageOptions {
  limits?: Partial<PackageLimits>;
  /** An already listed source to read instead of `path` (a transfer package being built from the stores). */
  raw?: RawSource;
}

/** Archive formats by name; a nested archive is never opened (GD-3-8). */
const ARCHIVE_NAME = /\.(zip|zipx|rar|7z|tar|tgz|tbz2?|txz|gz|bz2|xz|zst|lz|lzma|z|cab|arj|lzh|lha|iso|jar|war|z\d\d)$/i;

/**
 * Opens a package for reading. Throws only when `path` cannot be read at all (missing,
 * permission); everything wrong with the package itself is in `findings`.
 */
export async function openPackage(path: string, options: OpenPackageOptions = {}): Promise<PackageSource> {
  const limits = resolveLimits(options.limits);
  const raw = options.raw ?? ((await stat(path)).isDirectory() ? await openDirectory(path, limits) : await openZip(path, limits));
  const root = findRoot(raw);

  if (hasFile(raw, `${root}bagit.txt`)) {
    const bag = await openBag(raw, root, limits);
    const layout: PackageLayout = isNative(bag.entries) ? 'bagit-native' : 'bagit';
    flagNestedArchives(bag.entries, raw.findings);
    return source(raw, layout, bag.entries, (p, o) => bag.open(p, o), () => bag.finish(), bag.bag);
  }
  const entries = root === '' ? raw.entries : raw.entries.map((e) => ({ ...e, path: e.path.slice(root.length) }));
  flagNestedArchives(entries, raw.findings);
  return source(raw, isNative(entries) ? 'native' : 'unknown', entries, (p, o) => raw.open(root + p, o), () => []);
}

function source(
  raw: RawSource,
  layout: PackageLayout,
  entries: PackageEntry[],
  open: (path: string, options?: OpenOptions) => Promise<EntryStream>,
  finish: () => Finding[],
  bag?: BagSummary,
): PackageSource {
  const byPath = new Map<string, PackageEntry>();
  for (const e of entries) if (!byPath.has(e.path)) byPath.set(e.path, e);
  return {
    form: raw.form,
    layout,
    entries,
    findings: raw.findings,
    bag,
    entry: (p) => byPath.get(p),
    async open(p, o) {
      const e = byPath.get(p);
      if (!e || !e.readable) throw new Error(`package: entry not readable: ${p}`);
      return open(p, o);
    },
    finish,
    close: () => raw.close(),
  };
}

function hasFile(raw: RawSource, path: string): boolean {
  return raw.entries.some((e) => e.path === path);
}

/**
 * The package root inside the listing: '' normally; 'X/' when everything sits in one top folder X
 * that holds bagit.txt or 说明文件.txt (a folder zipped as a whole, or a serialised bag).
 */
function findRoot(raw: RawSource): string {
  if (raw.entries.length === 0) return '';
  if (hasFile(raw, 'bagit.txt') || hasFile(raw, '说明文件.txt')) return '';
  const first = raw.entries[0].path;
  const slash = first.indexOf('/');
  if (slash <= 0) return '';
  const top = first.slice(0, slash + 1);
  if (!raw.entries.every((e) => e.path.startsWith(top))) return '';
  return hasFile(raw, `${top}bagit.txt`) || hasFile(raw, `${top}说明文件.txt`) ? top : '';
}

function isNative(entries: readonly PackageEntry[]): boolean {
  return entries.some((e) => e.path === '说明文件.txt' || e.path === '目录文件.xml' || e.path === '元数据.xml' || e.path.endsWith('/元数据.xml'));
}

function flagNestedArchives(entries: readonly PackageEntry[], sink: Finding[]): void {
  for (const e of entries) {
    if (ARCHIVE_NAME.test(e.path)) sink.push(finding('3-8', e.path, '信息包内含压缩包，不予展开 (nested archive inside the package)'));
  }
}
