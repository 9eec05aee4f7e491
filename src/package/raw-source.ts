// What the ZIP and directory readers hand to openPackage before layout and BagIt are decided.
import { finding, type Finding } from '../checks/finding.ts';
import type { PackageLimits } from './limits.ts';
import { findCollisions } from './names.ts';
import type { EntryStream, OpenOptions, PackageEntry } from './types.ts';

export interface RawSource {
  readonly form: 'zip' | 'directory';
  /** Files only, in listing order. */
  readonly entries: PackageEntry[];
  /** Folder paths the listing names explicitly or implies (no trailing slash). */
  readonly folders: Set<string>;
  readonly findings: Finding[];
  open(path: string, options?: OpenOptions): Promise<EntryStream>;
  close(): Promise<void>;
}

/** Marks an entry unreadable and records why. */
export function block(entry: PackageEntry, sink: Finding[], f: Finding): void {
  entry.readable = false;
  sink.push(f);
}

export function addParentFolders(path: string, folders: Set<string>): void {
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) folders.add(path.slice(0, i));
}

/** Checks every listing needs: the total size limit (declared) and NFC/case collisions. */
export function checkListing(entries: PackageEntry[], findings: Finding[], limits: PackageLimits): void {
  const total = entries.reduce((s, e) => s + e.size, 0);
  if (total > limits.maxTotalBytes) {
    findings.push(finding('3-8', 'package', `信息包声明的总大小 ${total} 字节超过上限 ${limits.maxTotalBytes} (package too large: zip bomb?)`, { expected: `<=${limits.maxTotalBytes}`, actual: String(total) }));
    for (const e of entries) e.readable = false;
  }
  const { blocked, findings: collisions } = findCollisions(entries.map((e) => e.path));
  findings.push(...collisions);
  for (const e of entries) if (blocked.has(e.path)) e.readable = false;
}
