// Token roles and revocation over real HTTP: a submitter token pushes and reads its fonds but may
// not read the event log or touch audits (403, Chinese message); an auditor token reads the log and
// runs audits but may not push; admin does both. A revoked token gets 401 on its next request, and
// the revocation is an event. The commands: token create --role, token list, token revoke <prefix>
// against a running `dangan serve` (PostgreSQL, the service and the command in separate processes).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { count, eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditService, parseAuditPolicies } from '../../src/audit/index.ts';
import { loadProfile } from '../../src/config/profile.ts';
import { openDatabase } from '../../src/db/index.ts';
import { audits, events, submissions, tokens } from '../../src/db/schema.ts';
import { createTestDatabases, describeEachDatabase } from '../../src/db/testing.ts';
import { createApp } from '../../src/http/app.ts';
import { createIngestService, createToken, revokeToken } from '../../src/ingest/index.ts';
import { createNoScanner } from '../../src/scan/index.ts';
import { listAll, openTestStore } from './ingest-support.ts';

const root = join(import.meta.dirname, '..', '..');
const SAMPLE = readFileSync(join(root, 'packages-samples', 'valid.zip'));
const CHINESE = /[\u4e00-\u9fff]/;

describeEachDatabase('token roles over HTTP', (t) => {
  it('gives each role its routes, 403 with a Chinese message elsewhere, and 401 once revoked', async () => {
    const place = await t.place();
    const database = await openDatabase(place);
    const db = database.db;
    const storeDir = join(place.dataDir, 'store');
    mkdirSync(storeDir, { recursive: true });
    const primary = openTestStore(pathToFileURL(storeDir).href, 'primary');
    const logger = pino({ level: 'silent' });
    // No queue: submissions wait as received (this test is about who may do what, not processing).
    const ingest = createIngestService({
      db,
      primary,
      backups: [],
      scanner: createNoScanner(),
      profile: await loadProfile(undefined),
      tmpDir: join(place.dataDir, 'tmp'),
      tool: { name: 'dangan', version: 'test' },
      actor: 'worker:test',
      maxUploadBytes: 1 << 30,
    });
    const auditService = createAuditService({ db, stores: [primary], policies: parseAuditPolicies({}), actor: 'test:auditor', log: logger, tool: { name: 'dangan', version: 'test' } });
    const app = createApp({ logger, probes: [], api: { db, ingest, stores: [primary], version: 'test', audits: auditService } });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((r) => server.once('listening', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const submitter = await createToken(db, { system: 'oa', fonds: ['J001'], actor: 'test' });
      const auditor = await createToken(db, { system: 'audit-office', fonds: ['J001'], role: 'auditor', actor: 'test' });
      const admin = await createToken(db, { system: 'ops', fonds: ['J001'], role: 'admin', actor: 'test' });
      expect([submitter.role, auditor.role, admin.role]).toEqual(['submitter', 'auditor', 'admin']);
      await expect(createToken(db, { system: 'x', fonds: ['J001'], role: 'root', actor: 'test' })).rejects.toThrow(/角色/);

      const call = (token: string, path: string, init: RequestInit = {}) =>
        fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });
      const push = (token: string) => call(token, '/api/v1/submissions', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: SAMPLE });
      const startAudit = (token: string) => call(token, '/api/v1/audits', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ samplePercent: 1 }) });
      const forbidden = async (res: Response) => {
        expect(res.status).toBe(403);
        const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
        expect(body.error.code).toBe('forbidden');
        expect(body.error.message).toMatch(CHINESE);
        expect(body.error.requestId).not.toBe('');
        return body.error.message;
      };

      // Submitter: pushes and reads its own submission; the log and audits are closed to it.
      const pushed = await push(submitter.token);
      expect(pushed.status).toBe(202);
      const { id } = (await pushed.json()) as { id: string };
      expect((await call(submitter.token, `/api/v1/submissions/${id}`)).status).toBe(200);
      expect((await call(submitter.token, '/api/v1/records?fonds=J001')).status).toBe(200);
      expect(await forbidden(await call(submitter.token, '/api/v1/events'))).toMatch(/审计人员 auditor/);
      await forbidden(await call(submitter.token, '/api/v1/events?type=submission.received'));
      await forbidden(await call(submitter.token, '/api/v1/events/verify'));
      await forbidden(await startAudit(submitter.token));
      await forbidden(await call(submitter.token, '/api/v1/audits'));
      await forbidden(await call(submitter.token, '/api/v1/audits/metrics'));
      expect(Number((await db.select({ n: count() }).from(audits))[0].n)).toBe(0);

      // Auditor: reads the log, verifies it, starts and reads audits, reads submissions of its fonds; never pushes.
      const page = await call(auditor.token, '/api/v1/events?type=submission.received');
      expect(page.status).toBe(200);
      expect(((await page.json()) as { items: { subjectId: string }[] }).items.map((e) => e.subjectId)).toEqual([id]);
      expect((await call(auditor.token, '/api/v1/events/verify')).status).toBe(200);
      expect((await call(auditor.token, `/api/v1/submissions/${id}`)).status).toBe(200);
      expect(await forbidden(await push(auditor.token))).toMatch(/提交系统 submitter/);
      expect(Number((await db.select({ n: count() }).from(submissions))[0].n)).toBe(1);
      expect(await listAll(primary, 'staging/')).toEqual([`staging/${id}`]);
      const audit = await startAudit(auditor.token);
      expect(audit.status).toBe(202);
      const auditId = ((await audit.json()) as { id: string }).id;
      expect((await call(auditor.token, `/api/v1/audits/${auditId}`)).status).toBe(200);
      expect((await call(auditor.token, '/api/v1/audits')).status).toBe(200);

      // Admin: both.
      expect((await push(admin.token)).status).toBe(202);
      expect((await call(admin.token, '/api/v1/events/verify')).status).toBe(200);
      expect((await call(admin.token, '/api/v1/audits')).status).toBe(200);

      // Revoked by id prefix: refused on the very next request, and the log says who and when.
      expect(await revokeToken(db, submitter.id.slice(0, 8).toUpperCase(), { actor: 'test:ops' })).toMatchObject({ kind: 'revoked', token: { id: submitter.id } });
      const gone = await call(submitter.token, `/api/v1/submissions/${id}`);
      expect(gone.status).toBe(401);
      expect(((await gone.json()) as { error: { message: string } }).error.message).toMatch(/吊销/);
      expect((await push(submitter.token)).status).toBe(401);
      expect(await revokeToken(db, submitter.id, { actor: 'test:ops' })).toMatchObject({ kind: 'already_revoked' });
      expect(await revokeToken(db, 'zzzz', { actor: 'test:ops' })).toEqual({ kind: 'not_found' });
      const logged = await db.select().from(events).where(eq(events.type, 'token.revoked'));
      expect(logged.map((e) => ({ actor: e.actor, subject: e.subjectId, payload: e.payload }))).toEqual([
        { actor: 'test:ops', subject: submitter.id, payload: { system: 'oa', fonds: ['J001'], role: 'submitter' } },
      ]);
      // The other tokens still work; the log (with the revocation in it) is intact.
      const verified = await call(auditor.token, '/api/v1/events/verify');
      expect(((await verified.json()) as { ok: boolean }).ok).toBe(true);
      await auditService.stop();
    } finally {
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      await database.close();
    }
  });
});

