// `dangan transfer create`: builds a transfer package (移交信息包) of archived records, stores it
// with its backups (each copy read back), prints its id and digests; --out also writes it to a file.
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../config/index.ts';
import { loadProfile } from '../config/profile.ts';
import { loadTrustStore, type TrustStore } from '../crypto/index.ts';
import type { IngestService } from '../ingest/index.ts';
import type { Queue } from '../jobs/index.ts';
import { createTransferService, TransferRequestError, type AccessOpinion, type TransferService } from '../transfer/index.ts';
import { CliError, EXIT, type CliIo } from './io.ts';
import { openIngest } from './ingest-runtime.ts';
import { createLogger, openRuntime, type Runtime } from './runtime.ts';
import { TOOL_NAME, VERSION } from './version.ts';

/**
 * The transfer service over an open runtime (serve, worker, transfer, receive); with a queue, the API
 * queues builds on it, and with `workers` this process runs them (and resumes unfinished ones).
 */
export async function openTransferService(runtime: Runtime, ingest: IngestService, jobs: { queue?: Queue; workers?: boolean } = {}): Promise<TransferService> {
  const { config, logger } = runtime;
  let trust: TrustStore | undefined;
  if (config.trustDir) trust = (await loadTrustStore(config.trustDir)).store;
  let signing: { keyPem: string; certPem: string; chainPem?: string } | undefined;
  if (config.signing) {
    // DANGAN_SIGNING_CERT may hold the chain after the unit's certificate: sealed along, so a verifier needs only the root
    const certs = (await readFile(config.signing.certFile, 'utf8')).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    signing = { keyPem: await readFile(config.signing.keyFile, 'utf8'), certPem: certs[0] ?? '', chainPem: certs.slice(1).join('\n') || undefined };
  }
  const service = createTransferService({
    queue: jobs.queue,
    policy: { heartbeatSeconds: config.jobs.heartbeatSeconds, retryDelay: config.jobs.retryDelaySeconds },
    db: runtime.database.db,
    primary: runtime.primary,
    backups: runtime.backups,
    profile: await loadProfile(config.profile),
    scanner: runtime.scanner,
    trust,
    tmpDir: join(config.dataDir, 'tmp'),
    tool: { name: TOOL_NAME, version: VERSION },
    signing,
    log: logger,
    ingest,
  });
  if (jobs.workers && jobs.queue) await service.startWorkers();
  return service;
}

export interface TransferFlags {
  fonds: string;
  year?: string;
  records?: string;
  volumes?: string;
  retention?: string;
  out?: string;
  to?: string;
  title?: string;
  preparedBy?: string;
  reviewedBy?: string;
  access?: string;
  json?: boolean;
}

const list = (s: string | undefined) => (s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean));

export async function transferCreate(io: CliIo, flags: TransferFlags): Promise<number> {
  if (!/^[A-Za-z0-9]{1,16}$/.test(flags.fonds)) throw new CliError(`dangan transfer create: --fonds 应为全宗号 (a fonds code), got ${flags.fonds}`);
  if (flags.year !== undefined && !/^\d{4}$/.test(flags.year)) throw new CliError(`dangan transfer create: --year 应为四位年度 (a 4-digit year), got ${flags.year}`);
  if (flags.access !== undefined && flags.access !== '开放' && flags.access !== '控制') throw new CliError('dangan transfer create: --access 应为 开放 或 控制');
  const config = loadConfig(io.env, io.cwd);
  const logger = createLogger({ logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel }, 'stderr');
  const runtime = await openRuntime(config, logger);
  try {
    const { ingest, close } = await openIngest(runtime, { queue: false, workers: false });
    try {
      if (!config.signing) io.err('dangan transfer: 未配置签名密钥 (DANGAN_SIGNING_KEY/DANGAN_SIGNING_CERT)，移交信息包不加签，接收方将以 YJ-1-5 拒收 (the package will not be sealed)\n');
      const service = await openTransferService(runtime, ingest);
      let out;
      try {
        out = await service.create({
          fonds: flags.fonds,
          year: flags.year === undefined ? undefined : Number(flags.year),
          retention: flags.retention,
          records: list(flags.records),
          volumes: list(flags.volumes),
          receivingUnit: flags.to,
          title: flags.title,
          preparedBy: flags.preparedBy,
          reviewedBy: flags.reviewedBy,
          access: flags.access as AccessOpinion | undefined,
          requestedBy: `system:cli`,
        });
      } catch (e) {
        if (e instanceof TransferRequestError) throw new CliError(`dangan transfer create: ${e.message}`);
        throw e;
      }
      const t = out.transfer;
      if (out.status === 'failed') {
        if (flags.json) io.out(`${JSON.stringify({ id: t.id, status: t.status, reason: out.reason, report: t.report ?? null }, null, 2)}\n`);
        else io.err(`移交失败 (transfer failed) ${t.id}: ${out.reason}\n`);
        return EXIT.rejected;
      }
      if (flags.out) {
        const opened = await service.open(t.id);
        await pipeline(opened!.stream, createWriteStream(resolve(io.cwd, flags.out)));
      }
      if (flags.json) io.out(`${JSON.stringify({ id: t.id, status: t.status, records: t.recordCount, files: t.fileCount, bytes: t.totalBytes, size: t.size, sha256: t.sha256, sm3: t.sm3, key: t.objectKey, ...(out.timings ? { timings: out.timings } : {}) }, null, 2)}\n`);
      else {
        io.out(`移交信息包已生成并存入 ${1 + runtime.backups.length} 个存储 (stored and verified in every store)\n`);
        io.out(`档案 ${t.recordCount} 件，文件 ${t.fileCount} 个，${t.totalBytes} 字节；信息包 ${t.size} 字节\n`);
        io.out(`SM3     ${t.sm3}\nSHA-256 ${t.sha256}\n`);
        if (flags.out) io.out(`已写出 (written to) ${flags.out}\n`);
        io.out(`${t.id}\n`);
      }
      return EXIT.ok;
    } finally {
      await close();
    }
  } finally {
    await runtime.close();
  }
}
