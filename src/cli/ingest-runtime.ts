// Builds the ingest service (and its queue) over an open runtime, for serve, worker and import.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { loadProfile } from '../config/profile.ts';
import { loadTrustStore, type TrustStore } from '../crypto/index.ts';
import { createIngestService, type IngestService } from '../ingest/index.ts';
import { createQueue, queueDatabaseOf, type Queue } from '../jobs/index.ts';
import type { Runtime } from './runtime.ts';
import { TOOL_NAME, VERSION } from './version.ts';

export interface IngestRuntime {
  ingest: IngestService;
  queue?: Queue;
  /** Stops the workers (waiting for running jobs up to 10 s) and the queue. */
  close(): Promise<void>;
}

export async function openIngest(runtime: Runtime, opts: { queue: boolean; workers: boolean }): Promise<IngestRuntime> {
  const { config, logger } = runtime;
  const profile = await loadProfile(config.profile);
  let trust: TrustStore | undefined;
  if (config.trustDir) {
    const loaded = await loadTrustStore(config.trustDir);
    trust = loaded.store;
    for (const s of loaded.skipped) logger.warn({ file: s.file, reason: s.reason }, 'DANGAN_TRUST_DIR: certificate skipped');
  }
  let queue: Queue | undefined;
  if (opts.queue) {
    queue = createQueue(queueDatabaseOf(runtime.database), {
      // Look for jobs of dead workers often enough that one moves on soon after its heartbeat stops.
      superviseIntervalSeconds: superviseIntervalFor(config.jobs.heartbeatSeconds),
      onError: (err) => logger.warn({ err }, 'job queue'),
    });
    await queue.start();
  }
  const ingest = createIngestService({
    db: runtime.database.db,
    primary: runtime.primary,
    backups: runtime.backups,
    scanner: runtime.scanner,
    profile,
    trust,
    tmpDir: join(config.dataDir, 'tmp'),
    tool: { name: TOOL_NAME, version: VERSION },
    actor: `worker:${hostname()}:${process.pid}`,
    log: logger,
    queue,
    maxUploadBytes: config.maxUploadBytes,
    policy: { ingest: { heartbeatSeconds: config.jobs.heartbeatSeconds, retryDelay: config.jobs.retryDelaySeconds } },
    stagingOrphanGraceHours: config.staging.orphanGraceSeconds / 3600,
  });
  if (opts.workers) await ingest.startWorkers();
  return {
    ingest,
    queue,
    async close() {
      await queue?.stop({ graceful: true, timeoutMs: 10_000 });
    },
  };
}

/** Half the heartbeat, between 1 and 60 s: a stopped heartbeat is noticed within 1.5 heartbeats (then the retry delay). */
export function superviseIntervalFor(heartbeatSeconds: number): number {
  return Math.max(1, Math.min(60, Math.floor(heartbeatSeconds / 2)));
}
