// Bad transfer packages at the receiving archive: a register whose counts, bytes or digest
// disagree, records listed vs present, a missing or forged seal, a record changed after sealing,
// a package cut short — each rejected with its YJ item and nothing stored (received as the API does:
// staged and queued, then settled by the receiving archive's worker).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { count } from 'drizzle-orm';
import yazl from 'yazl';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signDetachedCms } from '../../src/crypto/index.ts';
import type { Report } from '../../src/checks/report.ts';
import { records } from '../../src/db/schema.ts';
import { createTransfer, openTransferPackage } from '../../src/transfer/index.ts';
import { openReceiver, receiveQueued, type Receiver } from './receipt-support.ts';
import { ingestFile, openArchive, readAll, SAMPLE, testPki, type Archive } from './transfer-support.ts';

let work: string;
let from: Archive;
let to: Archive;
let receiver: Receiver;
let pkg: Buffer;
let pkiInfo: ReturnType<typeof testPki>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dangan-transfer-bad-'));
  pkiInfo = testPki(join(work, 'pki'));
  from = await openArchive({ trust: pkiInfo.trust, signing: pkiInfo.signing });
  to = await openArchive({ trust: pkiInfo.trust, signing: pkiInfo.signing });
  receiver = await openReceiver(to);
  await ingestFile(from, SAMPLE);
  const out = await createTransfer(from.deps, { fonds: 'J001', requestedBy: 'system' });
  if (out.status !== 'stored') throw new Error(out.reason);
  pkg = await readAll((await openTransferPackage(from.deps, out.transfer.id))!.stream);
}, 120_000);
afterAll(async () => {
  await receiver?.stop();
  await from?.close();
  await to?.close();
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
/** The package unpacked, changed by `edit`, and zipped again (stored entries, UTF-8 names). */
async function altered(edit: (dir: string) => void): Promise<Buffer> {
  const dir = join(work, `case-${++n}`);
  writeFileSync(`${dir}.zip`, pkg);
  execFileSync('unzip', ['-q', `${dir}.zip`, '-d', dir]);
  edit(dir);
  const zip = new yazl.ZipFile();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else zip.addBuffer(readFileSync(p), relative(dir, p), { compress: false });
    }
  };
  walk(dir);
  zip.end();
  return readAll(zip.outputStream);
}

const editFile = (dir: string, path: string, f: (s: string) => string) => writeFileSync(join(dir, path), f(readFileSync(join(dir, path), 'utf8')));

async function expectRejected(bytes: Buffer, code: string) {
  const out = await receiveQueued(receiver.service, { body: Readable.from([bytes]), packageName: `case-${n}.zip`, submitter: 'user:receiver' });
  expect(out.status).toBe('rejected');
  const failed = (out.submission.report as Report).items.filter((i) => i.status === 'fail');
  expect(failed.map((i) => i.code)).toContain(code);
  expect(failed.every((i) => i.code.startsWith('YJ-'))).toBe(true);
  // nothing stored: no records, no objects in either store
  const [{ n: held }] = await to.database.db.select({ n: count() }).from(records);
  expect(held).toBe(0);
  for (const s of [to.primary, to.backup]) {
    const keys: string[] = [];
    for await (const o of s.list()) keys.push(o.key);
    expect(keys).toEqual([]);
  }
  return failed;
}

it('YJ-2-1: the register counts a record more than the package holds', async () => {
  await expectRejected(await altered((d) => editFile(d, '移交登记表.xml', (s) => s.replace('<档案数量>4</档案数量>', '<档案数量>5</档案数量>'))), 'YJ-2-1');
});

it('YJ-2-1: the register states other bytes and files', async () => {
  const failed = await expectRejected(
    await altered((d) => editFile(d, '移交登记表.xml', (s) => s.replace(/<总字节数>(\d+)<\/总字节数>/, (_, b) => `<总字节数>${Number(b) + 1}</总字节数>`).replace('<文件数量>5</文件数量>', '<文件数量>6</文件数量>'))),
    'YJ-2-1',
  );
  expect(failed!.filter((i) => i.code === 'YJ-2-1').length).toBe(2);
});

it('YJ-1-5: the register states another manifest digest', async () => {
  await expectRejected(await altered((d) => editFile(d, '移交登记表.xml', (s) => s.replace(/(<对象>manifest-sm3.txt<\/对象>\s*<算法>SM3<\/算法>\s*<摘要值>)([0-9a-f])/, (_, p, c) => `${p}${c === '0' ? '1' : '0'}`))), 'YJ-1-5');
});

it('YJ-2-4: a record present but not listed in the register', async () => {
  await expectRejected(await altered((d) => editFile(d, '移交登记表.xml', (s) => s.replace('<档号>J001-WS·2024-Y-BGS-0002</档号>', ''))), 'YJ-2-4');
});

it('YJ-1-5: the seal is missing', async () => {
  await expectRejected(await altered((d) => rmSync(join(d, '签名'), { recursive: true })), 'YJ-1-5');
});

it('YJ-1-5: the seal is forged (made with a key the archive does not trust)', async () => {
  const forger = pkiInfo.pki.untrustedLeaf;
  await expectRejected(await altered((d) => writeFileSync(join(d, '签名/manifest-sm3.txt.p7s'), signDetachedCms(readFileSync(join(d, 'manifest-sm3.txt')), forger.keyPem, forger.certPem))), 'YJ-1-5');
});

it('YJ-1-5: a record changed after sealing', async () => {
  await expectRejected(
    await altered((d) => {
      const p = join(d, 'J001/J001-WS·2024-Y-BGS-0001/元数据.xml');
      writeFileSync(p, readFileSync(p, 'utf8').replace('关于做好2024年春季防汛工作的通知', '关于做好2024年夏季防汛工作的通知'));
    }),
    'YJ-1-5',
  );
});

it('YJ-1-5: a package cut short in transit', async () => {
  n++;
  await expectRejected(pkg.subarray(0, Math.floor(pkg.length * 0.6)), 'YJ-1-5');
});
