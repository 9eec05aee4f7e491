// Test support: run one suite against both backends, each test getting a fresh, migrated database.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, describe, onTestFinished } from 'vitest';
import { openDatabase, redactUrl, type Database, type DatabaseKind, type OpenDatabaseOptions } from './client.ts';

/**
 * The PostgreSQL server tests use: DANGAN_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test
 * (an admin connection; every test database is created next to it and dropped afterwards).
 * Test support reads the environment itself, unlike the service's modules.
 */
export const TEST_PG_URL = process.env.DANGAN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** ['pglite', 'postgres'], or only ['pglite'] when DANGAN_TEST_PG=off says so explicitly. */
export function testDatabaseKinds(): DatabaseKind[] {
  return process.env.DANGAN_TEST_PG === 'off' ? ['pglite'] : ['pglite', 'postgres'];
}

// A fresh PGlite database costs an initdb plus the migrations (seconds on a busy machine); a
// migrated template made once per process and copied is ten times faster.
let pgliteTemplate: Promise<string> | undefined;
function migratedPgliteTemplate(): Promise<string> {
  pgliteTemplate ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dangan-db-template-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const db = await openDatabase({ dataDir: dir });
    await db.close();
    return join(dir, 'pglite');
  })();
  return pgliteTemplate;
}

export interface DatabasePlace {
  /** A fresh temporary directory (the PGlite data dir's parent; scratch space for postgres too). */
  dataDir: string;
  /** postgres only: the URL of a fresh, empty database `dangan_t_<random>`. */
  url?: string;
}

export interface TestDatabases {
  kind: DatabaseKind;
  /**
   * A fresh place (not opened), for tests that open it themselves, e.g. from a child process. For
   * PGlite it already holds a migrated database (copied from a template) unless `empty` is set; for
   * PostgreSQL it is always an empty database.
   */
  place(opts?: { empty?: boolean }): Promise<DatabasePlace>;
  /**
   * A fresh place, opened and migrated. Closed when the test that opened it finishes (or, when
   * opened outside a test, e.g. in beforeAll, by cleanup()).
   */
  open(opts?: Partial<OpenDatabaseOptions>): Promise<Database>;
  /** Closes what open() opened, drops the databases and removes the directories. */
  cleanup(): Promise<void>;
}

export function createTestDatabases(kind: DatabaseKind): TestDatabases {
  const dirs: string[] = [];
  const databases: string[] = [];
  const opened: Database[] = [];
  let admin: postgres.Sql | undefined;

  const adminSql = () => {
    admin ??= postgres(TEST_PG_URL, { max: 1, connect_timeout: 5, onnotice: () => {} });
    return admin;
  };

  const place = async (opts: { empty?: boolean } = {}): Promise<DatabasePlace> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dangan-db-'));
    dirs.push(dataDir);
    if (kind === 'pglite' && !opts.empty) {
      cpSync(await migratedPgliteTemplate(), join(dataDir, 'pglite'), { recursive: true });
      return { dataDir };
    }
    if (kind === 'pglite') return { dataDir };
    const name = `dangan_t_${randomBytes(6).toString('hex')}`;
    try {
      await adminSql().unsafe(`create database "${name}"`);
    } catch (e) {
      throw new Error(
        `PostgreSQL 测试服务器 ${redactUrl(TEST_PG_URL)} 无法使用：${(e as Error).message}。` +
          `(The PostgreSQL test server did not answer; CI provides one. Set DANGAN_TEST_PG=off to run ` +
          `only the PGlite half explicitly.)`,
        { cause: e },
      );
    }
    databases.push(name);
    const url = new URL(TEST_PG_URL);
    url.pathname = `/${name}`;
    return { dataDir, url: url.toString() };
  };

  return {
    kind,
    place,
    async open(opts = {}) {
      const p = await place();
      const db = await openDatabase({ ...p, ...opts });
      opened.push(db);
      try {
        onTestFinished(() => db.close());
      } catch {
        /* not inside a test: cleanup() closes it */
      }
      return db;
    },
    async cleanup() {
      await Promise.allSettled(opened.map((d) => d.close()));
      if (admin) {
        for (const name of databases) {
          await admin.unsafe(`drop database if exists "${name}" with (force)`).catch(() => {});
        }
        await admin.end({ timeout: 5 });
      }
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Declares `body` once per backend (describe.each), as `${title} (pglite)` and `${title} (postgres)`.
 * Inside, `t.open()` gives each test its own fresh migrated database; all are removed after the suite.
 *
 *   describeEachDatabase('records', (t) => {
 *     it('stores a record', async () => {
 *       const { db } = await t.open();
 *       …
 *     });
 *   });
 */
export function describeEachDatabase(title: string, body: (t: TestDatabases) => void): void {
  describe.each(testDatabaseKinds())(`${title} (%s)`, (kind) => {
    const t = createTestDatabases(kind);
    afterAll(() => t.cleanup());
    body(t);
  });
}
