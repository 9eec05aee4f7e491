// `dangan serve`: the HTTP API and the background workers (and, as it arrives, the UI) in one process;
// with --no-workers the API alone (its jobs then run in `dangan worker` processes).
import { hostname } from 'node:os';
import { serve as listen } from '@hono/node-server';
import { loadConfig } from '../config/index.ts';
import { createApp } from '../http/app.ts';
import { CliError, type CliIo } from './io.ts';
import { VERSION } from './version.ts';
import { ingestSample } from './sample.ts';
import { openIngest, type IngestRuntime } from './ingest-runtime.ts';
import { openAudits, startAuditWorkers } from './audit.ts';
import type { Runtime } from './runtime.ts';
import { openTransferService } from './transfer.ts';
import { createLogger, openRuntime } from './runtime.ts';

export async function serve(io: CliIo, opts: { port?: string; withSample?: boolean; workers?: boolean }): Promise<void> {
  const config = loadConfig(io.env, io.cwd);
  const port = opts.port === undefined ? config.port : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`dangan serve: --port expects a port number from 0 to 65535, got ${opts.port}`);
  const withWorkers = opts.workers !== false;
  if (opts.withSample && !withWorkers) throw new CliError('dangan serve: --with-sample needs the workers of this process; leave out --no-workers');
  const logger = createLogger(config);
  const runtime = await openRuntime(config, logger);
  let ingest: IngestRuntime;
  try {
    ingest = await openIngest(runtime, { queue: true, workers: withWorkers });
  } catch (e) {
    await runtime.close();
    throw e;
  }
  // Without workers the API still creates and queues audits, for the workers to run.
  const audits = withWorkers ? await startAuditWorkers(runtime, ingest.queue) : await openAudits(runtime, { queue: ingest.queue, actor: `api:${hostname()}:${process.pid}` });
  const app = createApp({
    logger,
    probes: runtime.probes,
    info: { version: VERSION, node: process.version },
    api: { db: runtime.database.db, ingest: ingest.ingest, stores: [runtime.primary, ...runtime.backups], version: VERSION, audits, transfers: await openTransferService(runtime, ingest.ingest, { queue: ingest.queue, workers: withWorkers }) },
  });

  await new Promise<void>((resolveDone, rejectDone) => {
    const server = listen({ fetch: app.fetch, port, hostname: '0.0.0.0' }, (info) => {
      logger.info({ port: info.port, database: runtime.database.kind, store: runtime.primary.location, backups: runtime.backups.map((b) => b.location) }, 'dangan 服务已启动 (listening)');
      io.err(`dangan: 服务已启动 http://localhost:${info.port}/healthz (database: ${runtime.database.kind}, store: ${runtime.primary.location}${withWorkers ? '' : ', 无后台任务 (no workers)'})\n`);
      if (opts.withSample) void showSample(io, runtime, ingest, `http://localhost:${info.port}`);
    });
    server.on('error', (e: NodeJS.ErrnoException) => {
      void ingest.close().then(() => runtime.close()).finally(() =>
        rejectDone(new CliError(e.code === 'EADDRINUSE' ? `dangan serve: 端口 ${port} 已被占用 (port in use); set DANGAN_PORT or --port` : `dangan serve: ${e.message}`)),
      );
    });
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      server.close(() => void ingest.close().then(() => runtime.close()).then(() => resolveDone()));
      // Long uploads must not hold shutdown forever.
      setTimeout(() => (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.(), 10_000).unref();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

/** `npm start`: ingests the bundled sample package and shows the archived records, report and events. */
async function showSample(io: CliIo, runtime: Runtime, ingest: IngestRuntime, baseUrl: string): Promise<void> {
  try {
    io.err(await ingestSample(runtime, ingest.ingest, baseUrl));
  } catch (e) {
    runtime.logger.error({ err: e }, 'sample ingest failed');
  }
}
