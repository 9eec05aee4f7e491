// The check engine end to end on real packages: each GD item made to pass and to fail.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync, truncateSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPatch, builtinProfile, type ProfilePatch } from '../config/profile.ts';
import { loadTrustStore, type TrustStore } from '../crypto/index.ts';
import { createClamdScanner, createNoScanner, type Scanner } from '../scan/index.ts';
import { eicar, startTestClamd, type TestClamd } from '../scan/test-clamd.ts';
import { makePki, opensslSignFile, type Pki } from '../../test/fixtures/crypto/openssl-pki.ts';
import { zipDirectoryGbk } from '../../test/fixtures/packages/build.ts';
import { cleanupCopies, copyValid, editRecord, R1, R2, replaceFile, reseal, SAMPLES, V1, V2, VOLUME } from '../../test/fixtures/packages/mutate.ts';
import { checkPackage, type CheckOptions } from './engine.ts';
import type { Report } from './report.ts';

const tool = { name: 'dangan', version: 'test' };
let pki: Pki;
let trust: TrustStore;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dangan-engine-'));
  pki = makePki(join(work, 'pki'));
  // The operator's trust folder: the roots, and the intermediates that <电子签名> certificates need
  // (a file signature carries only the signer's certificate).
  mkdirSync(join(pki.trustDir, 'intermediates'));
  for (const a of ['rsa', 'ec', 'sm2'] as const) copyFileSync(pki.alg[a].intermediate.certPath, join(pki.trustDir, 'intermediates', `${a}.pem`));
  trust = (await loadTrustStore(pki.trustDir)).store;
}, 120_000);
afterAll(() => {
  cleanupCopies();
  rmSync(work, { recursive: true, force: true });
});

async function run(path: string, opts: Partial<CheckOptions> & { patch?: ProfilePatch } = {}): Promise<Report> {
  const profile = applyPatch(builtinProfile('default'), opts.patch ?? {});
  return checkPackage(path, { stage: 'archiving', profile, scanner: createNoScanner(), trust, tool, now: () => new Date(Date.now() + 60_000), ...opts });
}

/** The codes that did not pass, with their status, sorted. */
function problems(r: Report): string[] {
  return [...new Set(r.items.filter((i) => i.status === 'fail' || i.status === 'warn').map((i) => `${i.code}:${i.status}`))].sort();
}
function failing(r: Report, code: string) {
  return r.items.filter((i) => i.code === code && i.status === 'fail');
}

describe('check engine on the samples', () => {
  it('accepts the valid package as a folder, a zip, a GBK-named zip and a bag, with the same report', async () => {
    const reports = await Promise.all(['valid', 'valid.zip', 'valid-gbk.zip', 'valid-bag'].map((p) => run(join(SAMPLES, p))));
    for (const r of reports) {
      expect(problems(r)).toEqual([]);
      expect(r.verdict).toBe('accepted');
      expect(r.package).toMatchObject({ records: 4, files: 5, bytes: 9579 });
    }
    const strip = (r: Report) => r.items.map((i) => [i.code, i.status, i.target]);
    expect(strip(reports[1])).toEqual(strip(reports[0]));
    expect(strip(reports[2])).toEqual(strip(reports[0]));
    // every GD item is in the report exactly as pass or skip (with its reason)
    const codes = new Set(reports[0].items.map((i) => i.code));
    expect(codes.size).toBe(35);
    expect(reports[0].items.filter((i) => i.status === 'skip').map((i) => i.code).sort()).toEqual(['GD-2-12', 'GD-2-9', 'GD-3-2', 'GD-4-1', 'GD-4-2']);
  });

  it('gives each invalid sample its intended code', async () => {
    const expectCode = async (file: string, code: string, text: RegExp) => {
      const r = await run(join(SAMPLES, 'invalid', file));
      expect(r.verdict).toBe('rejected');
      expect(failing(r, code).map((i) => i.message).join('\n')).toMatch(text);
    };
    await expectCode('zip-slip.zip', 'GD-1-13', /\.\./);
    await expectCode('zip-bomb.zip', 'GD-3-8', /压缩炸弹|zip bomb/);
    await expectCode('encrypted.zip', 'GD-3-8', /加密/);
    await expectCode('entity-bomb.zip', 'GD-3-1', /DOCTYPE/);
    await expectCode('truncated.zip', 'GD-1-13', /截断|truncated/);
  });
});

