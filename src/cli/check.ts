// `dangan check <path>`: the four-property check of a package, nothing stored. Exit 0 accepted,
// 1 rejected, 2 could not run.
import { stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadConfig } from '../config/index.ts';
import { loadProfile, ProfileError } from '../config/profile.ts';
import type { TrustStore } from '../crypto/index.ts';
import { checkPackage } from '../checks/engine.ts';
import type { Stage } from '../checks/items.ts';
import type { Report } from '../checks/report.ts';
import { createScanner } from '../scan/index.ts';
import { CliError, EXIT, type CliIo } from './io.ts';
import { TOOL_NAME, VERSION } from './version.ts';

export interface CheckFlags {
  stage: string;
  profile?: string;
  json?: boolean;
  html?: string;
}

const STAGES: Record<string, Stage> = { archiving: 'archiving', transfer: 'transfer', 归档: 'archiving', 移交: 'transfer' };

export async function check(io: CliIo, path: string, flags: CheckFlags): Promise<number> {
  const stage = STAGES[flags.stage];
  if (!stage) {
    if (flags.stage === 'preservation') throw new CliError('dangan check: 长期保存阶段检测的是馆藏，请用 dangan audit (the preservation stage checks what is held: use dangan audit)');
    throw new CliError(`dangan check: --stage 应为 archiving 或 transfer (got ${flags.stage})`);
  }
  const config = loadConfig(io.env, io.cwd);
  const target = resolve(io.cwd, path);
  try {
    await stat(target);
  } catch (e) {
    throw new CliError(`dangan check: 无法读取 ${path} (cannot read the package): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let profile;
  try {
    profile = await loadProfile(flags.profile ?? config.profile);
  } catch (e) {
    if (e instanceof ProfileError) throw new CliError(`dangan check: ${e.message}`);
    throw e;
  }
  let trust: TrustStore | undefined;
  if (config.trustDir) {
    try {
      const { loadTrustStore } = await import('../crypto/index.ts');
      const loaded = await loadTrustStore(config.trustDir);
      trust = loaded.store;
      for (const s of loaded.skipped) io.err(`dangan check: DANGAN_TRUST_DIR ${s.file}: ${s.reason}\n`);
    } catch (e) {
      throw new CliError(`dangan check: 无法读取信任证书目录 DANGAN_TRUST_DIR=${config.trustDir}: ${(e as Error).message}`);
    }
  }

  // cli-progress and the HTML renderer (hono) are loaded only when used
  const bar = io.isTTY && !flags.json ? new (await import('cli-progress')).SingleBar({ format: '检测中 {bar} {percentage}% | {value}/{total} MB | {files} 个文件', hideCursor: true, stream: process.stderr, etaBuffer: 50 }) : undefined;
  let barStarted = false;
  const report = await checkPackage(target, {
    stage,
    profile,
    scanner: createScanner({ clamd: config.clamd }),
    trust,
    tool: { name: TOOL_NAME, version: VERSION },
    onProgress: bar
      ? (p) => {
          const mb = (n: number) => Math.round(n / 1048576);
          if (!barStarted && p.totalBytes > 20 * 1048576) {
            bar.start(mb(p.totalBytes), 0, { files: 0 });
            barStarted = true;
          }
          if (barStarted) bar.update(mb(p.bytes), { files: p.files });
        }
      : undefined,
  });
  if (barStarted) bar?.stop();

  if (flags.html) {
    const { renderReportHtml } = await import('../checks/report-html.ts');
    await writeFile(resolve(io.cwd, flags.html), renderReportHtml(report));
  }
  io.out(flags.json ? `${JSON.stringify(report, null, 2)}\n` : humanSummary(report));
  return report.verdict === 'accepted' ? EXIT.ok : EXIT.rejected;
}

const STATUS = { fail: '✗ 不通过', warn: '! 警告', skip: '- 未检测', pass: '✓ 通过' } as const;

/** A short summary for people: the verdict, the counts, and every item that did not pass. */
export function humanSummary(r: Report): string {
  const lines = [
    `${r.verdict === 'accepted' ? '检测通过 (accepted)' : '检测不通过 (rejected)'}: ${r.package.name} — ${r.package.records} 件, ${r.package.files} 个文件, ${r.package.bytes} 字节 [${r.profile ?? 'default'}]`,
    `通过 ${r.summary.pass} · 不通过 ${r.summary.fail} · 警告 ${r.summary.warn} · 未检测 ${r.summary.skip}`,
  ];
  for (const i of r.items) {
    if (i.status === 'pass' || i.status === 'skip') continue;
    lines.push(`  ${STATUS[i.status]} ${i.code} ${i.name}  ${i.target}: ${i.message}`);
  }
  return `${lines.join('\n')}\n`;
}
