// The transfer API: POST /api/v1/transfers (queued: 202, then followed to stored), GET the transfer
// and its package, POST /api/v1/receipts at a second archive (202, then followed on
// GET /api/v1/receipts/{id}: a changed package rejected, the intact one registered with its
// 交接登记表 and seal), through app.request(). Only an admin token creates transfers and receipts (a submitter
// or auditor gets 403 and nothing is created); an auditor reads them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { count } from 'drizzle-orm';
import { submissions, transfers as transferRows } from '../../src/db/schema.ts';
import { createToken } from '../../src/ingest/index.ts';
import { createQueue, queueDatabaseOf, type Queue } from '../../src/jobs/index.ts';
import { createTransferService } from '../../src/transfer/index.ts';
import { ingestFile, openArchive, SAMPLE, testPki, type Archive } from './transfer-support.ts';

let work: string;
let from: Archive;
let to: Archive;
let tokenFrom: string;
let tokenTo: string;
let submitterFrom: string;
let auditorFrom: string;
let submitterTo: string;
let auditorTo: string;

let queue: Queue;
let queueTo: Queue;

function appOf(a: Archive, q?: Queue) {
  const transfers = createTransferService({ ...a.deps, ingest: a.ingest, queue: q });
  if (q) void transfers.startWorkers();
  return createApp({ logger: pino({ level: 'silent' }), probes: [], api: { db: a.database.db, ingest: a.ingest, stores: [a.primary, a.backup], version: 'test', transfers } });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dangan-transfer-http-'));
  const { trust, signing } = testPki(join(work, 'pki'));
  from = await openArchive({ trust, signing });
  to = await openArchive({ trust, signing });
  await ingestFile(from, SAMPLE);
  queue = createQueue(queueDatabaseOf(from.database), { superviseIntervalSeconds: 1, onError: () => {} });
  await queue.start();
  queueTo = createQueue(queueDatabaseOf(to.database), { superviseIntervalSeconds: 1, onError: () => {} });
  await queueTo.start();
  tokenFrom = (await createToken(from.database.db, { system: 'agency', fonds: ['J001'], role: 'admin', actor: 'test' })).token;
  tokenTo = (await createToken(to.database.db, { system: 'archive', fonds: ['J001'], role: 'admin', actor: 'test' })).token;
  submitterFrom = (await createToken(from.database.db, { system: 'oa', fonds: ['J001'], actor: 'test' })).token;
  auditorFrom = (await createToken(from.database.db, { system: 'audit-office', fonds: ['J001'], role: 'auditor', actor: 'test' })).token;
  submitterTo = (await createToken(to.database.db, { system: 'oa', fonds: ['J001'], actor: 'test' })).token;
  auditorTo = (await createToken(to.database.db, { system: 'audit-office', fonds: ['J001'], role: 'auditor', actor: 'test' })).token;
}, 120_000);
afterAll(async () => {
  await queue?.stop({ graceful: false, timeoutMs: 2000 });
  await queueTo?.stop({ graceful: false, timeoutMs: 2000 });
  await from?.close();
  await to?.close();
  rmSync(work, { recursive: true, force: true });
});

