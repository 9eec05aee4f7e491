// The jobs capability's public face: the durable queue over pg-boss, on the service's own database.
import type { PGlite } from '@electric-sql/pglite';
import type { JobPolicy, Queue, QueueDatabase } from './queue.ts';

export { createQueue, keyedJobId } from './queue.ts';
export type { JobHandler, JobInfo, JobPolicy, JobState, Queue, QueueDatabase, QueueJob, QueueSettings, SendOptions, WorkOptions } from './queue.ts';

/** The queue's database from what `openDatabase()` (src/db) returned: the same PGlite instance, or the same server URL. */
export function queueDatabaseOf(db: { kind: 'postgres' | 'pglite'; pglite?: PGlite; url?: string }): QueueDatabase {
  if (db.kind === 'pglite') {
    if (!db.pglite) throw new Error('jobs: a PGlite database without its PGlite instance');
    return { kind: 'pglite', pglite: db.pglite };
  }
  if (!db.url) throw new Error('jobs: a PostgreSQL database without its URL');
  return { kind: 'postgres', url: db.url };
}

/**
 * Defines these queues with their policies once per process, before its first send: a job takes
 * its queue's policy when it is created, and one sent to a queue no worker had defined yet (a
 * process without workers: serve --no-workers) would keep pg-boss's defaults (no heartbeat, two
 * retries) for good. Returns the function to await before every send and before starting workers;
 * a failed attempt is tried again by the next call.
 */
export function queueDefiner(policies: [name: string, policy: JobPolicy][]): (q: Queue) => Promise<void> {
  let defined: Promise<void> | undefined;
  return (q) =>
    (defined ??= (async () => {
      for (const [name, policy] of policies) await q.define(name, policy);
    })().catch((e: unknown) => {
      defined = undefined;
      throw e;
    }));
}
