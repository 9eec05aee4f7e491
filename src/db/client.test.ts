// openDatabase on both backends: migrations once (also with concurrent starts), the schema's rules, clear failures.
import { createServer, type Server, type Socket } from 'node:net';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { and, asc, eq, like, sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import {
  copies,
  DatabaseUnavailableError,
  files,
  MIGRATIONS_FOLDER,
  MigrationMismatchError,
  openDatabase,
  records,
  redactUrl,
  rowsOf,
  submissions,
  type Db,
} from './index.ts';
import { describeEachDatabase } from './testing.ts';

const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
  entries: unknown[];
};

async function appliedMigrations(db: Db): Promise<number> {
  const [r] = rowsOf<{ n: string | number }>(await db.execute(sql`select count(*) as n from drizzle.__drizzle_migrations`));
  return Number(r.n);
}

async function tableNames(db: Db): Promise<string[]> {
  return rowsOf<{ t: string }>(
    await db.execute(sql`select tablename as t from pg_tables where schemaname = 'public' order by 1`),
  ).map((r) => r.t);
}

const record = (code: string, title: string, year = 2024) => ({
  archivalCode: code,
  fonds: 'J001',
  categoryCode: 'WS',
  year,
  retention: 'Y',
  organization: 'BGS',
  itemNumber: code.slice(-4),
  title,
  date: `${year}0315`,
  metadata: { 题名: title },
});

describeEachDatabase('openDatabase', (t) => {
  it('migrates a new database once; opening it again applies nothing', async () => {
    const place = await t.place({ empty: true });
    const first = await openDatabase(place);
    expect(first.kind).toBe(t.kind);
    expect(t.kind === 'pglite' ? first.pglite : first.url).toBeDefined();
    await first.ping();
    expect(await appliedMigrations(first.db)).toBe(journal.entries.length);
    expect(await tableNames(first.db)).toEqual([
      'accesses', 'audits', 'copies', 'event_chain_head', 'events', 'files', 'records', 'sessions', 'submission_objects', 'submissions', 'tokens',
      'transfers', 'users', 'volumes',
    ]);
    await first.close();
    await first.close();
    const again = await openDatabase(place);
    expect(await appliedMigrations(again.db)).toBe(journal.entries.length);
    await again.close();
  });

  it('keeps 档号 unique, searches Chinese titles, and lists copies oldest-audited first', async () => {
    const { db } = await t.open();
    await db.insert(records).values([
      record('J001-WS·2024-Y-BGS-0001', '关于报送2024年度档案工作总结的通知'),
      record('J001-WS·2024-Y-BGS-0002', '某某县人民政府常务会议纪要'),
      record('J001-WS·2023-Y-BGS-0001', '关于报送2023年度统计数据的函', 2023),
    ]);
    await expect(db.insert(records).values(record('J001-WS·2024-Y-BGS-0001', '重复'))).rejects.toThrow();

    const found = await db
      .select({ code: records.archivalCode })
      .from(records)
      .where(and(eq(records.fonds, 'J001'), like(records.title, '%报送2024%')));
    expect(found).toEqual([{ code: 'J001-WS·2024-Y-BGS-0001' }]);
    const short = await db.select({ code: records.archivalCode }).from(records).where(like(records.title, '%报送%'));
    expect(short).toHaveLength(2);

    const [rec] = await db.select({ id: records.id }).from(records).where(eq(records.archivalCode, 'J001-WS·2024-Y-BGS-0002'));
    const [file] = await db
      .insert(files)
      .values({ recordId: rec.id, sequence: 1, name: '正文.pdf', size: 5_000_000_000, sha256: 'a'.repeat(64), sm3: 'b'.repeat(64), role: '主文档', objectKey: 'k/1' })
      .returning();
    expect(file.size).toBe(5_000_000_000);
    await expect(
      db.insert(files).values({ ...file, id: undefined, name: 'x', role: '其他' as '主文档' }),
    ).rejects.toThrow();
    await db.insert(copies).values([
      { fileId: file.id, objectKey: 'k/1', store: 'primary', lastAuditedAt: new Date('2026-01-02T00:00:00Z'), lastAuditResult: 'ok' },
      { fileId: file.id, objectKey: 'k/2', store: 'primary', lastAuditedAt: new Date('2025-01-02T00:00:00Z'), lastAuditResult: 'ok' },
      { fileId: file.id, objectKey: 'k/3', store: 'primary' },
      { fileId: file.id, objectKey: 'k/1', store: 'backup' },
    ]);
    const order = await db
      .select({ key: copies.objectKey })
      .from(copies)
      .where(eq(copies.store, 'primary'))
      .orderBy(sql`${copies.lastAuditedAt} asc nulls first`);
    expect(order.map((c) => c.key)).toEqual(['k/3', 'k/2', 'k/1']);
    await expect(db.insert(copies).values({ objectKey: 'k/1', store: 'backup' })).rejects.toThrow();
  });

  it('holds an idempotency key once per submitter and package', async () => {
    const { db } = await t.open();
    const base = { source: 'online' as const, submitter: 'token:abc', idempotencyKey: 'k1', packageSha256: 'c'.repeat(64) };
    const [first] = await db.insert(submissions).values(base).returning();
    expect(first).toMatchObject({ status: 'received', stage: 'archiving', attempts: 0 });
    await expect(db.insert(submissions).values(base)).rejects.toThrow();
    await db.insert(submissions).values({ ...base, submitter: 'token:other' });
    await db.insert(submissions).values([{ ...base, idempotencyKey: null }, { ...base, idempotencyKey: null }]);
    await expect(db.insert(submissions).values({ ...base, idempotencyKey: 'k2', status: 'lost' as 'failed' })).rejects.toThrow();
    const rows = await db.select().from(submissions).orderBy(asc(submissions.createdAt));
    expect(rows).toHaveLength(4);
  });

  it('refuses to start when a migration merged late would be skipped, and warns about newer ones', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'dangan-migrations-'));
    try {
      cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
      const place = await t.place();
      await (await openDatabase({ ...place, migrationsFolder: folder })).close();

      const journalPath = join(folder, 'meta', '_journal.json');
      const j = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number; when: number; tag: string }[] };
      const late = { ...j.entries[1], idx: j.entries.length, when: j.entries[1].when + 1, tag: '9999_late_branch' };
      writeFileSync(join(folder, `${late.tag}.sql`), 'CREATE TABLE late_branch (id int);');
      writeFileSync(journalPath, JSON.stringify({ ...j, entries: [...j.entries, late] }));
      const err = await failure(openDatabase({ ...place, migrationsFolder: folder }));
      expect(err).toBeInstanceOf(MigrationMismatchError);
      expect(err.message).toContain('9999_late_branch');

      // The database is ahead of an older build of dangan: it starts, with a warning.
      writeFileSync(journalPath, JSON.stringify({ ...j, entries: j.entries.slice(0, -1) }));
      const warnings: object[] = [];
      const older = await openDatabase({ ...place, migrationsFolder: folder, log: { info() {}, warn: (o) => warnings.push(o) } });
      await older.close();
      expect(warnings).toEqual([{ unknownMigrations: [j.entries[j.entries.length - 1].when] }]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  if (t.kind === 'postgres') {
    it('lets several processes start together on a fresh server database: migrations run once', async () => {
      const place = await t.place();
      const opened = await Promise.all([1, 2, 3, 4].map(() => openDatabase({ ...place, poolSize: 2 })));
      try {
        expect(await appliedMigrations(opened[0].db)).toBe(journal.entries.length);
        const [head] = rowsOf<{ n: string | number }>(await opened[0].db.execute(sql`select count(*) as n from event_chain_head`));
        expect(Number(head.n)).toBe(1);
        for (const o of opened) await o.ping();
      } finally {
        await Promise.all(opened.map((o) => o.close()));
      }
    });
  }
});

