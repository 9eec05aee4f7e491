// Reads a package laid out as a directory: walks it without following links and opens files with
// O_NOFOLLOW, so nothing outside the package is ever read.
import { constants } from 'node:fs';
import { open as openFile, readdir, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { finding, type Finding } from '../checks/finding.ts';
import { guardedStream, type ReadTotals } from './guarded-stream.ts';
import type { PackageLimits } from './limits.ts';
import { unsafePathReason } from './names.ts';
import { block, checkListing, type RawSource } from './raw-source.ts';
import type { EntryStream, OpenOptions, PackageEntry } from './types.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function openDirectory(root: string, limits: PackageLimits): Promise<RawSource> {
  const findings: Finding[] = [];
  const entries: PackageEntry[] = [];
  const folders = new Set<string>();
  let tooMany = false;

  async function walk(dir: string, rel: string, depth: number): Promise<void> {
    const dirents = await readdir(join(root, dir), { withFileTypes: true, encoding: 'buffer' });
    dirents.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const d of dirents) {
      if (tooMany) return;
      let name: string;
      try {
        name = utf8.decode(d.name);
      } catch {
        const shown = rel + new TextDecoder('utf-8').decode(d.name);
        findings.push(finding('1-13', shown, '文件名不是有效的 UTF-8，不予读取 (file name is not valid UTF-8)'));
        continue;
      }
      const path = rel + name;
      const unsafe = unsafePathReason(path, limits);
      if (d.isSymbolicLink()) {
        findings.push(finding('1-13', path, '信息包中不允许符号链接，未跟随 (symbolic link, not followed)'));
        continue;
      }
      if (d.isDirectory()) {
        if (unsafe) {
          findings.push(finding('1-13', path, `不安全的文件夹名，未读取其内容 (unsafe folder name): ${unsafe}`));
          continue;
        }
        folders.add(path);
        await walk(join(dir, name), `${path}/`, depth + 1);
        continue;
      }
      if (!d.isFile()) {
        findings.push(finding('1-13', path, '不是普通文件 (not a regular file: device, pipe or socket)'));
        continue;
      }
      if (entries.length >= limits.maxEntries) {
        findings.push(finding('3-8', 'package', `文件数超过上限 ${limits.maxEntries} (too many files)`, { expected: `<=${limits.maxEntries}` }));
        tooMany = true;
        return;
      }
      const st = await lstat(join(root, dir, name));
      const entry: PackageEntry = { path, size: st.size, readable: true };
      if (unsafe) block(entry, findings, finding('1-13', path, `不安全的文件名，不予读取 (unsafe file name): ${unsafe}`));
      if (st.size > limits.maxEntryBytes) {
        block(entry, findings, finding('3-8', path, `文件大小 ${st.size} 超过上限 ${limits.maxEntryBytes} (file too large)`, { expected: `<=${limits.maxEntryBytes}`, actual: String(st.size) }));
      }
      entries.push(entry);
    }
  }
  await walk('', '', 0);

  if (tooMany) for (const e of entries) e.readable = false;
  checkListing(entries, findings, limits);

  const byPath = new Map(entries.map((e) => [e.path, e]));
  const totals: ReadTotals = { bytes: 0 };
  return {
    form: 'directory',
    entries,
    folders,
    findings,
    async open(path: string, options: OpenOptions = {}): Promise<EntryStream> {
      const e = byPath.get(path);
      if (!e || !e.readable) throw new Error(`package: entry not readable: ${path}`);
      const fh = await openFile(join(root, ...path.split('/')), constants.O_RDONLY | constants.O_NOFOLLOW);
      const st = await fh.stat();
      // a file swapped or resized since the listing is read for what it was declared to be
      // (`end` is inclusive: one byte beyond the declared size shows a file that grew)
      const stream = fh.createReadStream({ autoClose: true, end: Math.max(st.size, e.size) });
      return guardedStream(stream, {
        path,
        declaredSize: e.size,
        extraAlgorithms: options.extraAlgorithms,
        inlineDigest: options.inlineDigest,
        limits,
        totals,
        sink: findings,
      });
    },
    async close() {},
  };
}