// The commands in their own processes beside a running service (PostgreSQL: PGlite is one process's).
const dbs = createTestDatabases('postgres');
afterAll(() => dbs.cleanup());

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'dangan.js'), ...args], { env: { ...process.env, DANGAN_LOG_LEVEL: 'warn', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(process.env.DANGAN_TEST_PG === 'off')('token commands (postgres)', () => {
  it('creates tokens with roles, lists them, and revokes one by prefix while the service runs', async () => {
    const place = await dbs.place();
    const store = join(place.dataDir, 'store');
    const env = { DATABASE_URL: place.url!, DANGAN_DATA: join(place.dataDir, 'data'), DANGAN_STORE: pathToFileURL(store).href };
    const bad = await run(['token', 'create', '--system', 'x', '--fonds', 'J001', '--role', 'root'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/角色.*submitter, auditor, admin/);

    const created = await run(['token', 'create', '--system', 'oa', '--fonds', 'J001'], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain('role=submitter');
    const subToken = created.stdout.trim().split('\n').pop()!;
    const aud = await run(['token', 'create', '--system', 'audit-office', '--fonds', 'J001,J002', '--role', 'auditor'], env);
    expect(aud.code, aud.stderr).toBe(0);
    const audToken = aud.stdout.trim().split('\n').pop()!;

    const listed = await run(['token', 'list', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout) as { id: string; system: string; role: string; fonds: string[]; revokedAt: string | null }[];
    expect(rows.map((r) => [r.system, r.role, r.fonds.join(','), r.revokedAt])).toEqual([
      ['oa', 'submitter', 'J001', null],
      ['audit-office', 'auditor', 'J001,J002', null],
    ]);
    expect(JSON.stringify(rows)).not.toContain(subToken);
    const table = await run(['token', 'list'], env);
    expect(table.stdout).toMatch(new RegExp(`${rows[0].id}\\s+submitter\\s+oa\\s+J001`));

    const serve = spawn(process.execPath, [join(root, 'bin', 'dangan.js'), 'serve', '--port', '0'], { env: { ...process.env, DANGAN_LOG_LEVEL: 'warn', ...env } });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        let err = '';
        serve.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /http:\/\/localhost:(\d+)\/healthz/.exec(err);
          if (m) resolve(m[1]);
        });
        serve.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
      });
      const get = (token: string, path: string) => fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect((await get(subToken, '/api/v1/records')).status).toBe(200);
      expect((await get(subToken, '/api/v1/events')).status).toBe(403);
      expect((await get(audToken, '/api/v1/events')).status).toBe(200);

      const revoked = await run(['token', 'revoke', rows[0].id.slice(0, 6)], env);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(revoked.stderr).toContain('已吊销');
      expect((await get(subToken, '/api/v1/records')).status).toBe(401);
      expect((await get(audToken, '/api/v1/events')).status).toBe(200);
      const missing = await run(['token', 'revoke', 'ffffffff'], env);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('没有这个令牌');
    } finally {
      serve.kill('SIGTERM');
      await new Promise((r) => serve.once('exit', r));
    }

    const active = JSON.parse((await run(['token', 'list', '--json'], env)).stdout) as { system: string }[];
    expect(active.map((r) => r.system)).toEqual(['audit-office']);
    const all = JSON.parse((await run(['token', 'list', '--all', '--json'], env)).stdout) as { system: string; revokedAt: string | null }[];
    expect(all.map((r) => [r.system, r.revokedAt !== null])).toEqual([
      ['oa', true],
      ['audit-office', false],
    ]);
    const database = await openDatabase({ url: place.url!, dataDir: place.dataDir });
    try {
      const revokedEvents = await database.db.select({ actor: events.actor, subject: events.subjectId }).from(events).where(eq(events.type, 'token.revoked'));
      expect(revokedEvents).toEqual([{ actor: 'cli:token-revoke', subject: rows[0].id }]);
      expect((await database.db.select({ role: tokens.role }).from(tokens).where(eq(tokens.id, rows[1].id)))[0].role).toBe('auditor');
    } finally {
      await database.close();
    }
  });
});