describe('pdf.js on worker threads', () => {
  it('gives the same report, item for item and in the same order, as pdf.js on the main thread', async () => {
    // many findings from many files at once: a cut PDF, a changed file, a stray file, bad values
    const pkg = copyValid();
    const pdf = readFileSync(join(pkg, R1, '正文.pdf'));
    replaceFile(pkg, R1, '正文.pdf', pdf.subarray(0, Math.floor(pdf.length / 2)));
    appendFileSync(join(pkg, R2, '照片.png'), Buffer.from('x'));
    writeFileSync(join(pkg, R2, '多余.pdf'), pdf);
    editRecord(pkg, R2, (m) => {
      m.description!.title = '长'.repeat(501);
    });
    const paths = [pkg, join(SAMPLES, 'valid'), join(SAMPLES, 'valid.zip'), join(SAMPLES, 'valid-bag'), ...['zip-slip.zip', 'encrypted.zip', 'truncated.zip'].map((f) => join(SAMPLES, 'invalid', f))];
    for (const path of paths) {
      const inThread = await run(path, { pdfWorkers: 'never' });
      const workers = await run(path, { pdfWorkers: 'always' });
      const items = (r: Report) => r.items.map((i) => JSON.stringify(i));
      expect(items(workers), path).toEqual(items(inThread));
      expect(workers.verdict).toBe(inThread.verdict);
    }
    const cut = await run(pkg, { pdfWorkers: 'always' });
    expect(failing(cut, 'GD-3-4').map((i) => i.target)).toContain(`${R1}/正文.pdf`);
  });
});

