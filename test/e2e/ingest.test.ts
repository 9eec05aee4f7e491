// The ingest service end to end over real HTTP (127.0.0.1, port 0) on PGlite and PostgreSQL, with
// the file store and S3 (s3rver) as primary and backup: archive, idempotency, auth, size limit,
// a store that is down, callbacks, the records API with 利用登记, metrics and OpenAPI.
import { createHash, createHmac } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../src/db/testing.ts';
import { accesses, events, records, submissionObjects, submissions } from '../../src/db/schema.ts';
import { createToken } from '../../src/ingest/index.ts';
import { openPackage } from '../../src/package/index.ts';
import { openApiDocument } from '../../src/http/openapi.ts';
import { writeIngestPackage } from './ingest-packages.ts';
import { getSubmission, listAll, openTestStore, startS3rver, startService, waitFor, waitForVerdict, type S3Server } from './ingest-support.ts';

const SAMPLE = join(import.meta.dirname, '..', '..', 'packages-samples', 'valid.zip');
const R1 = 'J001-WS·2024-Y-BGS-0001';
const BUCKETS = ['primary-bucket', 'backup-bucket'];

let s3: S3Server;
let work: string;
beforeAll(async () => {
  s3 = await startS3rver(BUCKETS);
  work = mkdtempSync(join(tmpdir(), 'dangan-ingest-e2e-'));
}, 60_000);
afterAll(async () => {
  await s3?.stop();
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
const fresh = (name: string) => {
  const d = join(work, `${name}-${++n}`);
  mkdirSync(d, { recursive: true });
  return d;
};
const fileStore = (name: string) => openTestStore(pathToFileURL(fresh(name)).href, name);
const s3Store = (bucket: string, name: string) => openTestStore(`s3://${bucket}/run-${process.pid}-${++n}`, name, s3.endpoint);

function post(url: string, token: string | undefined, body: RequestInit['body'], headers: Record<string, string> = {}) {
  return fetch(`${url}/api/v1/submissions`, {
    method: 'POST',
    headers: { 'content-type': 'application/zip', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
}
const auth = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describeEachDatabase('ingest over HTTP', (t) => {
  it('archives a package into the file store with an S3 backup: records, copies, 利用登记, events, idempotency', async () => {
    const database = await t.open();
    const db = database.db;
    const primary = fileStore('primary');
    const backup = s3Store('backup-bucket', 'backup');
    const svc = await startService({ database, tmpDir: fresh('tmp'), primary, backups: [backup] });
    try {
      const { token } = await svc.token(['J001']);
      const bytes = readFileSync(SAMPLE);
      const res = await post(svc.url, token, bytes, { 'idempotency-key': 'k1', 'x-dangan-package-name': 'valid.zip' });
      expect(res.status).toBe(202);
      const accepted = (await res.json()) as { id: string; status: string; links: { self: string } };
      expect(accepted.status).toBe('received');
      expect(accepted.links.self).toBe(`/api/v1/submissions/${accepted.id}`);

      const done = await waitForVerdict(svc.url, token, accepted.id);
      expect(done.status, JSON.stringify(done.report?.items.filter((i) => i.status === 'fail'))).toBe('archived');
      expect(done.report?.verdict).toBe('accepted');

      // Same key, same bytes: the first submission. Same key, other bytes: 409.
      const again = await post(svc.url, token, bytes, { 'idempotency-key': 'k1' });
      expect(again.status).toBe(202);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(((await again.json()) as { id: string }).id).toBe(accepted.id);
      const other = join(fresh('pkg'), 'other.zip');
      await writeIngestPackage(other, { division: 'IDM' });
      const clash = await post(svc.url, token, readFileSync(other), { 'idempotency-key': 'k1' });
      expect(clash.status).toBe(409);
      expect(((await clash.json()) as { error: { code: string } }).error.code).toBe('conflict');

      // Every file of the package is in both stores under its content key, proven by digest.
      const source = await openPackage(SAMPLE);
      const entries = source.entries.map((e) => e.path).sort();
      await source.close();
      const objects = await db.select().from(submissionObjects).where(eq(submissionObjects.submissionId, accepted.id));
      expect(objects.map((o) => o.path).sort()).toEqual(entries);
      for (const store of [primary, backup]) {
        for (const o of objects) {
          const info = await store.head(o.objectKey);
          expect(info?.size, `${store.name} ${o.path}`).toBe(o.size);
        }
        expect(await listAll(store, 'staging/')).toEqual([]);
        expect(await listAll(store, 'pending/')).toEqual([]);
      }

      // The records API.
      const list = (await (await fetch(`${svc.url}/api/v1/records?fonds=J001&year=2024`, auth(token))).json()) as { total: number; items: { archivalCode: string }[] };
      expect(list.items.map((i) => i.archivalCode)).toContain(R1);
      const search = (await (await fetch(`${svc.url}/api/v1/records?q=${encodeURIComponent('防汛')}`, auth(token))).json()) as { total: number };
      expect(search.total).toBe(2);
      const rec = (await (await fetch(`${svc.url}/api/v1/records/${encodeURIComponent(R1)}`, auth(token))).json()) as {
        title: string;
        files: { sequence: number; name: string; sha256: string; copies: { store: string; status: string }[] }[];
        events: { type: string }[];
      };
      expect(rec.files.length).toBe(2);
      for (const f of rec.files) expect(f.copies.map((c) => c.store).sort()).toEqual(['backup', 'primary']);
      expect(rec.events.map((e) => e.type)).toContain('record.archived');

      const noPurpose = await fetch(`${svc.url}/api/v1/records/${encodeURIComponent(R1)}/files/1`, auth(token));
      expect(noPurpose.status).toBe(400);
      const dl = await fetch(`${svc.url}/api/v1/records/${encodeURIComponent(R1)}/files/1?purpose=${encodeURIComponent('工作查考')}`, auth(token));
      expect(dl.status).toBe(200);
      const got = new Uint8Array(await dl.arrayBuffer());
      expect(sha256(got)).toBe(rec.files[0].sha256);
      const [{ n: accessCount }] = await db.select({ n: count() }).from(accesses);
      expect(Number(accessCount)).toBe(1);

      // A second copy of the same package: duplicates of what is held, rejected; nothing added.
      const dup = await post(svc.url, token, bytes);
      const dupDone = await waitForVerdict(svc.url, token, ((await dup.json()) as { id: string }).id);
      expect(dupDone.status).toBe('rejected');
      expect(dupDone.report?.items.find((i) => i.code.endsWith('-1-8'))?.status).toBe('fail');
      const [{ n: recordCount }] = await db.select({ n: count() }).from(records);
      expect(Number(recordCount)).toBe(4);

      // The event log tells the story and is intact.
      const types = (await db.select({ type: events.type }).from(events)).map((e) => e.type);
      for (const ty of ['submission.received', 'submission.accepted', 'submission.stored', 'backup.verified', 'record.archived', 'submission.archived', 'record.accessed', 'submission.rejected']) {
        expect(types, ty).toContain(ty);
      }
      // The whole log is for auditors: the submitting system's token is refused.
      expect((await fetch(`${svc.url}/api/v1/events/verify`, auth(token))).status).toBe(403);
      const auditor = (await createToken(db, { system: 'auditor', fonds: ['J001'], role: 'auditor', actor: 'test' })).token;
      const verify = await fetch(`${svc.url}/api/v1/events/verify`, auth(auditor));
      expect(verify.status).toBe(200);
      expect(((await verify.json()) as { ok: boolean }).ok).toBe(true);
      const page = (await (await fetch(`${svc.url}/api/v1/events?type=record.archived`, auth(auditor))).json()) as { items: unknown[] };
      expect(page.items.length).toBe(4);

      // Operations. Every queue on the database is watched, also those of other services (transfers, receipts).
      await svc.queue.define('receipt');
      const metrics = await (await fetch(`${svc.url}/metrics`)).text();
      expect(metrics).toMatch(/dangan_queue_depth\{queue="receipt"\} 0/);
      expect(metrics).toMatch(/dangan_submissions\{status="archived",verdict="accepted"\} 1/);
      expect(metrics).toMatch(/dangan_submissions\{status="rejected",verdict="rejected"\} 1/);
      expect(metrics).toMatch(/dangan_queue_depth\{queue="ingest"\} \d+/);
      expect(metrics).toMatch(/dangan_check_duration_seconds_count 2/);
      const doc = (await (await fetch(`${svc.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
      expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument('test'))));
    } finally {
      await svc.close();
    }
  });

  it('refuses missing, wrong and other-fonds tokens, bodies over the limit and other media types, storing nothing', async () => {
    const database = await t.open();
    const db = database.db;
    const primary = fileStore('primary');
    const bytes = readFileSync(SAMPLE);
    const svc = await startService({ database, tmpDir: fresh('tmp'), primary, maxUploadBytes: bytes.length - 1 });
    try {
      const j001 = (await svc.token(['J001'])).token;
      const j002 = (await svc.token(['J002'])).token;
      const small = join(fresh('pkg'), 'small.zip');
      await writeIngestPackage(small, { division: 'AUTH', count: 1, pdfBytes: 100 });
      const smallBytes = readFileSync(small);
      expect(smallBytes.length).toBeLessThan(bytes.length - 1);

      expect((await post(svc.url, undefined, smallBytes)).status).toBe(401);
      const wrong = await post(svc.url, 'dgn_not-a-token', smallBytes);
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as { error: { code: string; requestId: string } }).error).toMatchObject({ code: 'unauthorized' });
      expect((await post(svc.url, j002, smallBytes, { 'x-dangan-fonds': 'J001' })).status).toBe(403);
      expect((await post(svc.url, j001, smallBytes, { 'content-type': 'text/plain' })).status).toBe(415);

      // Over the limit, announced by Content-Length and sent chunked without one.
      expect((await post(svc.url, j001, bytes)).status).toBe(413);
      const chunks = [bytes.subarray(0, 4000), bytes.subarray(4000)];
      const chunked = new ReadableStream<Uint8Array>({
        pull(c) {
          const next = chunks.shift();
          if (next) c.enqueue(next);
          else c.close();
        },
      });
      expect((await post(svc.url, j001, chunked)).status).toBe(413);

      expect(await listAll(primary)).toEqual([]);
      const [{ n: subs }] = await db.select({ n: count() }).from(submissions);
      expect(Number(subs)).toBe(0);

      // A token of J002 sending records of J001 (no header): the check's GD-4-7 rejects it.
      const res = await post(svc.url, j002, smallBytes);
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      const done = await waitForVerdict(svc.url, j002, id);
      expect(done.status).toBe('rejected');
      expect(done.report?.items.find((i) => i.code.endsWith('-4-7'))?.status).toBe('fail');
      // Other fonds see neither the submission nor records.
      expect((await fetch(`${svc.url}/api/v1/submissions/${id}`, auth(j001))).status).toBe(404);
      expect((await fetch(`${svc.url}/api/v1/records?fonds=J001`, auth(j002))).status).toBe(403);
      const [{ n: recs }] = await db.select({ n: count() }).from(records);
      expect(Number(recs)).toBe(0);

      // Nothing of it in the stores but the staged package itself.
      expect(await listAll(primary, 'pending/')).toEqual([]);
      // The rejected package stays staged for the retention, then the sweep removes it.
      expect(await listAll(primary, 'staging/')).toEqual([`staging/${id}`]);
      expect(await svc.ingest.sweepStaging(new Date())).toBe(0);
      expect(await svc.ingest.sweepStaging(new Date(Date.now() + 8 * 24 * 3600_000))).toBe(1);
      expect(await listAll(primary, 'staging/')).toEqual([]);
      const [after] = await db.select().from(submissions).where(eq(submissions.id, id));
      expect(after.stagingKey).toBeNull();
      expect(after.report).not.toBeNull();
    } finally {
      await svc.close();
    }
  });

  it('keeps nothing of an upload the client abandons half-way', async () => {
    const database = await t.open();
    const primary = fileStore('primary');
    const svc = await startService({ database, tmpDir: fresh('tmp'), primary });
    try {
      const { token } = await svc.token(['J001']);
      const { port } = new URL(svc.url);
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/submissions', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip' } });
      req.on('error', () => {});
      req.write(Buffer.alloc(256 * 1024, 1));
      await new Promise((r) => setTimeout(r, 300));
      req.destroy();
      await waitFor('the aborted upload to be cleaned up', async () => ((await listAll(primary)).length === 0 ? true : undefined), 10_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(await listAll(primary)).toEqual([]);
      expect(await database.db.select().from(submissions)).toEqual([]);
    } finally {
      await svc.close();
    }
  });

  it('waits and retries while a backup store is down, and archives once it is back', async () => {
    const database = await t.open();
    const primary = fileStore('primary');
    const backupDir = join(fresh('backup-parent'), 'not-mounted-yet');
    // a store that is missing is an error, not a new empty store
    const down = await import('../../src/store/index.ts').then((m) => m.openStore(pathToFileURL(backupDir).href, { name: 'offsite' }));
    const svc = await startService({
      database,
      tmpDir: fresh('tmp'),
      primary,
      backups: [down],
      policy: { ingest: { retryLimit: 20, retryDelay: 1, retryBackoff: false } },
    });
    try {
      const { token } = await svc.token(['J001']);
      const pkg = join(fresh('pkg'), 'p.zip');
      const codes = await writeIngestPackage(pkg, { division: 'DOWN' });
      const { id } = (await (await post(svc.url, token, readFileSync(pkg))).json()) as { id: string };
      const waiting = await waitFor('a recorded store failure', async () => {
        const s = await getSubmission(svc.url, token, id);
        return s.failureReason ? s : undefined;
      });
      expect(waiting.status).toBe('accepted');
      expect(waiting.failureReason).toMatch(/offsite/);
      expect(waiting.attempts).toBeGreaterThanOrEqual(1);
      expect(await database.db.select().from(records)).toEqual([]);
      mkdirSync(backupDir, { recursive: true });
      const done = await waitForVerdict(svc.url, token, id);
      expect(done.status).toBe('archived');
      expect(done.failureReason).toBeNull();
      const held = await database.db.select({ code: records.archivalCode }).from(records);
      expect(held.map((r) => r.code).sort()).toEqual(codes);
    } finally {
      await svc.close();
    }
  });

  it('fails with the reason after the retries when a store stays down, never archived', async () => {
    const database = await t.open();
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const deadS3 = openTestStore(`s3://backup-bucket/x`, 'dead-s3', `http://127.0.0.1:${port}`);
    const svc = await startService({ database, tmpDir: fresh('tmp'), primary: fileStore('primary'), backups: [deadS3], policy: { ingest: { retryLimit: 1, retryDelay: 1, retryBackoff: false } } });
    try {
      const { token } = await svc.token(['J001']);
      const pkg = join(fresh('pkg'), 'p.zip');
      await writeIngestPackage(pkg, { division: 'DEAD', count: 1 });
      const { id } = (await (await post(svc.url, token, readFileSync(pkg))).json()) as { id: string };
      const done = await waitForVerdict(svc.url, token, id);
      expect(done.status).toBe('failed');
      expect(done.failureReason).toMatch(/dead-s3/);
      expect(done.attempts).toBe(2);
      expect(await database.db.select().from(records)).toEqual([]);
      const types = (await database.db.select({ type: events.type }).from(events)).map((e) => e.type);
      expect(types).toContain('submission.failed');
      expect(types).not.toContain('submission.archived');
    } finally {
      await svc.close();
    }
  });

  it('archives with S3 as primary and a file backup, serves files from S3, and POSTs a signed callback until acknowledged', async () => {
    const database = await t.open();
    const primary = s3Store('primary-bucket', 'primary');
    const backup = fileStore('backup');
    const calls: { body: string; signature: string | undefined }[] = [];
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        calls.push({ body, signature: req.headers['x-dangan-signature'] as string | undefined });
        res.statusCode = calls.length === 1 ? 500 : 204; // the first delivery is refused
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const svc = await startService({ database, tmpDir: fresh('tmp'), primary, backups: [backup] });
    try {
      const { token, secret } = await svc.token(['J001'], hook);
      const pkg = join(fresh('pkg'), 'p.zip');
      const codes = await writeIngestPackage(pkg, { division: 'S3P', count: 3 });
      const { id } = (await (await post(svc.url, token, readFileSync(pkg))).json()) as { id: string };
      const done = await waitForVerdict(svc.url, token, id);
      expect(done.status).toBe('archived');
      const rec = (await (await fetch(`${svc.url}/api/v1/records/${encodeURIComponent(codes[1])}`, auth(token))).json()) as { files: { sha256: string; copies: { store: string }[] }[] };
      expect(rec.files[0].copies.map((c) => c.store).sort()).toEqual(['backup', 'primary']);
      expect(await primary.head(`sha256/${rec.files[0].sha256.slice(0, 2)}/${rec.files[0].sha256.slice(2, 4)}/${rec.files[0].sha256}`)).toBeDefined();
      const dl = await fetch(`${svc.url}/api/v1/records/${encodeURIComponent(codes[1])}/files/1?purpose=audit`, auth(token));
      expect(sha256(new Uint8Array(await dl.arrayBuffer()))).toBe(rec.files[0].sha256);
      expect(await listAll(primary, 'staging/')).toEqual([]);

      const delivered = await waitFor('callback delivered', async () => {
        const s = await getSubmission(svc.url, token, id);
        return s.callback?.deliveredAt ? s : undefined;
      });
      expect(delivered.callback?.deliveredAt).toBeTruthy();
      expect(calls.length).toBe(2);
      const last = calls[1];
      expect(last.signature).toBe(`sha256=${createHmac('sha256', secret!).update(last.body).digest('hex')}`);
      expect(JSON.parse(last.body)).toMatchObject({ id, status: 'archived', verdict: 'accepted' });
    } finally {
      await svc.close();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });

  it('archives one of two packages racing for the same 件号 and rejects the other', async () => {
    const database = await t.open();
    const svc = await startService({ database, tmpDir: fresh('tmp'), primary: fileStore('primary') });
    try {
      const { token } = await svc.token(['J001']);
      const a = join(fresh('pkg'), 'a.zip');
      const b = join(fresh('pkg'), 'b.zip');
      await writeIngestPackage(a, { division: 'RACE', count: 2, pdfBytes: 1000 });
      await writeIngestPackage(b, { division: 'RACE', count: 2, pdfBytes: 1500 });
      const ids = await Promise.all([a, b].map(async (p) => ((await (await post(svc.url, token, readFileSync(p))).json()) as { id: string }).id));
      const done = await Promise.all(ids.map((id) => waitForVerdict(svc.url, token, id)));
      expect(done.map((d) => d.status).sort()).toEqual(['archived', 'rejected']);
      const [{ n: recs }] = await database.db.select({ n: count() }).from(records);
      expect(Number(recs)).toBe(2);
    } finally {
      await svc.close();
    }
  });
});
