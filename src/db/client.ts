// Opens the database: PostgreSQL via postgres.js for a postgres:// URL, else embedded PGlite; migrates at start-up.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import * as schema from './schema.ts';
import { acquireDataDirLock, DataDirError, type DataDirLock } from './data-dir-lock.ts';

export type Schema = typeof schema;
/** The drizzle database, the same type for both backends; a transaction (`tx`) is one too. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type DatabaseKind = 'postgres' | 'pglite';

/** A pino-compatible logger (only what this module uses). */
export interface DbLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface OpenDatabaseOptions {
  /** `postgres://…` (or `postgresql://…`) for a PostgreSQL server; unset or empty means embedded PGlite. */
  url?: string;
  /** The service's data directory; PGlite lives in `<dataDir>/pglite`. */
  dataDir: string;
  log?: DbLogger;
  /** PostgreSQL: seconds to wait for a connection before failing (default 10). */
  connectTimeoutSeconds?: number;
  /** PostgreSQL: connections in the pool (default 10). */
  poolSize?: number;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /** The migrations folder (default MIGRATIONS_FOLDER, the drizzle/ folder shipped with the code). */
  migrationsFolder?: string;
}

export interface Database {
  db: Db;
  kind: DatabaseKind;
  /** Resolves when the database answers a trivial query (for /healthz). */
  ping(): Promise<void>;
  /** Closes connections (and releases the PGlite data-dir lock). Idempotent. */
  close(): Promise<void>;
  /** The PGlite instance, for pg-boss's PGlite backend (`fromPglite(pglite)`); the caller must not close it. */
  pglite?: PGlite;
  /** The PostgreSQL URL (with its password), for pg-boss's own connection. */
  url?: string;
}

/** The PostgreSQL server cannot be reached or refused us; the message names the URL without its password. */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  readonly url: string;
  constructor(url: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`无法连接数据库 ${url}：${reason} (cannot connect to the database)`, { cause });
    this.url = url;
  }
}

/** The migrations folder shipped with the code (drizzle/ at the repository root). */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** pg_advisory_lock key held around migrations ('dangan' in ASCII). */
export const MIGRATION_LOCK_KEY = 0x64616e67616en;

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//i.test(url);
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  if (isPostgresUrl(opts.url)) return openPostgres(opts.url, opts);
  if (opts.url) {
    throw new DatabaseUnavailableError(
      redactUrl(opts.url),
      new Error('DATABASE_URL 必须是 postgres:// 或 postgresql:// 开头的地址 (only PostgreSQL URLs are supported)'),
    );
  }
  return openPglite(opts);
}

async function openPostgres(url: string, opts: OpenDatabaseOptions): Promise<Database> {
  const shown = redactUrl(url);
  const migrationsFolder = opts.migrationsFolder ?? MIGRATIONS_FOLDER;
  const connectTimeout = opts.connectTimeoutSeconds ?? 10;
  const clientOptions = {
    connect_timeout: connectTimeout,
    onnotice: () => {},
    connection: { application_name: 'dangan' },
  };

  if (opts.migrate !== false) {
    // drizzle's migrate() has no lock of its own: hold a session advisory lock on one dedicated
    // connection around it, so that processes starting together migrate one after another.
    const one = postgres(url, { ...clientOptions, max: 1 });
    try {
      await one`select pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`.catch((e: unknown) => {
        throw new DatabaseUnavailableError(shown, e);
      });
      try {
        const mdb = drizzlePostgres(one);
        await migratePostgres(mdb, { migrationsFolder });
        await assertAllMigrationsApplied(mdb as unknown as Db, migrationsFolder, opts.log);
      } finally {
        await one`select pg_advisory_unlock(${MIGRATION_LOCK_KEY.toString()}::bigint)`.catch(() => {});
      }
    } finally {
      await one.end({ timeout: 5 });
    }
  }

  const client = postgres(url, { ...clientOptions, max: opts.poolSize ?? 10 });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  const ping = async () => {
    await db.execute(sql`select 1`);
  };
  try {
    await ping();
  } catch (e) {
    await client.end({ timeout: 1 });
    throw e instanceof DatabaseUnavailableError ? e : new DatabaseUnavailableError(shown, e);
  }
  opts.log?.info({ kind: 'postgres', url: shown }, '数据库已就绪 (database ready)');
  let closed = false;
  return {
    db,
    kind: 'postgres',
    url,
    ping,
    async close() {
      if (closed) return;
      closed = true;
      await client.end({ timeout: 5 });
    },
  };
}

async function openPglite(opts: OpenDatabaseOptions): Promise<Database> {
  const dataDir = resolve(opts.dataDir);
  const lock: DataDirLock = acquireDataDirLock(dataDir);
  const dir = join(dataDir, 'pglite');
  let pglite: PGlite | undefined;
  try {
    try {
      pglite = await PGlite.create({ dataDir: dir, extensions: { pg_trgm } });
    } catch (e) {
      throw new DataDirError(dir, e, '嵌入式数据库 %s 无法打开 (cannot open the embedded database)');
    }
    const db = drizzlePglite(pglite, { schema }) as unknown as Db;
    if (opts.migrate !== false) {
      // One process only (the lock file), so no advisory lock is needed here.
      const migrationsFolder = opts.migrationsFolder ?? MIGRATIONS_FOLDER;
      await migratePglite(drizzlePglite(pglite), { migrationsFolder });
      await assertAllMigrationsApplied(db, migrationsFolder, opts.log);
    }
    opts.log?.info({ kind: 'pglite', dataDir: dir }, '数据库已就绪 (database ready)');
    const instance = pglite;
    let closed = false;
    return {
      db,
      kind: 'pglite',
      pglite: instance,
      async ping() {
        await instance.query('select 1');
      },
      async close() {
        if (closed) return;
        closed = true;
        try {
          await instance.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (e) {
    await pglite?.close().catch(() => {});
    lock.release();
    throw e;
  }
}

/** A migration of this code that drizzle skipped (its timestamp is older than the newest applied one). */
export class MigrationMismatchError extends Error {
  override readonly name = 'MigrationMismatchError';
}

/**
 * drizzle applies only journal entries newer than the newest one recorded, so a migration merged
 * late with an older timestamp would be skipped silently; refuse to start instead.
 */
async function assertAllMigrationsApplied(db: Db, migrationsFolder: string, log?: DbLogger): Promise<void> {
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string; when: number }[];
  };
  const applied = new Set(
    rowsOf<{ created_at: string | number }>(
      await db.execute(sql`select created_at from drizzle.__drizzle_migrations`),
    ).map((r) => Number(r.created_at)),
  );
  const skipped = journal.entries.filter((e) => !applied.has(e.when)).map((e) => e.tag);
  if (skipped.length > 0) {
    throw new MigrationMismatchError(
      `数据库迁移 ${skipped.join(', ')} 未被执行：它的时间戳早于数据库中最新的迁移 ` +
        `(migration skipped because its timestamp is older than the newest applied one; regenerate it)`,
    );
  }
  const known = new Set(journal.entries.map((e) => e.when));
  const unknown = [...applied].filter((w) => !known.has(w));
  if (unknown.length > 0) {
    // A newer version migrated this database (a rolling upgrade): migrations only add, so carry on.
    log?.warn(
      { unknownMigrations: unknown },
      '数据库包含本程序不认识的迁移，可能由更新版本的 dangan 写入 (database has newer migrations)',
    );
  }
}

/** Rows of a raw `db.execute(sql…)` result, whichever driver produced it. */
export function rowsOf<T = Record<string, unknown>>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