describe('GD items, each made to fail', () => {
  it('GD-1-1: a file changed after its digest was recorded', async () => {
    const pkg = copyValid();
    appendFileSync(join(pkg, R2, '照片.png'), Buffer.from('x'));
    const r = await run(pkg);
    expect(failing(r, 'GD-1-1')).toEqual([expect.objectContaining({ target: `${R2}/照片.png`, message: expect.stringContaining('数字摘要与文件不符') })]);
    expect(failing(r, 'GD-1-14').length).toBe(1); // and the manifest says so too
  });

  it('GD-1-2, 1-3, 1-4, 1-6, 2-3, 2-4: metadata values', async () => {
    const pkg = copyValid();
    editRecord(pkg, R2, (m) => {
      m.description!.title = '长'.repeat(501);
      m.description!.author = ' 办公室';
      m.description!.classification = '内部';
      m.form!.pageCount = 'three';
      delete m.recordId;
      m.provenance!.unitName = '';
    });
    reseal(pkg);
    const r = await run(pkg);
    expect(problems(r)).toEqual(['GD-1-12:fail', 'GD-1-2:fail', 'GD-1-3:fail', 'GD-1-4:fail', 'GD-1-6:fail', 'GD-2-3:fail', 'GD-2-4:fail']);
    expect(failing(r, 'GD-1-12')[0].message).toContain('题名与元数据不一致'); // the catalogue still has the old title
  });

  it('GD-1-5: 年度 differs from the year of 日期, and a volume whose 件数 is wrong', async () => {
    const pkg = copyValid();
    editRecord(pkg, R2, (m) => { m.description!.date = '20230316'; });
    const vpath = join(pkg, VOLUME, '案卷元数据.xml');
    writeFileSync(vpath, readFileSync(vpath, 'utf8').replace(/<件数>\d+<\/件数>/, '<件数>3</件数>'));
    reseal(pkg);
    const r = await run(pkg);
    expect(failing(r, 'GD-1-5').map((i) => i.message)).toEqual([expect.stringContaining('案卷件数记为 3'), expect.stringContaining('年度 2024 与日期 20230316')]);
  });

  it('GD-1-7: a folder not named by its 档号', async () => {
    const pkg = copyValid();
    execFileSync('mv', [join(pkg, R2), join(pkg, 'J001-WS·2024-Y-BGS-0009')]);
    reseal(pkg);
    const r = await run(pkg);
    expect(failing(r, 'GD-1-7')[0]).toMatchObject({ target: 'J001-WS·2024-Y-BGS-0009', expected: R2 });
  });

  it('GD-1-8: a repeated 电子文件号; GD-2-6: a gap in 件号', async () => {
    const pkg = copyValid();
    editRecord(pkg, R2, (m) => { m.recordId = '3301-2024-000001'; m.archivalCode!.itemNumber = '0003'; });
    editRecord(pkg, R1, (m) => { m.recordId = '3301-2024-000001'; });
    execFileSync('mv', [join(pkg, R2), join(pkg, 'J001-WS·2024-Y-BGS-0003')]);
    const cat = join(pkg, '目录文件.xml');
    writeFileSync(cat, readFileSync(cat, 'utf8').replace(R2, 'J001-WS·2024-Y-BGS-0003'));
    reseal(pkg);
    const r = await run(pkg);
    expect(problems(r)).toEqual(['GD-1-8:fail', 'GD-2-6:fail']);
    expect(failing(r, 'GD-2-6')[0].message).toContain('在 1 与 3 之间断号');
  });

  it('GD-1-9: a recorded size that differs; GD-1-11 and GD-2-8: a listed attachment missing', async () => {
    const pkg = copyValid();
    editRecord(pkg, R2, (m) => { m.files[0].size = '1'; });
    rmSync(join(pkg, R1, '附件1.ofd'));
    reseal(pkg);
    const r = await run(pkg);
    expect(problems(r)).toEqual(['GD-1-11:fail', 'GD-1-9:fail', 'GD-2-8:fail']);
  });

  it('GD-1-10: says PDF/A but is a plain PDF; GD-3-3: an executable; GD-2-11: a file no metadata lists', async () => {
    const pkg = copyValid();
    editRecord(pkg, R1, (m) => { m.files[0].format = 'PDF/A-2b'; });
    const elf = readFileSync('/bin/true');
    writeFileSync(join(pkg, R2, 'tool.png'), elf);
    editRecord(pkg, R2, (m) => {
      m.files.push({ ...m.files[0], sequence: '2', role: '附属文档', fileName: 'tool.png', size: String(elf.length), digest: createHash('sm3').update(elf).digest('hex'), signatures: [] });
    });
    writeFileSync(join(pkg, R2, 'notes.txt'), 'extra');
    reseal(pkg);
    const r = await run(pkg);
    expect(failing(r, 'GD-1-10').map((i) => i.target)).toEqual(expect.arrayContaining([`${R1}/正文.pdf`]));
    expect(failing(r, 'GD-3-3').map((i) => i.target)).toContain(`${R2}/tool.png`);
    expect(failing(r, 'GD-2-11').map((i) => i.target)).toEqual([`${R2}/notes.txt`]);
  });

  it('GD-3-4: a PDF cut in half; GD-3-8: a PDF encrypted by qpdf with an owner password only', async () => {
    const pkg = copyValid();
    const pdf = readFileSync(join(pkg, R1, '正文.pdf'));
    replaceFile(pkg, R1, '正文.pdf', pdf.subarray(0, Math.floor(pdf.length / 2)));
    execFileSync('qpdf', ['--encrypt', '', 'owner-secret', '256', '--', join(pkg, V1, '正文.pdf'), join(work, 'enc.pdf')]);
    replaceFile(pkg, V1, '正文.pdf', readFileSync(join(work, 'enc.pdf')));
    reseal(pkg);
    const r = await run(pkg);
    expect(failing(r, 'GD-3-4').map((i) => i.target)).toContain(`${R1}/正文.pdf`);
    expect(failing(r, 'GD-3-8').map((i) => i.target)).toEqual([`${V1}/正文.pdf`]);
  });

  it('GD-1-12 and GD-2-1, 2-2: 说明文件 disagrees with the package', async () => {
    const pkg = copyValid();
    const d = join(pkg, '说明文件.txt');
    writeFileSync(d, readFileSync(d, 'utf8').replace('档案数量：4', '档案数量：5').replace('总字节数：9579', '总字节数：9000').replace('全宗号：J001', '全宗号：J009'));
    reseal(pkg);
    writeFileSync(d, readFileSync(d, 'utf8').replace('档案数量：4', '档案数量：5').replace(/总字节数：\d+/, '总字节数：9000'));
    const r = await run(pkg);
    expect(failing(r, 'GD-2-1')).toHaveLength(1);
    expect(failing(r, 'GD-2-2')).toHaveLength(1);
    expect(failing(r, 'GD-1-12')).toHaveLength(4); // each record's 全宗号 ≠ J009
  });

  it('GD-1-13: a subfolder inside a record folder', async () => {
    const pkg = copyValid();
    mkdirSync(join(pkg, R2, 'sub'));
    writeFileSync(join(pkg, R2, 'sub', 'x.txt'), 'x');
    reseal(pkg);
    expect(failing(await run(pkg), 'GD-1-13')).toHaveLength(1);
  });

  it('GD-2-5: the profile requires process records', async () => {
    const pkg = copyValid();
    editRecord(pkg, R2, (m) => { m.processes = []; });
    reseal(pkg);
    expect(problems(await run(pkg))).toEqual([]);
    expect(problems(await run(pkg, { patch: { requireProcessRecords: true } }))).toEqual(['GD-2-5:fail']);
  });

  it('GD-2-7: an empty file and a record without a main document', async () => {
    const pkg = copyValid();
    replaceFile(pkg, R2, '照片.png', new Uint8Array(0));
    editRecord(pkg, R1, (m) => { m.files[0].role = '附属文档'; });
    reseal(pkg);
    const r = await run(pkg);
    expect(failing(r, 'GD-2-7').map((i) => i.message)).toEqual(expect.arrayContaining([expect.stringContaining('文件为空'), expect.stringContaining('没有主文档')]));
  });

  it('GD-3-5: creating software on the deny list (a warning by default)', async () => {
    const pkg = copyValid();
    editRecord(pkg, R2, (m) => { m.files[0].creatingApplication = 'PirateOffice 1.0'; });
    reseal(pkg);
    expect(problems(await run(pkg, { patch: { deniedSoftware: ['pirateoffice'] } }))).toEqual(['GD-3-5:warn']);
  });

  it('GD-4-3: OS litter is a warning; GD-4-7: a refused 密级 and a fonds outside the submitter', async () => {
    const pkg = copyValid();
    writeFileSync(join(pkg, '.DS_Store'), 'x');
    editRecord(pkg, R2, (m) => { m.description!.classification = '机密'; });
    const cat = join(pkg, '目录文件.xml');
    writeFileSync(cat, readFileSync(cat, 'utf8').replace(/(J001-WS·2024-Y-BGS-0002[\s\S]*?<密级>)公开/, '$1机密'));
    reseal(pkg);
    const r = await run(pkg, { submitterFonds: ['J002'] });
    expect(problems(r)).toEqual(['GD-4-3:warn', 'GD-4-7:fail']);
    expect(failing(r, 'GD-4-7')).toHaveLength(5);
  });

  it('GD-3-2: in service mode the catalogue database must answer; offline the item is skipped', async () => {
    const offline = await run(join(SAMPLES, 'valid'));
    expect(offline.items.find((i) => i.code === 'GD-3-2')).toMatchObject({ status: 'skip' });
    const up = await run(join(SAMPLES, 'valid'), { databaseReachable: true });
    expect(up.items.find((i) => i.code === 'GD-3-2')).toMatchObject({ status: 'pass' });
    const down = await run(join(SAMPLES, 'valid'), { databaseReachable: false });
    expect(problems(down)).toEqual(['GD-3-2:fail']);
  });

  it('GD-4-1: the profile requires a virus scanner and none is configured, or it is down', async () => {
    const r = await run(join(SAMPLES, 'valid'), { patch: { virusScan: 'required' } });
    expect(problems(r)).toEqual(['GD-4-1:fail']);
    const dead = createClamdScanner({ host: '127.0.0.1', port: 1 }, { timeoutMs: 2000 });
    expect(problems(await run(join(SAMPLES, 'valid'), { scanner: dead }))).toEqual(['GD-4-1:fail']);
  });
});

