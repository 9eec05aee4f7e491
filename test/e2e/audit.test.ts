// Fixity audits end to end on PGlite and PostgreSQL: records archived by the ingest service into a
// file store, S3 (s3rver) and backups; bits flipped, objects cut short and deleted behind the
// service's back; the audit finds every one, repairs each that has a good copy, flags the rest;
// the report (JSON, HTML, BC codes), the HTTP routes, and the byte-rate throttle.
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auditFailed, createAuditService, parseAuditPolicies, type AuditReport } from '../../src/audit/index.ts';
import { describeEachDatabase } from '../../src/db/testing.ts';
import { copies, events } from '../../src/db/schema.ts';
import { createApp } from '../../src/http/app.ts';
import { createToken, type IngestService } from '../../src/ingest/index.ts';
import type { ObjectStore } from '../../src/store/index.ts';
import { archive, bytesOf, cutShort, flipBit, fsTamper, remove, s3Tamper, scratch, type Tamper } from './audit-support.ts';
import { openTestStore, startS3rver, waitFor, type S3Server } from './ingest-support.ts';

const dirs = scratch('dangan-audit-e2e-');
const fresh = dirs.fresh;
let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3rver(['audit-primary', 'audit-backup']);
}, 60_000);
afterAll(async () => {
  await s3?.stop();
  dirs.cleanup();
});

function fileStore(name: string): { store: ObjectStore; tamper: Tamper } {
  const root = fresh(name);
  const store = openTestStore(pathToFileURL(root).href, name);
  return { store, tamper: fsTamper(store, root) };
}
function s3Store(bucket: string, name: string): { store: ObjectStore; tamper: Tamper } {
  const prefix = `run-${process.pid}-${dirs.next()}`;
  const store = openTestStore(`s3://${bucket}/${prefix}`, name, s3.endpoint);
  return { store, tamper: s3Tamper(store, s3.endpoint, bucket, prefix) };
}
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const quiet = pino({ level: 'silent' });
const tool = { name: 'dangan', version: 'test' };

function service(db: Parameters<typeof createAuditService>[0]['db'], stores: ObjectStore[], policies: unknown = {}) {
  return createAuditService({ db, stores, policies: parseAuditPolicies(policies), actor: 'test:auditor', log: quiet, tool });
}

const codesOf = (r: AuditReport, status: string) => r.report.items.filter((i) => i.status === status).map((i) => `${i.code} ${i.target}`).sort();

