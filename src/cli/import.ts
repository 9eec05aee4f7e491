// `dangan import <dir>`: every package (.zip) under a folder, through the ingest service directly
// (not HTTP): staged, checked, stored with its backups and catalogued one after another, with a
// progress bar and a summary table; exit 1 when any package was rejected or failed. Unpacked
// package folders (holding 说明文件.txt) are zipped (stored) first.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { join, relative, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import yazl from 'yazl';
import type { Report } from '../checks/report.ts';
import { loadConfig } from '../config/index.ts';
import type { IngestService } from '../ingest/index.ts';
import { CliError, EXIT, type CliIo } from './io.ts';
import { openIngest } from './ingest-runtime.ts';
import { createLogger, openRuntime } from './runtime.ts';

export interface ImportRow {
  path: string;
  id?: string;
  status: string;
  records: number;
  problems: string;
}

async function findPackages(root: string): Promise<{ zips: string[]; folders: string[] }> {
  const zips: string[] = [];
  const folders: string[] = [];
  const walk = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name === '说明文件.txt')) {
      folders.push(dir);
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.zip')) zips.push(p);
    }
  };
  await walk(root);
  return { zips, folders };
}

/** Ingests one zip file through the service (idempotent per path and bytes) and waits for its verdict. */
export async function importPackage(ingest: IngestService, file: string, key: string): Promise<ImportRow & { report?: Report }> {
  const r = await ingest.receive({ body: createReadStream(file, { highWaterMark: 1 << 20 }), source: 'import', submitter: 'system:import', idempotencyKey: key, packageName: key, maxBytes: Number.MAX_SAFE_INTEGER });
  if (r.kind !== 'created' && r.kind !== 'existing') return { path: key, status: 'failed', records: 0, problems: r.kind === 'conflict' ? `此路径以前导入过不同内容 (imported before with other bytes): ${r.existingId}` : r.kind };
  const out = await ingest.process(r.submission.id);
  if (out.status === 'gone') return { path: key, status: 'failed', records: 0, problems: 'gone' };
  const s = out.submission;
  const report = (s.report as Report | null) ?? undefined;
  const problems = s.status === 'failed' ? (s.failureReason ?? '') : (report?.items.filter((i) => i.status === 'fail').map((i) => i.code) ?? []).filter((c, i, a) => a.indexOf(c) === i).join(' ');
  return { path: key, id: s.id, status: s.status, records: report?.package.records ?? 0, problems, report };
}

/** Zips an unpacked package folder (stored, not deflated) so it can be staged like an upload. */
async function zipFolder(dir: string, zipPath: string): Promise<void> {
  const zip = new yazl.ZipFile();
  const out = createWriteStream(zipPath);
  zip.outputStream.pipe(out);
  const walk = async (d: string) => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) zip.addFile(p, relative(dir, p).split('\\').join('/'), { compress: false });
    }
  };
  await walk(dir);
  zip.end();
  await once(out, 'close');
}

function table(rows: ImportRow[]): string {
  const head = ['信息包 (package)', '结果 (status)', '件数', '问题 (failed items / reason)'];
  const cells = rows.map((r) => [r.path, r.status, String(r.records), r.problems.slice(0, 120)]);
  const width = (s: string) => [...s].reduce((n, ch) => n + (/[\u1100-\uffff]/.test(ch) ? 2 : 1), 0);
  const widths = head.map((h, i) => Math.max(width(h), ...cells.map((c) => width(c[i]))));
  const line = (c: string[]) => c.map((v, i) => v + ' '.repeat(widths[i] - width(v))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n';
}

export async function importDir(io: CliIo, dir: string): Promise<number> {
  const root = resolve(io.cwd, dir);
  try {
    if (!(await stat(root)).isDirectory()) throw new Error('not a folder');
  } catch (e) {
    throw new CliError(`dangan import: 无法读取文件夹 ${dir} (cannot read the folder): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const { zips, folders } = await findPackages(root);
  if (zips.length === 0 && folders.length === 0) throw new CliError(`dangan import: ${dir} 下没有信息包 (.zip) (no packages found)`);
  const config = loadConfig(io.env, io.cwd);
  const logger = createLogger({ logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel }, 'stderr');
  const runtime = await openRuntime(config, logger);
  const rows: ImportRow[] = [];
  const tmp = join(config.dataDir, 'tmp');
  await mkdir(tmp, { recursive: true });
  const todo = [...zips.map((file) => ({ file, folder: undefined as string | undefined })), ...folders.map((folder) => ({ file: join(tmp, `import-${process.pid}-${Math.random().toString(36).slice(2)}.zip`), folder }))];
  const bar = io.isTTY ? new SingleBar({ format: '导入中 {bar} {value}/{total} 个信息包 | {name}', hideCursor: true, stream: process.stderr }) : undefined;
  try {
    const { ingest, close } = await openIngest(runtime, { queue: false, workers: false });
    try {
      bar?.start(todo.length, 0, { name: '' });
      for (const [i, { file, folder }] of todo.entries()) {
        const key = folder ? `${relative(root, folder) || '.'}/` : relative(root, file);
        bar?.update(i, { name: key });
        if (!bar) io.err(`导入 (importing) ${key} …\n`);
        try {
          if (folder) await zipFolder(folder, file);
          rows.push(await importPackage(ingest, file, key));
        } finally {
          if (folder) await rm(file, { force: true });
        }
      }
      bar?.update(todo.length, { name: '' });
    } finally {
      bar?.stop();
      await close();
    }
  } finally {
    await runtime.close();
  }
  io.out(table(rows));
  const archived = rows.filter((r) => r.status === 'archived').length;
  io.out(`共 ${rows.length} 个：已归档 ${archived}，未通过 ${rows.filter((r) => r.status === 'rejected').length}，失败 ${rows.filter((r) => r.status === 'failed').length}\n`);
  return rows.every((r) => r.status === 'archived') ? EXIT.ok : EXIT.rejected;
}
