// What the ZIP and directory readers hand to openPackage before layout and BagIt are decided.
import type { Finding } from '../checks/finding.ts';
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
