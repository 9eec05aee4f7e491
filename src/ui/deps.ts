// What the UI needs, handed in: the database, the ingest service and the stores (primary first).
import type { Context } from 'hono';
import type { Db } from '../db/index.ts';
import type { IngestService } from '../ingest/index.ts';
import type { ObjectStore } from '../store/index.ts';
import type { UiEnv } from './session.ts';

export interface UiDeps {
  db: Db;
  ingest: IngestService;
  /** Primary first, then the backups. */
  stores: ObjectStore[];
  now?: () => Date;
}

export type UiContext = Context<UiEnv>;

/** Start of today in China Standard Time (UTC+8, no DST). */
export function startOfToday(now: Date): Date {
  const shifted = new Date(now.getTime() + 8 * 3600_000);
  shifted.setUTCHours(0, 0, 0, 0);
  return new Date(shifted.getTime() - 8 * 3600_000);
}

export { UUID } from '../db/schema.ts';

export const intOr = (v: string | undefined, d: number | undefined = undefined) => (v && /^\d{1,9}$/.test(v) ? Number(v) : d);
