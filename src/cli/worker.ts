// `dangan worker`: only the background workers (ingest, callbacks, audits, transfers) against the shared database and stores.
import { loadConfig } from '../config/index.ts';
import type { CliIo } from './io.ts';
import { openIngest } from './ingest-runtime.ts';
import { startAuditWorkers } from './audit.ts';
import { openTransferService } from './transfer.ts';
import { createLogger, openRuntime } from './runtime.ts';

export async function worker(io: CliIo): Promise<void> {
  const config = loadConfig(io.env, io.cwd);
  const logger = createLogger(config);
  const runtime = await openRuntime(config, logger);
  let ingest;
  try {
    ingest = await openIngest(runtime, { queue: true, workers: true });
    await startAuditWorkers(runtime, ingest.queue);
    await openTransferService(runtime, ingest.ingest, { queue: ingest.queue, workers: true });
  } catch (e) {
    await runtime.close();
    throw e;
  }
  logger.info({ database: runtime.database.kind, store: runtime.primary.location, backups: runtime.backups.map((b) => b.location) }, 'dangan worker 已启动 (workers running)');
  io.err(`dangan worker: 已启动 (database: ${runtime.database.kind}, store: ${runtime.primary.location})\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      void ingest.close().finally(() => runtime.close().finally(resolve));
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