async function failure(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as Error,
  );
}

describe('openDatabase failures', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  async function listen(onConnection: (s: Socket) => void): Promise<number> {
    const server = createServer(onConnection);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as { port: number }).port;
  }

  it('fails at once for a closed port, naming the URL without its password', async () => {
    const port = await listen(() => {});
    await new Promise((r) => servers.pop()!.close(r)); // nothing listens there now
    const url = `postgres://dangan:s3cret-pw@127.0.0.1:${port}/archive`;
    const started = Date.now();
    const err = await failure(openDatabase({ url, dataDir: tmpdir() }));
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(err.message).toContain(`postgres://dangan:***@127.0.0.1:${port}/archive`);
    expect(err.message).not.toContain('s3cret');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('gives up after connectTimeoutSeconds when the server never answers', async () => {
    const port = await listen((s) => sockets.push(s)); // accepts, then stays silent
    const started = Date.now();
    const err = await failure(
      openDatabase({ url: `postgres://u:pw@127.0.0.1:${port}/x`, dataDir: tmpdir(), connectTimeoutSeconds: 1 }),
    );
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(err.message).not.toContain(':pw@');
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('refuses a URL that is not PostgreSQL instead of quietly using the embedded database', async () => {
    const err = await failure(openDatabase({ url: 'mysql://root:pw@localhost/db', dataDir: tmpdir() }));
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(err.message).toMatch(/postgres:\/\//);
    expect(err.message).not.toContain(':pw@');
  });

  it('redactUrl hides only the password', () => {
    expect(redactUrl('postgres://a:b@h:5432/d?sslmode=require')).toBe('postgres://a:***@h:5432/d?sslmode=require');
    expect(redactUrl('postgres://a@h/d')).toBe('postgres://a@h/d');
  });
});
