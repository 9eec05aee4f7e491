// Hostile and unusual ZIP packages: every case ends as a precise finding, never a crash.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { rawZip } from '../../test/fixtures/packages/raw-zip.ts';
import { openPackage, type PackageSource } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'dangan-zip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(bytes: Buffer): string {
  const p = join(dir, `t${n++}.zip`);
  writeFileSync(p, bytes);
  return p;
}

async function readAll(src: PackageSource) {
  const out = new Map<string, Awaited<ReturnType<typeof readOne>>>();
  for (const e of src.entries) if (e.readable) out.set(e.path, await readOne(src, e.path));
  return out;
}
async function readOne(src: PackageSource, path: string) {
  const s = await src.open(path);
  const chunks: Buffer[] = [];
  try {
    for await (const c of s) chunks.push(c as Buffer);
  } catch {
    // the result says why
  }
  return { bytes: Buffer.concat(chunks), result: await s.result };
}
const items = (src: PackageSource) => src.findings.map((f) => `${f.item} ${f.target}`);

describe('zip names', () => {
  it('decodes GBK names without bit 11 and UTF-8 names with it', async () => {
    const gbk = Buffer.from([0xd5, 0xfd, 0xce, 0xc4, 0x2e, 0x74, 0x78, 0x74]); // 正文.txt in GBK
    const src = await openPackage(file(rawZip([
      { name: gbk, data: Buffer.from('gbk') },
      { name: '附件.txt', data: Buffer.from('utf8') },
    ])));
    expect(src.entries.map((e) => e.path)).toEqual(['正文.txt', '附件.txt']);
    expect(src.findings).toEqual([]);
    const read = await readAll(src);
    expect(read.get('正文.txt')?.bytes.toString()).toBe('gbk');
  });

  it('blocks unsafe names and symlinks, never reading them', async () => {
    const src = await openPackage(file(rawZip([
      { name: '../evil', data: Buffer.from('x') },
      { name: '/etc/passwd', data: Buffer.from('x') },
      { name: 'a\\b.txt', data: Buffer.from('x') },
      { name: 'C:/win.ini', data: Buffer.from('x') },
      { name: 'a//b.txt', data: Buffer.from('x') },
      { name: 'link', data: Buffer.from('/etc/passwd'), unixMode: 0o120777 },
      { name: 'x'.repeat(5000), data: Buffer.from('x') },
      { name: 'ok.txt', data: Buffer.from('fine') },
    ])));
    expect(items(src)).toEqual(['1-13 ../evil', '1-13 /etc/passwd', '1-13 a\\b.txt', '1-13 C:/win.ini', '1-13 a//b.txt', '1-13 link', `1-13 ${'x'.repeat(200)}…`]);
    expect(src.entries.filter((e) => e.readable).map((e) => e.path)).toEqual(['ok.txt']);
    await expect(src.open('../evil')).rejects.toThrow(/not readable/);
  });

  it('blocks NFC collisions and warns on case collisions', async () => {
    const src = await openPackage(file(rawZip([
      { name: 'caf\u00e9.txt', data: Buffer.from('1') },
      { name: 'cafe\u0301.txt', data: Buffer.from('2') },
      { name: 'Readme.txt', data: Buffer.from('3') },
      { name: 'README.txt', data: Buffer.from('4') },
    ])));
    const nfc = src.findings.find((f) => /NFC/.test(f.message));
    expect(nfc?.item).toBe('1-13');
    expect(nfc?.severity).toBeUndefined();
    expect(src.findings.find((f) => /大小写/.test(f.message))?.severity).toBe('warn');
    expect(src.entries.filter((e) => e.readable).map((e) => e.path)).toEqual(['Readme.txt', 'README.txt']);
  });

  it('refuses a local header whose name differs from the central directory', async () => {
    const src = await openPackage(file(rawZip([{ name: 'a.txt', localName: '../a.txt', data: Buffer.from('x') }])));
    const r = await readOne(src, 'a.txt');
    expect(r.result.ok).toBe(false);
    expect(items(src)).toEqual(['1-13 a.txt']);
  });
});

