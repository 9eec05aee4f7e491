// Transfer round trip: ingest the sample at one archive, build its transfer package (stored and
// verified in the primary and backup store), receive it into a second data directory, and compare
// records, files and digests; the package is read by unzip, sha256sum, openssl only.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../src/db/testing.ts';
import { copies, events, files, records, transfers, volumes } from '../../src/db/schema.ts';
import { createReceiptJobs, createTransfer, openTransferPackage, parseTransferRegister, RECEIPT_QUEUE, RECEIPT_REGISTERED, RECEIPT_REJECTED, settleReceipt, stageReceipt, transferKey } from '../../src/transfer/index.ts';
import { verifyEventLog } from '../../src/events/index.ts';
import type { Report } from '../../src/checks/report.ts';
import { openReceiver, receiveQueued, untilSettled, type Receiver } from './receipt-support.ts';
import { ingestFile, openArchive, readAll, SAMPLE, testPki, type Archive } from './transfer-support.ts';

async function catalogueOf(a: Archive) {
  const recs = await a.database.db.select().from(records).orderBy(asc(records.archivalCode));
  const out = [];
  for (const r of recs) {
    const fs = await a.database.db.select().from(files).where(eq(files.recordId, r.id)).orderBy(asc(files.sequence));
    out.push({ code: r.archivalCode, title: r.title, volume: r.volumeCode, fonds: r.fonds, year: r.year, files: fs.map((f) => ({ seq: f.sequence, name: f.name, size: f.size, sha256: f.sha256, sm3: f.sm3, role: f.role })) });
  }
  return out;
}

