// The jobs capability's public face: the durable queue over pg-boss, on the service's own database.
import type { PGlite } from '@electric-sql/pglite';
import type { QueueDatabase } from './queue.ts';

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