describeEachDatabase('fixity audit', (t) => {
  it('finds flipped, truncated and deleted objects in a file primary, an S3 backup and a file backup; repairs from good copies; flags the one with none', async () => {
    const database = await t.open();
    const db = database.db;
    const primary = fileStore('primary');
    const backupS3 = s3Store('audit-backup', 'backup-s3');
    const backupFs = fileStore('backup-fs');
    const stores = [primary.store, backupS3.store, backupFs.store];
    const pkg = await archive(db, stores, fresh('pkg'), { division: 'AUD', count: 3 });
    const [c0, c1, c2] = pkg.codes;
    const key = (path: string) => pkg.objects.get(path)!.key;

    const damaged = [
      { t: primary.tamper, path: `${c0}/正文.pdf`, how: flipBit, code: 'BC-1-1' },
      { t: primary.tamper, path: `${c1}/正文.pdf`, how: cutShort, code: 'BC-1-1' },
      { t: primary.tamper, path: `${c2}/元数据.xml`, how: remove, code: 'BC-2-1' },
      { t: backupS3.tamper, path: '目录文件.xml', how: flipBit, code: 'BC-3-4' },
      { t: backupS3.tamper, path: `${c0}/正文.pdf`, how: remove, code: 'BC-3-4' },
      { t: backupFs.tamper, path: '说明文件.txt', how: cutShort, code: 'BC-3-4' },
    ];
    for (const d of damaged) await d.how(d.t, key(d.path));
    // One object bad in every store: nothing to repair it from.
    const lost = `${c1}/元数据.xml`;
    for (const tm of [primary.tamper, backupS3.tamper, backupFs.tamper]) await flipBit(tm, key(lost), 10);
    // An object no record owns.
    const stray = await primary.store.put([Buffer.from('no record owns me')]);

    const audits = service(db, stores);
    const run = await audits.runNow({ repair: true, requestedBy: 'test' });
    expect(run.status).toBe('done');
    const a = run.audit!;
    expect(a.checked).toBe(27);
    expect({ missing: a.missing, corrupt: a.corrupt, repaired: a.repaired, errors: a.errors }).toEqual({ missing: 2, corrupt: 7, repaired: 6, errors: 0 });
    expect(auditFailed(a)).toBe(true);

    const report = (await audits.report(a.id))!;
    expect(report.report.stage).toBe('preservation');
    expect(report.report.verdict).toBe('rejected');
    expect(report.audit.summary.unrepairable).toBe(3);
    expect(report.audit.summary.packages.checked).toBe(1);
    const fails = codesOf(report, 'fail');
    for (const d of damaged) expect(fails).toContain(`${d.code} ${d.t.store.name}:${d.path}`);
    expect(fails).toContain(`BC-1-1 primary:${lost}`);
    expect(fails).toContain(`BC-3-4 backup-s3:${lost}`);
    expect(fails).toContain(`BC-3-4 backup-fs:${lost}`);
    expect(fails.length).toBe(9);
    expect(codesOf(report, 'warn')).toEqual([`BC-2-1 primary:${stray.key}`]);
    expect(codesOf(report, 'pass')).toContain('BC-1-5 package');

    // Every repaired copy holds the catalogue's bytes again; the lost one is flagged, not "fixed".
    for (const d of damaged) {
      const o = pkg.objects.get(d.path)!;
      expect(sha256(await bytesOf(d.t.store, o.key)), `${d.t.store.name} ${d.path}`).toBe(o.sha256);
      const [c] = await db.select().from(copies).where(and(eq(copies.store, d.t.store.name), eq(copies.objectKey, o.key)));
      expect(c.status).toBe('repaired');
    }
    const lostCopies = await db.select().from(copies).where(eq(copies.objectKey, key(lost)));
    expect(lostCopies.map((c) => c.status)).toEqual(['corrupt', 'corrupt', 'corrupt']);
    const flagged = await db.select().from(events).where(and(eq(events.type, 'copy.unrepairable'), eq(events.subjectId, c1)));
    expect(flagged.length).toBe(3);
    const repairedEvents = await db.select().from(events).where(eq(events.type, 'copy.repaired'));
    expect(repairedEvents.length).toBe(6);

    // Audited again: only the lost object still fails.
    const again = await audits.runNow({ requestedBy: 'test' });
    expect({ checked: again.audit!.checked, corrupt: again.audit!.corrupt, missing: again.audit!.missing, ok: again.audit!.ok }).toEqual({ checked: 27, corrupt: 3, missing: 0, ok: 24 });
  }, 120_000);

  it('audits an S3 primary the same way, and runs over HTTP: POST /api/v1/audits, GET the report as JSON and HTML', async () => {
    const database = await t.open();
    const db = database.db;
    const primary = s3Store('audit-primary', 'primary-s3');
    const backup = fileStore('backup');
    const stores = [primary.store, backup.store];
    const pkg = await archive(db, stores, fresh('pkg'), { division: 'S3A', count: 3 });
    const [c0, c1, c2] = pkg.codes;
    const damaged = [
      { t: primary.tamper, path: `${c0}/正文.pdf`, how: flipBit, code: 'BC-1-1' },
      { t: primary.tamper, path: `${c1}/正文.pdf`, how: cutShort, code: 'BC-1-1' },
      { t: primary.tamper, path: `${c0}/元数据.xml`, how: remove, code: 'BC-2-1' },
      { t: backup.tamper, path: `${c2}/正文.pdf`, how: remove, code: 'BC-3-4' },
    ];
    for (const d of damaged) await d.how(d.t, pkg.objects.get(d.path)!.key);

    const audits = service(db, stores);
    const token = await createToken(db, { system: 'auditor', fonds: ['J001'], role: 'auditor', actor: 'test' });
    const app = createApp({ logger: quiet, probes: [], api: { db, ingest: {} as IngestService, stores, version: 'test', audits } });
    const auth = { authorization: `Bearer ${token.token}` };
    expect((await app.request('/api/v1/audits', { method: 'POST', body: JSON.stringify({ repair: true }) })).status).toBe(401);
    expect((await app.request('/api/v1/audits', { method: 'POST', headers: auth, body: JSON.stringify({ store: 'nope' }) })).status).toBe(400);
    const res = await app.request('/api/v1/audits', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ repair: true }) });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const done = await waitFor('audit', async () => {
      const r = (await (await app.request(`/api/v1/audits/${id}`, { headers: auth })).json()) as AuditReport;
      return r.audit.status === 'done' ? r : undefined;
    });
    await audits.stop();
    expect({ checked: done.audit.checked, repaired: done.audit.repaired, failed: done.audit.failed }).toEqual({ checked: 18, repaired: 4, failed: true });
    const fails = codesOf(done, 'fail');
    expect(fails).toEqual(damaged.map((d) => `${d.code} ${d.t.store.name}:${d.path}`).sort());
    for (const d of damaged) {
      const o = pkg.objects.get(d.path)!;
      expect(sha256(await bytesOf(d.t.store, o.key))).toBe(o.sha256);
    }
    const page = await app.request(`/api/v1/audits/${id}?format=html`, { headers: auth });
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const htmlText = await page.text();
    for (const code of ['BC-1-1', 'BC-2-1', 'BC-3-4']) expect(htmlText).toContain(code);
    expect(htmlText).toContain('长期保存');
    const metrics = await (await app.request('/api/v1/audits/metrics', { headers: auth })).text();
    expect(metrics).toMatch(/dangan_copies\{store="primary-s3",status="repaired"\} 3/);

    // Repaired: a second run finds everything whole.
    const clean = await audits.runNow({ requestedBy: 'test' });
    expect(auditFailed(clean.audit!)).toBe(false);
    expect(clean.audit!.ok).toBe(18);
  }, 120_000);

  it('keeps within 10% of the policy byte rate', async () => {
    const database = await t.open();
    const db = database.db;
    const primary = fileStore('primary');
    const pkg = await archive(db, [primary.store], fresh('pkg'), { division: 'THR', count: 4, pdfBytes: 600_000 });
    const bytes = [...pkg.objects.values()].reduce((s, o) => s + o.size, 0);
    const rate = 1_000_000;
    const audits = service(db, [primary.store], { stores: [{ store: 'primary', maxBytesPerSecond: rate, concurrency: 4 }] });
    const started = performance.now();
    const run = await audits.runNow({ requestedBy: 'test' });
    const seconds = (performance.now() - started) / 1000;
    expect(run.audit!.ok).toBe(pkg.objects.size);
    const measured = bytes / seconds;
    expect(bytes).toBeGreaterThan(2_000_000);
    expect(Math.abs(measured - rate) / rate, `${Math.round(measured)} B/s for ${bytes} bytes in ${seconds.toFixed(2)} s`).toBeLessThan(0.1);
  }, 60_000);
});