describeEachDatabase('transfer and receipt', (dbs) => {
  let work: string;
  let from: Archive;
  let to: Archive;
  let receiver: Receiver;
  let pkg: Buffer;
  let pkiInfo: ReturnType<typeof testPki>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'dangan-transfer-e2e-'));
    pkiInfo = testPki(join(work, 'pki'));
    from = await openArchive({ trust: pkiInfo.trust, signing: pkiInfo.signing, databases: dbs });
    to = await openArchive({ trust: pkiInfo.trust, signing: pkiInfo.signing, databases: dbs });
    receiver = await openReceiver(to);
    await ingestFile(from, SAMPLE);
  }, 120_000);
  afterAll(async () => {
    await receiver?.stop();
    await from?.close();
    await to?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('builds the package, stores it in every store and reads each copy back', async () => {
    const out = await createTransfer(from.deps, { fonds: 'J001', requestedBy: 'user:tester', receivingUnit: '某某县档案馆', preparedBy: '张三', reviewedBy: '李四' });
    if (out.status !== 'stored') throw new Error(out.reason + JSON.stringify((out.transfer.report as { items: { status: string }[] } | null)?.items.filter((i) => i.status === 'fail')));
    const t = out.transfer;
    expect(t.recordCount).toBe(4);
    expect(t.fileCount).toBe(5);
    const got = await openTransferPackage(from.deps, t.id);
    pkg = await readAll(got!.stream);
    expect(pkg.length).toBe(t.size);
    for (const s of [from.primary, from.backup]) expect(await readAll(await s.get(transferKey(t.id)))).toEqual(pkg);
    // the package's digests as recorded (its SM3 taken from the copies read back) are those of its bytes
    const want = { sha256: createHash('sha256').update(pkg).digest('hex'), sm3: createHash('sm3').update(pkg).digest('hex') };
    expect({ sha256: t.sha256, sm3: t.sm3 }).toEqual(want);
    const cs = await from.database.db.select().from(copies).where(eq(copies.objectKey, transferKey(t.id)));
    expect(cs.map((c) => c.store).sort()).toEqual(['backup-1', 'primary']);
    for (const c of cs) expect({ sha256: c.sha256, sm3: c.sm3 }).toEqual(want);
    const ev = await from.database.db.select().from(events).where(eq(events.subjectId, t.id));
    expect(ev.map((e) => e.type)).toEqual(expect.arrayContaining(['transfer.requested', 'transfer.copy-verified', 'transfer.stored']));
    const [row] = await from.database.db.select().from(transfers).where(eq(transfers.id, t.id));
    expect(row.status).toBe('stored');
  }, 120_000);

  it('is read by unzip, sha256sum -c, openssl dgst -sm3 and openssl cms -verify alone', () => {
    const dir = join(work, 'open');
    mkdirSync(dir);
    writeFileSync(join(work, 'transfer.zip'), pkg);
    execFileSync('unzip', ['-q', join(work, 'transfer.zip'), '-d', dir]);
    execFileSync('sha256sum', ['--quiet', '-c', 'manifest-sha256.txt'], { cwd: dir });
    // SM3 of every line of manifest-sm3.txt
    const lines = readFileSync(join(dir, 'manifest-sm3.txt'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      const [digest, path] = [line.slice(0, 64), line.slice(66)];
      const out = execFileSync('openssl', ['dgst', '-sm3', '-r', path], { cwd: dir, encoding: 'utf8' });
      expect(out.slice(0, 64)).toBe(digest);
    }
    const ca = pkiInfo.pki.alg.rsa.root.certPath;
    execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', '签名/manifest-sm3.txt.p7s', '-content', 'manifest-sm3.txt', '-CAfile', ca, '-purpose', 'any', '-out', '/dev/null'], { cwd: dir, stdio: 'pipe' });
    // the register names the manifests by their digests
    const reg = parseTransferRegister(readFileSync(join(dir, '移交登记表.xml')));
    if (!reg.ok) throw new Error(reg.problem);
    const sm3 = execFileSync('openssl', ['dgst', '-sm3', '-r', 'manifest-sm3.txt'], { cwd: dir, encoding: 'utf8' }).slice(0, 64);
    expect(reg.register.digests).toContainEqual({ object: 'manifest-sm3.txt', algorithm: 'SM3', value: sm3 });
    expect(reg.register.recordCount).toBe(4);
    expect(reg.register.receivingUnit).toBe('某某县档案馆');
    for (const f of ['移交登记表.html', '检测报告.json', '检测报告.html', '档案目录.xml', '档案目录.html', '说明文件.txt', '目录文件.xml', 'J001/J001-001-0012/案卷元数据.xml']) expect(readFileSync(join(dir, f)).length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(dir, '检测报告.json'), 'utf8')).stage).toBe('transfer');
    expect(readFileSync(join(dir, 'J001/J001-WS·2024-Y-BGS-0002/元数据.xml'), 'utf8')).toMatch(/<控制标识>(开放|控制)<\/控制标识>/);
  });

  it('is received into a second data directory with the same records, files and digests (queued: staged, then a job)', async () => {
    const view = await receiveQueued(receiver.service, { body: Readable.from([pkg]), packageName: 'transfer.zip', submitter: 'user:receiver', receivedBy: '王五' });
    const report = view.submission.report as Report;
    if (view.status !== 'registered') throw new Error(JSON.stringify(view.status === 'rejected' ? report.items.filter((i) => i.status === 'fail') : view));
    expect(report.stage).toBe('transfer');
    expect(report.items.filter((i) => i.code.startsWith('GD'))).toEqual([]);
    for (const code of ['YJ-1-5', 'YJ-2-1', 'YJ-2-4']) expect(report.items.find((i) => i.code === code)?.status).toBe('pass');
    expect(await catalogueOf(to)).toEqual(await catalogueOf(from));
    const vs = await to.database.db.select().from(volumes);
    expect(vs.map((v) => v.archivalCode)).toEqual(['J001-001-0012']);
    // every content object in both stores of the receiving archive, byte for byte
    for (const f of await to.database.db.select().from(files)) {
      for (const s of [to.primary, to.backup]) expect((await readAll(await s.get(f.objectKey))).length).toBe(f.size);
    }
    // the 交接登记表, sealed by the receiving unit, verifies with openssl
    const xml = await receiver.service.openHandover(view.submission.id);
    const seal = await receiver.service.openHandover(view.submission.id, 'seal');
    const dir = join(work, 'handover');
    mkdirSync(dir);
    writeFileSync(join(dir, '交接登记表.xml'), xml!);
    writeFileSync(join(dir, '交接登记表.xml.p7s'), seal!);
    execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', '交接登记表.xml.p7s', '-content', '交接登记表.xml', '-CAfile', pkiInfo.pki.alg.rsa.root.certPath, '-purpose', 'any', '-out', '/dev/null'], { cwd: dir, stdio: 'pipe' });
    const text = readFileSync(join(dir, '交接登记表.xml'), 'utf8');
    expect(text).toContain('<接收结果>接收</接收结果>');
    expect(text).toContain('王五');
    expect(await readAll(await to.backup.get(view.handover!.key))).toEqual(xml);
    expect(view.receivedBy).toBe('王五');
    // the staged package is gone once archived
    expect(await to.primary.head(`staging/${view.submission.id}`)).toBeUndefined();
  }, 120_000);

  it('a crash after archiving, before the 交接登记表: the workers write it once at start-up; a receipt never queued is taken up too', async () => {
    const late = await openArchive({ trust: pkiInfo.trust, signing: pkiInfo.signing, databases: dbs });
    let r2: Receiver | undefined;
    try {
      const deps = { ...late.deps, ingest: late.ingest };
      // the crash window: staged, then archived by the normal processing, and the process gone before the handover
      const staged = await stageReceipt(deps, { body: Readable.from([pkg]), packageName: 'transfer.zip', submitter: 'user:receiver', receivedBy: '赵六' });
      if (staged.kind !== 'staged') throw new Error(staged.kind);
      const id = staged.submission.id;
      expect((await late.ingest.process(id)).status).toBe('archived');
      const registered = () => late.database.db.select().from(events).where(and(eq(events.type, RECEIPT_REGISTERED), eq(events.subjectId, id)));
      expect(await registered()).toHaveLength(0);
      // another receipt staged but never queued (died before its job): a package cut short
      const cut = await stageReceipt(deps, { body: Readable.from([pkg.subarray(0, Math.floor(pkg.length * 0.6))]), packageName: 'cut.zip', submitter: 'user:receiver' });
      if (cut.kind !== 'staged') throw new Error(cut.kind);

      // restart: the workers start and take both up
      r2 = await openReceiver(late);
      const view = await untilSettled(r2.service, id);
      expect(view.status).toBe('registered');
      const ev = await registered();
      expect(ev).toHaveLength(1);
      const xml = await r2.service.openHandover(id);
      expect(xml!.toString('utf8')).toContain('<接收人>赵六</接收人>');
      expect(xml!.toString('utf8')).toContain('<接收结果>接收</接收结果>');
      for (const s of [late.primary, late.backup]) expect(await readAll(await s.get(view.handover!.key))).toEqual(xml);
      expect(await r2.service.openHandover(id, 'seal')).toBeDefined();
      const rejected = await untilSettled(r2.service, cut.submission.id);
      expect(rejected.status).toBe('rejected');
      expect((rejected.submission.report as Report).items.filter((i) => i.status === 'fail').map((i) => i.code)).toContain('YJ-1-5');
      expect(await late.primary.head(`staging/${cut.submission.id}`)).toBeUndefined();

      // running it all again — the resume, a retried job, settling by hand — writes nothing more
      const again = await settleReceipt(deps, id);
      expect(again.status).toBe('archived');
      if (again.status === 'archived') expect(Buffer.from(again.handover.xml)).toEqual(xml);
      await r2.queue.send(RECEIPT_QUEUE, { id }, { singletonKey: `${id}:again` });
      await r2.queue.send(RECEIPT_QUEUE, { id: cut.submission.id }, { singletonKey: `${cut.submission.id}:again` });
      for (const until = Date.now() + 30_000; Date.now() < until && (await r2.queue.counts(RECEIPT_QUEUE)).completed < 3; ) await new Promise((w) => setTimeout(w, 200));
      expect((await r2.queue.counts(RECEIPT_QUEUE)).completed).toBe(3);
      // and a further restart finds nothing left to settle
      expect(await createReceiptJobs(deps).resume()).toBe(0);
      expect(await registered()).toHaveLength(1);
      const rejectedEvents = await late.database.db.select().from(events).where(and(eq(events.type, RECEIPT_REJECTED), eq(events.subjectId, cut.submission.id)));
      expect(rejectedEvents).toHaveLength(1);
      expect((await verifyEventLog(late.database.db)).ok).toBe(true);
    } finally {
      await r2?.stop();
      await late.close();
    }
  }, 180_000);

  it('fails, keeping no copy, when a backup store gives back other bytes than were written', async () => {
    const liar = { ...from.backup, get: async () => Readable.from([Buffer.from('not the package')]) };
    const out = await createTransfer({ ...from.deps, backups: [liar] }, { fonds: 'J001', requestedBy: 'user:tester' });
    expect(out.status).toBe('failed');
    if (out.status !== 'failed') return;
    expect(out.reason).toContain('backup-1');
    expect(out.transfer.status).toBe('failed');
    expect(await from.primary.head(transferKey(out.transfer.id))).toBeUndefined();
    expect(await from.database.db.select().from(copies).where(eq(copies.objectKey, transferKey(out.transfer.id)))).toEqual([]);
    const ev = await from.database.db.select().from(events).where(eq(events.subjectId, out.transfer.id));
    expect(ev.map((e) => e.type)).toContain('transfer.failed');
  }, 120_000);

  it('fails with YJ-1-1, keeping no copy, when a stored file no longer has the digest recorded at ingest', async () => {
    const [f] = await from.database.db.select().from(files).orderBy(asc(files.sequence)).limit(1);
    const original = await readAll(await from.primary.get(f.objectKey));
    const changed = Buffer.from(original);
    changed[changed.length >> 1] ^= 0xff;
    // read through get() (not a file system): this object comes back changed, the same size
    const tampered = { ...from.primary, location: 's3://bucket/prefix', localFile: undefined, get: async (k: string, r?: { start: number; end?: number }) => (k === f.objectKey ? Readable.from([changed]) : from.primary.get(k, r)) };
    const out = await createTransfer({ ...from.deps, primary: tampered }, { fonds: 'J001', requestedBy: 'user:tester' });
    expect(out.status).toBe('failed');
    if (out.status !== 'failed') return;
    expect(out.reason).toContain(f.name);
    expect(out.reason).toContain('入库时');
    const report = out.transfer.report as { items: { code: string; status: string }[] };
    expect(report.items.find((i) => i.code === 'YJ-1-1')?.status).toBe('fail');
    for (const s of [from.primary, from.backup]) expect(await s.head(transferKey(out.transfer.id))).toBeUndefined();
    expect(await from.database.db.select().from(copies).where(eq(copies.objectKey, transferKey(out.transfer.id)))).toEqual([]);
  }, 120_000);

  it('fails, keeping no copy, when a file store object was changed on disk: the same size (read in one piece: YJ-1-1) or longer (read in chunks: YJ-2-2)', async () => {
    const [f] = await from.database.db.select().from(files).orderBy(asc(files.sequence)).limit(1);
    const path = (await from.primary.localFile!(f.objectKey))!;
    const original = await readFile(path);
    const changed = Buffer.from(original);
    changed[changed.length >> 1] ^= 0xff;
    try {
      const cases = [
        { bytes: changed, reason: '读回后与入库时记录的摘要不符', code: 'YJ-1-1' },
        { bytes: Buffer.concat([original, Buffer.from('x')]), reason: '比声明的大小长', code: 'YJ-2-2' },
      ];
      for (const c of cases) {
        await chmod(path, 0o644);
        await writeFile(path, c.bytes);
        const out = await createTransfer(from.deps, { fonds: 'J001', requestedBy: 'user:tester' });
        expect(out.status).toBe('failed');
        if (out.status !== 'failed') return;
        expect(out.reason).toContain(`的文件 ${f.name}`);
        expect(out.reason).toContain(c.reason);
        const report = out.transfer.report as { items: { code: string; status: string }[] };
        expect(report.items.find((i) => i.code === c.code && i.status === 'fail')).toBeDefined();
        expect(await from.primary.head(transferKey(out.transfer.id))).toBeUndefined();
      }
    } finally {
      await writeFile(path, original);
    }
  }, 120_000);

  it('builds the same way from a store that is not a file system (S3: objects read through get())', async () => {
    const remote = { ...from.primary, location: 's3://bucket/prefix', localFile: undefined };
    const out = await createTransfer({ ...from.deps, primary: remote }, { fonds: 'J001', requestedBy: 'user:tester' });
    expect(out.status).toBe('stored');
    expect(out.transfer.fileCount).toBe(5);
    expect(out.transfer.totalBytes).toBe((await catalogueOf(from)).flatMap((r) => r.files).reduce((n, f) => n + f.size, 0));
  }, 120_000);
});
