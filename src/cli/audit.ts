// `dangan audit`: a fixity audit now (stage preservation) — resumes an unfinished run of the same
// scope — printing its summary; exit 1 when anything failed. Also builds the audit service for serve/worker.
import { writeFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { AuditRequestError, auditFailed, createAuditService, loadAuditPolicies, renderAuditHtml, type AuditReport, type AuditService } from '../audit/index.ts';
import { loadConfig } from '../config/index.ts';
import { loadTrustStore, type TrustStore } from '../crypto/index.ts';
import type { Queue } from '../jobs/index.ts';
import { CliError, EXIT, type CliIo } from './io.ts';
import { createLogger, openRuntime, type Runtime } from './runtime.ts';
import { TOOL_NAME, VERSION } from './version.ts';

/** The operator's audit policies live beside the data: `<DANGAN_DATA>/audit-policy.yaml` (defaults when absent). */
export const policyFile = (dataDir: string) => join(dataDir, 'audit-policy.yaml');

export async function openAudits(runtime: Runtime, opts: { queue?: Queue; actor: string }): Promise<AuditService> {
  const { config, logger } = runtime;
  let trust: TrustStore | undefined;
  if (config.trustDir) trust = (await loadTrustStore(config.trustDir)).store;
  return createAuditService({
    db: runtime.database.db,
    stores: [runtime.primary, ...runtime.backups],
    policies: await loadAuditPolicies(policyFile(config.dataDir)),
    scanner: runtime.scanner,
    trust,
    actor: opts.actor,
    log: logger,
    queue: opts.queue,
    tool: { name: TOOL_NAME, version: VERSION },
  });
}

/** Starts the scheduled audits in a process that runs workers (serve, worker). */
export async function startAuditWorkers(runtime: Runtime, queue: Queue | undefined): Promise<AuditService | undefined> {
  if (!queue) return undefined;
  const audits = await openAudits(runtime, { queue, actor: `worker:${hostname()}:${process.pid}` });
  await audits.startWorkers();
  return audits;
}

export interface AuditFlags {
  sample?: string;
  store?: string;
  repair?: boolean;
  json?: boolean;
  html?: string;
}

export async function audit(io: CliIo, flags: AuditFlags): Promise<number> {
  const sample = flags.sample === undefined ? 100 : Number(flags.sample.replace(/%$/, ''));
  if (!Number.isFinite(sample) || sample <= 0 || sample > 100) throw new CliError(`dangan audit: --sample 应为 0 到 100 之间的百分比 (a percent in (0, 100]), got ${flags.sample}`);
  const config = loadConfig(io.env, io.cwd);
  const logger = createLogger(config, 'stderr');
  const runtime = await openRuntime(config, logger);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const service = await openAudits(runtime, { actor: `cli:${hostname()}:${process.pid}` });
    let user = 'unknown';
    try {
      user = userInfo().username;
    } catch {
      // no passwd entry (containers)
    }
    let out;
    try {
      // Progress on stderr, at most once a second: which store, how far.
      let shown = 0;
      const onProgress = (p: { store: string; done: number; target: number; bytes: number }) => {
        if (Date.now() - shown < 1000 && p.done < p.target) return;
        shown = Date.now();
        io.err(`dangan audit: ${p.store} ${p.done}/${p.target} (${p.bytes} bytes)\n`);
      };
      out = await service.runNow({ store: flags.store, samplePercent: sample, repair: !!flags.repair, requestedBy: `cli:${user}@${hostname()}` }, { signal: stop.signal, onProgress });
    } catch (e) {
      if (e instanceof AuditRequestError) throw new CliError(`dangan audit: ${e.message}`);
      throw e;
    }
    if (out.status === 'busy') throw new CliError(`dangan audit: 同一范围的稽核正由另一进程运行 (a run of this scope is being worked on by another process): ${out.audit?.id}`, EXIT.usage);
    if (!out.audit) throw new CliError('dangan audit: 稽核记录不存在 (the run is gone)');
    const report = await service.report(out.audit.id);
    if (!report) throw new CliError('dangan audit: 稽核记录不存在 (the run is gone)');
    if (flags.html) await writeFile(flags.html, renderAuditHtml(report));
    if (flags.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
    else io.out(summaryText(report, out.resumed));
    if (out.status !== 'done') {
      io.err(`dangan audit: 稽核已中断，再次运行同一命令即可继续 (stopped; run the same command again to continue): ${out.audit.id}\n`);
      return EXIT.usage;
    }
    return auditFailed(out.audit) ? EXIT.rejected : EXIT.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await runtime.close();
  }
}

function summaryText(r: AuditReport, resumed: boolean): string {
  const a = r.audit;
  const lines = [
    `稽核 (audit) ${a.id}${resumed ? '（继续未完成的稽核 / resumed）' : ''}: ${a.status === 'done' ? (a.failed ? '发现问题 (FAILED)' : '完好 (OK)') : '未完成 (unfinished)'}`,
    `  检查 checked ${a.checked} · 完好 ok ${a.ok} · 缺失 missing ${a.missing} · 损坏 corrupt ${a.corrupt} · 已修复 repaired ${a.repaired} · 错误 errors ${a.errors} · 无完好副本 unrepairable ${a.summary.unrepairable}`,
  ];
  for (const [name, p] of Object.entries(a.summary.stores)) {
    lines.push(`  ${name}: ${p.done}/${p.target} of ${p.total} copies, ${p.bytes} bytes read${p.listed ? `, ${p.listed.objects} objects listed, ${p.listed.untracked} untracked` : ''}`);
  }
  const problems = r.report.items.filter((i) => i.status === 'fail' || i.status === 'warn');
  for (const i of problems.slice(0, 50)) lines.push(`  ${i.status === 'fail' ? '✗' : '!'} ${i.code} ${i.target}: ${i.message}${i.expected ? ` (expected ${i.expected}, actual ${i.actual ?? '—'})` : ''}`);
  if (problems.length > 50) lines.push(`  … ${problems.length - 50} more (--json for all)`);
  return lines.join('\n') + '\n';
}