describe('zip integrity', () => {
  it('finds a CRC mismatch in a stored entry with a flipped byte', async () => {
    const zip = rawZip([{ name: 'a.txt', data: Buffer.from('hello world') }]);
    const at = zip.indexOf('hello world');
    zip[at] ^= 0xff;
    const src = await openPackage(file(zip));
    const r = await readOne(src, 'a.txt');
    expect(r.result).toMatchObject({ ok: false, finding: { item: '2-7', target: 'a.txt' } });
    expect(src.findings[0].message).toMatch(/CRC-32/);
  });

  it('reads deflated entries of every size, and reports damaged deflate data as corrupt', async () => {
    const sizes = [0, 1, 2048, 300_000, 5_000_000];
    const datas = sizes.map((size) => randomBytes(size)); // incompressible: no ratio limit applies
    const good = await openPackage(file(rawZip(datas.map((data, i) => ({ name: `d${i}.bin`, data, method: 8 })))));
    const all = await readAll(good);
    datas.forEach((data, i) => {
      expect(all.get(`d${i}.bin`)!.result.ok).toBe(true);
      expect(Buffer.compare(all.get(`d${i}.bin`)!.bytes, data)).toBe(0);
    });
    const zip = rawZip([{ name: 'bad.bin', data: datas[3]!, method: 8 }]);
    zip.fill(0xff, 40, 80); // inside the compressed data, just after the local header
    const bad = await openPackage(file(zip));
    const r = await readOne(bad, 'bad.bin');
    expect(r.result).toMatchObject({ ok: false, finding: { item: '2-7', target: 'bad.bin' } });
  });

  it('catches a lying uncompressed size while streaming (deflated) and in the listing (stored)', async () => {
    const big = Buffer.alloc(300_000, 7);
    const src = await openPackage(file(rawZip([
      { name: 'lie.bin', data: big, method: 8, uncompressedSize: 1000 },
      { name: 'short.bin', data: Buffer.from('abc'), method: 8, uncompressedSize: 10 },
      { name: 'stored.bin', data: Buffer.from('abc'), uncompressedSize: 10 },
    ])));
    expect(items(src)).toEqual(['2-7 stored.bin']);
    const lie = await readOne(src, 'lie.bin');
    expect(lie.result).toMatchObject({ ok: false, finding: { item: '2-7', target: 'lie.bin' } });
    expect(lie.bytes.length).toBeLessThanOrEqual(1000);
    const short = await readOne(src, 'short.bin');
    expect(short.result).toMatchObject({ ok: false, finding: { item: '2-7', target: 'short.bin' } });
  });

  it('refuses encrypted entries (zip -e) and other methods', async () => {
    const work = join(dir, 'enc');
    mkdirSync(work);
    writeFileSync(join(work, 'secret.txt'), 'secret');
    execFileSync('zip', ['-q', '-e', '-P', 'pw', 'enc.zip', 'secret.txt'], { cwd: work });
    const src = await openPackage(join(work, 'enc.zip'));
    expect(items(src)).toEqual(['3-8 secret.txt']);
    const src2 = await openPackage(file(rawZip([{ name: 'bz.bin', data: Buffer.from('x'), method: 12 }])));
    expect(items(src2)).toEqual(['3-8 bz.bin']);
  });

  it('stops zip bombs by ratio, by declared total and by counted bytes', async () => {
    const zeros = Buffer.alloc(8 * 1024 * 1024);
    const ratio = await openPackage(file(rawZip([{ name: 'bomb.bin', data: zeros, method: 8 }])));
    expect(items(ratio)).toEqual(['3-8 bomb.bin']);
    expect(ratio.entries[0].readable).toBe(false);

    const total = await openPackage(file(rawZip([{ name: 'a.bin', data: Buffer.alloc(5000), method: 8 }, { name: 'b.bin', data: Buffer.alloc(5000), method: 8 }])), { limits: { maxTotalBytes: 8000 } });
    expect(items(total)).toEqual(['3-8 package']);

    // sizes that are true but add up past the limit only while streaming (the limit counts bytes)
    const counted = await openPackage(file(rawZip([{ name: 'a.bin', data: Buffer.alloc(5000), method: 8 }, { name: 'b.bin', data: Buffer.alloc(5000), method: 8 }])), { limits: { maxTotalBytes: 10_000 } });
    const read = await readAll(counted);
    expect([...read.values()].every((r) => r.result.ok)).toBe(true);
    // the running count is the second line of defence: past the limit, reading stops
    const again = await readOne(counted, 'a.bin');
    expect(again.result).toMatchObject({ ok: false, finding: { item: '3-8', target: 'a.bin' } });
  });

  it('refuses overlapping entries (a kernel reused by many entries)', async () => {
    const zip = rawZip([{ name: 'a.bin', data: Buffer.alloc(1000), method: 8 }, { name: 'b.bin', data: Buffer.alloc(1000), method: 8 }]);
    // point b's central record at a's local header
    const cd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE(0, cd + 42);
    const src = await openPackage(file(zip));
    expect(src.findings.some((f) => f.item === '3-8' && /重叠/.test(f.message))).toBe(true);
    expect(src.entries.every((e) => !e.readable)).toBe(true);

    // data that would run into the central directory
    const into = rawZip([{ name: 'c.bin', data: Buffer.alloc(1000), method: 8 }]);
    const cd2 = into.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    into.writeUInt32LE(into.readUInt32LE(cd2 + 20) + 40, cd2 + 20);
    const src2 = await openPackage(file(into));
    expect(items(src2)).toEqual(['3-8 c.bin']);
  });

  it('reports not-a-zip, truncated and split archives as findings', async () => {
    const notZip = await openPackage(file(Buffer.from('just some text, not a zip')));
    expect(items(notZip)).toEqual(['1-13 package']);
    const good = rawZip([{ name: 'a.txt', data: Buffer.from('hello') }]);
    const truncated = await openPackage(file(good.subarray(0, good.length - 10)));
    expect(items(truncated)).toEqual(['1-13 package']);

    const work = join(dir, 'split');
    mkdirSync(work);
    writeFileSync(join(work, 'big.bin'), Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251)));
    execFileSync('zip', ['-q', '-s', '64k', 'split.zip', 'big.bin'], { cwd: work });
    const split = await openPackage(join(work, 'split.zip'));
    expect(items(split)).toEqual(['3-8 package']);
  });

  it('reads ZIP64 archives (yazl forceZip64Format and zip -fz)', async () => {
    const z = new yazl.ZipFile();
    z.addBuffer(Buffer.from('sixty-four'), 'a.txt', { forceZip64Format: true });
    z.end({ forceZip64Format: true } as yazl.EndOptions);
    const chunks: Buffer[] = [];
    for await (const c of z.outputStream) chunks.push(c as Buffer);
    const src = await openPackage(file(Buffer.concat(chunks)));
    expect(src.findings).toEqual([]);
    expect((await readOne(src, 'a.txt')).bytes.toString()).toBe('sixty-four');

    const work = join(dir, 'z64');
    mkdirSync(work);
    writeFileSync(join(work, 'b.txt'), 'forced zip64');
    execFileSync('zip', ['-q', '-fz', 'z64.zip', 'b.txt'], { cwd: work });
    const bytes = readFileSync(join(work, 'z64.zip'));
    expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true); // a ZIP64 end record
    const src2 = await openPackage(join(work, 'z64.zip'));
    expect(src2.findings).toEqual([]);
    const r = await readOne(src2, 'b.txt');
    expect(r.result.ok).toBe(true);
    expect(r.bytes.toString()).toBe('forced zip64');
  });

  it('flags nested archives', async () => {
    const src = await openPackage(file(rawZip([{ name: 'inner.zip', data: rawZip([{ name: 'x', data: Buffer.from('x') }]) }])));
    expect(items(src)).toEqual(['3-8 inner.zip']);
  });
});

