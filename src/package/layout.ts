// Sorts a native package's files into their roles: package files, volume and record folders,
// content files, and everything else (OS litter, stray files) — from the listing alone.
import { finding, type Finding } from '../checks/finding.ts';
import type { PackageEntry } from './types.ts';

export const DESCRIPTION_FILE = '说明文件.txt';
export const CATALOGUE_FILE = '目录文件.xml';
export const RECORD_METADATA_FILE = '元数据.xml';
export const VOLUME_METADATA_FILE = '案卷元数据.xml';
export const PACKAGE_MANIFESTS = { 'manifest-sm3.txt': 'sm3', 'manifest-sha256.txt': 'sha256' } as const;
export const SIGNATURE_FOLDER = '签名';

const LITTER_NAMES = new Set(['.ds_store', 'thumbs.db', 'ehthumbs.db', 'desktop.ini', '.localized']);
const LITTER_FOLDERS = new Set(['__macosx', '.spotlight-v100', '.trashes', '.fseventsd', '.temporaryitems', '$recycle.bin', 'system volume information']);

export type OtherReason = 'litter' | 'extra' | 'in-record-subfolder';

export interface RecordFolder {
  /** Folder path ('' never: a record at the package root is refused). */
  path: string;
  /** The volume folder holding it, if any. */
  volume?: string;
  /** Content file entries directly in the folder (not 元数据.xml), sorted. */
  files: PackageEntry[];
}

export interface Layout {
  description?: PackageEntry;
  catalogue?: PackageEntry;
  manifests: { entry: PackageEntry; algorithm: 'sm3' | 'sha256' }[];
  signatures: PackageEntry[];
  /** Volume folders and record folders in path order (a volume before its records). */
  units: ({ kind: 'volume'; path: string; metadata: PackageEntry } | { kind: 'record'; metadata: PackageEntry; folder: RecordFolder })[];
  others: { entry: PackageEntry; reason: OtherReason }[];
  findings: Finding[];
}

const dirname = (p: string) => (p.lastIndexOf('/') === -1 ? '' : p.slice(0, p.lastIndexOf('/')));
const basename = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

export function isLitter(path: string): boolean {
  const segments = path.toLowerCase().split('/');
  const name = segments[segments.length - 1];
  return LITTER_NAMES.has(name) || name.startsWith('._') || name.startsWith('~$') || segments.slice(0, -1).some((s) => LITTER_FOLDERS.has(s));
}

/** Classifies the entries of a native package (or of a bag's data/). */
export function classifyNative(entries: readonly PackageEntry[]): Layout {
  const findings: Finding[] = [];
  const layout: Layout = { manifests: [], signatures: [], units: [], others: [], findings };
  const files = entries.filter((e) => !isLitter(e.path));
  const recordFolders = new Set<string>();
  const volumeFolders = new Set<string>();
  for (const e of files) {
    const name = basename(e.path);
    if (name === RECORD_METADATA_FILE) recordFolders.add(dirname(e.path));
    if (name === VOLUME_METADATA_FILE) volumeFolders.add(dirname(e.path));
  }
  for (const f of [...recordFolders]) {
    if (f === '') {
      findings.push(finding('1-13', RECORD_METADATA_FILE, '元数据.xml 不能位于信息包根目录，须放在以档号命名的文件夹中 (record metadata at the package root)'));
      recordFolders.delete(f);
    } else if (volumeFolders.has(f)) {
      findings.push(finding('1-13', f, '同一文件夹不能既是案卷又是件 (a folder holds both 案卷元数据.xml and 元数据.xml)'));
      volumeFolders.delete(f);
    }
  }
  if (volumeFolders.delete('')) findings.push(finding('1-13', VOLUME_METADATA_FILE, '案卷元数据.xml 不能位于信息包根目录 (volume metadata at the package root)'));

  const nearest = (folder: string, set: Set<string>): string | undefined => {
    for (let f = dirname(folder); ; f = dirname(f)) {
      if (set.has(f)) return f;
      if (f === '') return undefined;
    }
  };
  const records = new Map<string, RecordFolder>();
  for (const f of [...recordFolders].sort()) {
    const outer = nearest(f, recordFolders);
    if (outer !== undefined) findings.push(finding('1-13', f, `件文件夹不能嵌套在另一件文件夹 ${outer} 中 (record folder inside a record folder)`));
    records.set(f, { path: f, volume: nearest(f, volumeFolders), files: [] });
  }

  for (const e of entries) {
    if (isLitter(e.path)) {
      layout.others.push({ entry: e, reason: 'litter' });
      findings.push(finding('4-3', e.path, '操作系统产生的多余文件 (OS litter)', { severity: 'warn' }));
      continue;
    }
    const dir = dirname(e.path);
    const name = basename(e.path);
    if (e.path === DESCRIPTION_FILE) layout.description = e;
    else if (e.path === CATALOGUE_FILE) layout.catalogue = e;
    else if (e.path in PACKAGE_MANIFESTS) layout.manifests.push({ entry: e, algorithm: PACKAGE_MANIFESTS[e.path as keyof typeof PACKAGE_MANIFESTS] });
    else if (dir === SIGNATURE_FOLDER && name.toLowerCase().endsWith('.p7s')) layout.signatures.push(e);
    else if (name === RECORD_METADATA_FILE && records.has(dir)) layout.units.push({ kind: 'record', metadata: e, folder: records.get(dir)! });
    else if (name === VOLUME_METADATA_FILE && volumeFolders.has(dir)) layout.units.push({ kind: 'volume', path: dir, metadata: e });
    else if (records.has(dir)) records.get(dir)!.files.push(e);
    else if (nearest(e.path, recordFolders) !== undefined) {
      layout.others.push({ entry: e, reason: 'in-record-subfolder' });
      findings.push(finding('1-13', e.path, '件文件夹内不得有子文件夹 (a subfolder inside a record folder)'));
    } else {
      layout.others.push({ entry: e, reason: 'extra' });
      findings.push(finding('4-3', e.path, '信息包中不属于任何件的多余文件 (a file outside any record)'));
    }
  }
  layout.units.sort((a, b) => byPath(a.kind === 'volume' ? a : a.folder, b.kind === 'volume' ? b : b.folder));
  for (const r of records.values()) r.files.sort(byPath);
  layout.manifests.sort((a, b) => byPath(a.entry, b.entry));
  layout.signatures.sort(byPath);
  layout.others.sort((a, b) => byPath(a.entry, b.entry));
  return layout;
}