it('builds a transfer, serves it, and the receiving archive accepts it; a changed package is rejected', async () => {
  const api = appOf(from, queue);
  const auth = { Authorization: `Bearer ${tokenFrom}` };
  const bad = await api.request('/api/v1/transfers', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ fonds: 'J001', year: 1990 }) });
  expect(bad.status).toBe(400);
  const forbidden = await api.request('/api/v1/transfers', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ fonds: 'J002' }) });
  expect(forbidden.status).toBe(403);
  expect((await api.request('/api/v1/transfers', { method: 'POST', body: '{}' })).status).toBe(401);
  // Creating a transfer needs the admin role: a submitter's or an auditor's valid request is refused and creates nothing.
  for (const [token, role] of [[submitterFrom, 'submitter'], [auditorFrom, 'auditor']] as const) {
    const refused = await api.request('/api/v1/transfers', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ fonds: 'J001', receivingUnit: '某某县档案馆' }) });
    expect(refused.status).toBe(403);
    const err = (await refused.json()) as { error: { code: string; message: string } };
    expect(err.error.code).toBe('forbidden');
    expect(err.error.message).toContain(`role ${role}`);
    expect(err.error.message).toContain('needs admin');
  }
  expect((await from.database.db.select({ n: count() }).from(transferRows))[0].n).toBe(0);

  const created = await api.request('/api/v1/transfers', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ fonds: 'J001', receivingUnit: '某某县档案馆', access: '开放' }) });
  expect(created.status).toBe(202);
  const pending = (await created.json()) as { id: string; status: string };
  expect(pending.status).toBe('pending');
  type View = { id: string; status: string; records: number; package: { sha256: string; size: number }; failureReason: string | null };
  let t: View = { ...pending, records: 0, package: { sha256: '', size: 0 }, failureReason: null };
  for (const until = Date.now() + 60_000; Date.now() < until && (t.status === 'pending' || t.status === 'building'); await new Promise((w) => setTimeout(w, 300))) {
    t = (await (await api.request(`/api/v1/transfers/${pending.id}`, { headers: auth })).json()) as View;
  }
  expect(t.failureReason).toBeNull();
  expect(t.status).toBe('stored');
  expect(t.records).toBe(4);
  const got = (await (await api.request(`/api/v1/transfers/${t.id}`, { headers: auth })).json()) as { register: { recordCount: number } };
  expect(got.register.recordCount).toBe(4);
  // Reading a transfer: an auditor may (its status and its package), a submitting system may not.
  const audited = await api.request(`/api/v1/transfers/${t.id}`, { headers: { Authorization: `Bearer ${auditorFrom}` } });
  expect(audited.status).toBe(200);
  expect(((await audited.json()) as { status: string }).status).toBe('stored');
  expect((await api.request(`/api/v1/transfers/${t.id}/package`, { headers: { Authorization: `Bearer ${auditorFrom}` } })).status).toBe(200);
  expect((await api.request(`/api/v1/transfers/${t.id}`, { headers: { Authorization: `Bearer ${submitterFrom}` } })).status).toBe(403);
  expect((await api.request(`/api/v1/transfers/${t.id}/package`, { headers: { Authorization: `Bearer ${submitterFrom}` } })).status).toBe(403);
  const res = await api.request(`/api/v1/transfers/${t.id}/package`, { headers: auth });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/zip');
  const pkg = Buffer.from(await res.arrayBuffer());
  expect(pkg.length).toBe(t.package.size);
  expect(createHash('sha256').update(pkg).digest('hex')).toBe(t.package.sha256);

  const archive = appOf(to, queueTo);
  const authTo = { Authorization: `Bearer ${tokenTo}`, 'Content-Type': 'application/zip' };
  // Receiving needs the admin role too: the intact package from a submitter's or an auditor's token is refused and nothing is stored.
  for (const token of [submitterTo, auditorTo]) {
    const refused = await archive.request('/api/v1/receipts', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/zip' }, body: pkg });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden');
  }
  expect((await to.database.db.select({ n: count() }).from(submissions))[0].n).toBe(0);
  const stored: string[] = [];
  for await (const o of to.primary.list()) stored.push(o.key);
  expect(stored).toEqual([]);
  // one byte changed inside a stored entry: the manifest no longer matches
  const changed = Buffer.from(pkg);
  const at = changed.indexOf(Buffer.from('%PDF'));
  changed[at + 20] ^= 0xff;
  type ReceiptJson = { id: string; status: string; settled: boolean; receivedBy: string | null; report: { items: { code: string; status: string }[] } | null; handover: { key: string; sealKey: string | null } | null; links: { self: string; handover: string; handoverSeal: string } };
  const follow = async (res: Response): Promise<ReceiptJson> => {
    expect(res.status).toBe(202);
    const first = (await res.json()) as ReceiptJson;
    expect(first.status).toBe('received');
    expect(res.headers.get('location')).toBe(`/api/v1/receipts/${first.id}`);
    let r = first;
    for (const until = Date.now() + 60_000; Date.now() < until && !r.settled; await new Promise((w) => setTimeout(w, 300))) {
      r = (await (await archive.request(first.links.self, { headers: { Authorization: `Bearer ${tokenTo}` } })).json()) as ReceiptJson;
    }
    return r;
  };
  const rejected = await follow(await archive.request('/api/v1/receipts', { method: 'POST', headers: authTo, body: changed }));
  expect(rejected.status).toBe('rejected');
  expect(rejected.report!.items.filter((i) => i.status === 'fail').map((i) => i.code)).toContain('YJ-1-5');
  expect(rejected.handover).toBeNull();
  expect((await archive.request(rejected.links.handover, { headers: { Authorization: `Bearer ${tokenTo}` } })).status).toBe(404);

  const accepted = await follow(await archive.request('/api/v1/receipts', { method: 'POST', headers: { ...authTo, 'X-Dangan-Received-By': encodeURIComponent('王五') }, body: pkg }));
  expect(accepted.status).toBe('registered');
  expect(accepted.receivedBy).toBe('王五');
  expect(accepted.handover?.sealKey).not.toBeNull();
  const xml = await archive.request(accepted.links.handover, { headers: { Authorization: `Bearer ${tokenTo}` } });
  expect(xml.status).toBe(200);
  expect(xml.headers.get('content-type')).toContain('application/xml');
  const text = await xml.text();
  expect(text).toContain('<接收结果>接收</接收结果>');
  expect(text).toContain('王五');
  const seal = await archive.request(accepted.links.handoverSeal, { headers: { Authorization: `Bearer ${tokenTo}` } });
  expect(seal.status).toBe(200);
  expect((await seal.arrayBuffer()).byteLength).toBeGreaterThan(500);
  // the token that sent it also reads the submission; a receipt is for admins only
  expect((await archive.request(`/api/v1/submissions/${accepted.id}`, { headers: { Authorization: `Bearer ${tokenTo}` } })).status).toBe(200);
  expect((await archive.request(accepted.links.self, { headers: { Authorization: `Bearer ${submitterTo}` } })).status).toBe(403);
  expect((await archive.request('/api/v1/receipts/00000000-0000-4000-8000-000000000000', { headers: { Authorization: `Bearer ${tokenTo}` } })).status).toBe(404);
  const recs = (await (await archive.request('/api/v1/records?fonds=J001', { headers: { Authorization: `Bearer ${tokenTo}` } })).json()) as { items?: unknown[]; records?: unknown[] };
  expect((recs.items ?? recs.records ?? []).length).toBe(4);
}, 120_000);