describe('zip edge cases', () => {
  it('refuses strong encryption (bit 6) for the whole package', async () => {
    const src = await openPackage(file(rawZip([{ name: 'a.txt', data: Buffer.from('x'), flags: 0x41 }])));
    expect(items(src)).toEqual(['3-8 package']);
  });

  it('uses the Info-ZIP Unicode Path field when its CRC matches the raw name', async () => {
    const { crc32 } = await import('node:zlib');
    const raw = Buffer.from('old-name.txt');
    const utf = Buffer.from('新名称.txt');
    const field = Buffer.alloc(4 + 5 + utf.length);
    field.writeUInt16LE(0x7075, 0);
    field.writeUInt16LE(5 + utf.length, 2);
    field[4] = 1;
    field.writeUInt32LE(crc32(raw), 5);
    utf.copy(field, 9);
    // splice the extra field into the central record of a one-entry zip
    const zip = rawZip([{ name: raw, data: Buffer.from('x') }]);
    const cd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const nameEnd = cd + 46 + raw.length;
    const patched = Buffer.concat([zip.subarray(0, nameEnd), field, zip.subarray(nameEnd)]);
    patched.writeUInt16LE(field.length, cd + 30);
    const eocd = patched.length - 22;
    patched.writeUInt32LE(patched.readUInt32LE(eocd + 12) + field.length, eocd + 12);
    const src = await openPackage(file(patched));
    expect(src.entries.map((e) => e.path)).toEqual(['新名称.txt']);
  });
});
