// `dangan receive <transfer.zip>`: checks a transfer package at stage YJ and, when accepted,
// archives its records here and writes the 交接登记表 (sealed by this unit when a key is configured).
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { loadConfig } from '../config/index.ts';
import { CliError, EXIT, type CliIo } from './io.ts';
import { openIngest } from './ingest-runtime.ts';
import { createLogger, openRuntime } from './runtime.ts';
import { openTransferService } from './transfer.ts';

export interface ReceiveFlags {
  register?: string;
  receivedBy?: string;
  json?: boolean;
}

export async function receive(io: CliIo, path: string, flags: ReceiveFlags): Promise<number> {
  const file = resolve(io.cwd, path);
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
  } catch (e) {
    throw new CliError(`dangan receive: 无法读取 ${path} (cannot read the package): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const config = loadConfig(io.env, io.cwd);
  const logger = createLogger({ logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel }, 'stderr');
  const runtime = await openRuntime(config, logger);
  try {
    const { ingest, close } = await openIngest(runtime, { queue: false, workers: false });
    try {
      const service = await openTransferService(runtime, ingest);
      const out = await service.receive({ body: createReadStream(file, { highWaterMark: 1 << 20 }), packageName: basename(file), submitter: 'system:cli', receivedBy: flags.receivedBy });
      if (out.status === 'failed') {
        io.err(`dangan receive: 接收失败 (could not receive): ${out.reason}\n`);
        return EXIT.rejected;
      }
      const failed = out.report.items.filter((i) => i.status === 'fail');
      if (out.status === 'archived' && flags.register) {
        await writeFile(resolve(io.cwd, flags.register), out.handover.xml);
        if (out.handover.seal) await writeFile(resolve(io.cwd, `${flags.register}.p7s`), out.handover.seal);
      }
      if (flags.json) {
        io.out(`${JSON.stringify({ submission: out.submission.id, status: out.status, report: out.report, ...(out.status === 'archived' ? { handover: { key: out.handover.key, sealKey: out.handover.sealKey ?? null } } : {}) }, null, 2)}\n`);
      } else if (out.status === 'archived') {
        io.out(`已接收 (received): ${out.report.package.records} 件档案已归档；交接登记表 ${out.handover.key}${out.handover.seal ? '（已签名）' : '（未签名：未配置签名密钥）'}\n`);
        if (flags.register) io.out(`交接登记表已写出 (written to) ${flags.register}${out.handover.seal ? ` 和 ${flags.register}.p7s` : ''}\n`);
      } else {
        io.out(`拒收 (rejected): 未存储任何内容 (nothing stored)\n`);
        for (const i of failed) io.out(`  ${i.code} ${i.name}  ${i.target}: ${i.message}\n`);
      }
      io.out(`${out.submission.id}\n`);
      return out.status === 'archived' ? EXIT.ok : EXIT.rejected;
    } finally {
      await close();
    }
  } finally {
    await runtime.close();
  }
}