describe('virus scanning with a real clamd', () => {
  let clamd: TestClamd;
  let scanner: Scanner;
  beforeAll(async () => {
    clamd = await startTestClamd({ path: process.env.PATH });
    scanner = createClamdScanner(clamd.tcp);
  }, 60_000);
  afterAll(async () => clamd?.stop());

  it('GD-4-1 and 4-2 pass on a clean package and GD-4-2 fails on EICAR', async () => {
    const clean = await run(join(SAMPLES, 'valid.zip'), { scanner });
    expect(problems(clean)).toEqual([]);
    expect(clean.items.filter((i) => ['GD-4-1', 'GD-4-2'].includes(i.code)).map((i) => i.status)).toEqual(['pass', 'pass']);

    const pkg = copyValid();
    writeFileSync(join(pkg, R2, 'readme.txt'), eicar());
    reseal(pkg);
    const r = await run(pkg, { scanner });
    expect(failing(r, 'GD-4-2')).toEqual([expect.objectContaining({ target: `${R2}/readme.txt`, message: expect.stringContaining('Eicar') })]);
  });
});

describe('signatures made by the openssl CLI', () => {
  /** Adds an SM2 <电子签名> over 正文.pdf of R1 and an RSA seal over manifest-sm3.txt. */
  function signedPackage(opts: { sealWith?: 'leaf' | 'expired' | 'untrusted'; fileKey?: string } = {}) {
    const pkg = copyValid();
    const pdf = join(pkg, R1, '正文.pdf');
    const sig = opensslSignFile('sm2', opts.fileKey ?? pki.alg.sm2.leaf.keyPath, pdf, work);
    const cert = readFileSync(pki.alg.sm2.leaf.certPath, 'utf8').replace(/-----[^-]+-----|\s/g, '');
    editRecord(pkg, R1, (m) => {
      m.files[0].signatures = [{ algorithm: 'SM2-SM3', value: Buffer.from(sig).toString('base64'), certificate: cert, signedAt: new Date().toISOString(), signer: '张三' }];
    });
    reseal(pkg);
    const id = opts.sealWith === 'expired' ? pki.alg.rsa.expired : opts.sealWith === 'untrusted' ? pki.untrustedLeaf : pki.alg.rsa.leaf;
    mkdirSync(join(pkg, '签名'));
    const chain = join(work, `chain-${Math.random().toString(36).slice(2)}.pem`);
    writeFileSync(chain, readFileSync(pki.alg.rsa.intermediate.certPath));
    execFileSync('openssl', ['cms', '-sign', '-binary', '-outform', 'DER', '-in', join(pkg, 'manifest-sm3.txt'), '-signer', id.certPath, '-inkey', id.keyPath, '-certfile', chain, '-out', join(pkg, '签名', 'manifest-sm3.txt.p7s')]);
    return pkg;
  }

  it('accepts a package with GBK names, an RSA seal and an SM2 file signature', async () => {
    const pkg = signedPackage();
    const zip = join(work, 'signed-gbk.zip');
    zipDirectoryGbk(pkg, zip);
    const r = await run(zip, { patch: { requireSeal: true } });
    expect(r.items.filter((i) => i.status !== 'pass' && i.status !== 'skip')).toEqual([]);
    expect(r.verdict).toBe('accepted');
    expect(r.items.find((i) => i.code === 'GD-1-14')?.status).toBe('pass');
  });

  it('rejects tampered content, a tampered manifest, an untrusted signer and an expired certificate', async () => {
    const content = signedPackage();
    appendFileSync(join(content, R1, '正文.pdf'), '%tampered');
    expect(failing(await run(content), 'GD-1-1').map((i) => i.message).join()).toMatch(/电子签名无效.*(内容已改动|content changed)/);

    const manifest = signedPackage();
    appendFileSync(join(manifest, 'manifest-sm3.txt'), '0000000000000000000000000000000000000000000000000000000000000000  extra.txt\n');
    expect(failing(await run(manifest), 'GD-1-14').map((i) => i.actual)).toContain('digest_mismatch');

    expect(failing(await run(signedPackage({ sealWith: 'untrusted' })), 'GD-1-14').map((i) => i.actual)).toEqual(['untrusted']);
    expect(failing(await run(signedPackage({ sealWith: 'expired' })), 'GD-1-14').map((i) => i.actual)).toEqual(['expired']);
    expect(failing(await run(signedPackage({ fileKey: pki.alg.sm2.otherKeyPath })), 'GD-1-1').map((i) => i.actual)).toEqual(['bad_signature']);
  });

  it('GD-1-14: the profile requires a seal and there is none', async () => {
    expect(problems(await run(join(SAMPLES, 'valid'), { patch: { requireSeal: true } }))).toEqual(['GD-1-14:fail']);
  });
});

describe('a truncated content file inside a zip', () => {
  it('is reported, not thrown', async () => {
    const zip = join(work, 'cut.zip');
    copyFileSync(join(SAMPLES, 'valid.zip'), zip);
    const size = readFileSync(zip).length;
    truncateSync(zip, size - 30);
    const r = await run(zip);
    expect(r.verdict).toBe('rejected');
  });
});
