// readPackage over the checked-in samples and hostile variants: one pass, identical across forms.
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBag, zipDirectory } from '../../test/fixtures/packages/build.ts';
import { fanOut, readPackage, type PackageItem, type PackageReader } from './index.ts';

const samples = fileURLToPath(new URL('../../packages-samples/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'dangan-read-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const scratch = () => join(tmp, `p${n++}`);
function copyValid(): string {
  const d = scratch();
  cpSync(join(samples, 'valid'), d, { recursive: true });
  return d;
}

interface Summary {
  kind: string;
  path: string;
  sm3?: string;
  size?: number;
  parsedOk?: boolean;
}

/** Reads everything, consuming every stream; returns a comparable summary. */
async function readAll(reader: PackageReader): Promise<Summary[]> {
  const out: Summary[] = [];
  for await (const item of reader.items()) out.push(await summarise(item));
  return out;
}
async function summarise(item: PackageItem): Promise<Summary> {
  if (item.kind === 'content' || item.kind === 'other') {
    const h = createHash('sm3');
    try {
      for await (const c of item.stream) h.update(c);
    } catch {
      // in result
    }
    const r = await item.result;
    return { kind: item.kind, path: item.path, sm3: r.ok ? r.digests.sm3 : undefined, size: r.ok ? r.digests.size : undefined };
  }
  const parsedOk = 'parsed' in item ? item.parsed?.value !== undefined : undefined;
  return { kind: item.kind, path: item.path, sm3: item.digests?.sm3, parsedOk };
}
async function read(path: string) {
  const reader = await readPackage(path);
  const items = await readAll(reader);
  await reader.close();
  return { reader, items, findings: reader.findings.map((f) => `${f.item} ${f.target}`) };
}

describe('readPackage: the valid sample', () => {
  it('yields package files, volume and records parsed, and content files whose SM3 matches the metadata', async () => {
    const reader = await readPackage(join(samples, 'valid'));
    expect(reader.layout).toBe('native');
    const kinds: string[] = [];
    for await (const item of reader.items()) {
      kinds.push(`${item.kind} ${item.path}`);
      if (item.kind === 'content') {
        const chunks: Uint8Array[] = [];
        for await (const c of item.stream) chunks.push(c);
        const r = await item.result;
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.digests.sm3).toBe(item.described?.digest);
        expect(item.record?.files.length).toBeGreaterThan(0);
      }
      if (item.kind === 'record') expect(item.parsed?.value?.archivalCode).toBeDefined();
    }
    expect(reader.findings).toEqual([]);
    expect(kinds).toEqual([
      'description 说明文件.txt',
      'catalogue 目录文件.xml',
      'manifest manifest-sm3.txt',
      'volume J001-001-0012/案卷元数据.xml',
      'record J001-001-0012/J001-001-0012-001/元数据.xml',
      'content J001-001-0012/J001-001-0012-001/正文.pdf',
      'record J001-001-0012/J001-001-0012-002/元数据.xml',
      'content J001-001-0012/J001-001-0012-002/纪要.ofd',
      'record J001-WS·2024-Y-BGS-0001/元数据.xml',
      'content J001-WS·2024-Y-BGS-0001/正文.pdf',
      'content J001-WS·2024-Y-BGS-0001/附件1.ofd',
      'record J001-WS·2024-Y-BGS-0002/元数据.xml',
      'content J001-WS·2024-Y-BGS-0002/照片.png',
    ]);
  });

  it('reads the directory, valid.zip, the GBK-named zip and the BagIt form identically', async () => {
    const dir = await read(join(samples, 'valid'));
    expect(dir.findings).toEqual([]);
    for (const other of ['valid.zip', 'valid-gbk.zip', 'valid-bag']) {
      const r = await read(join(samples, other));
      expect(r.findings, other).toEqual([]);
      expect(r.items, other).toEqual(dir.items);
    }
    const wrapped = scratch() + '.zip';
    await zipDirectory(join(samples, 'valid'), wrapped, 'batch-2024/');
    expect((await read(wrapped)).items).toEqual(dir.items);
  });

  it('hashes every byte even when a consumer stops early, and fans chunks out to several consumers', async () => {
    const reader = await readPackage(join(samples, 'valid.zip'));
    for await (const item of reader.items()) {
      if (item.kind !== 'content') continue;
      const [head, count] = await fanOut<[Uint8Array, number]>(item.stream, [
        async (chunks) => {
          for await (const c of chunks) return c.subarray(0, 4);
          return new Uint8Array();
        },
        async (chunks) => {
          let total = 0;
          for await (const c of chunks) total += c.byteLength;
          return total;
        },
      ]);
      const r = await item.result;
      expect(r.ok && count.status === 'fulfilled' && count.value === r.digests.size).toBe(true);
      expect(head.status).toBe('fulfilled');
      if (r.ok) expect(r.digests.sm3).toBe(item.described?.digest);
    }
    // never iterating a stream at all: the reader drains and hashes it
    const lazy = await readPackage(join(samples, 'valid'));
    const results = [];
    for await (const item of lazy.items()) if (item.kind === 'content') results.push(item.result);
    for (const r of await Promise.all(results)) expect(r.ok).toBe(true);
    expect(lazy.findings).toEqual([]);
  });
});

describe('readPackage: findings', () => {
  it('compares manifest-sm3.txt with the computed digests and flags extra files and OS litter', async () => {
    const d = copyValid();
    const png = join(d, 'J001-WS·2024-Y-BGS-0002', '照片.png');
    const bytes = readFileSync(png);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(png, bytes);
    writeFileSync(join(d, 'notes.txt'), 'not archival');
    writeFileSync(join(d, '.DS_Store'), 'x');
    writeFileSync(join(d, 'J001-WS·2024-Y-BGS-0002', 'Thumbs.db'), 'x');
    const { reader, findings } = await read(d);
    expect(findings.sort()).toEqual(
      [
        '1-14 J001-WS·2024-Y-BGS-0002/照片.png',
        '1-14 notes.txt',
        '1-14 .DS_Store',
        '1-14 J001-WS·2024-Y-BGS-0002/Thumbs.db',
        '4-3 notes.txt',
        '4-3 .DS_Store',
        '4-3 J001-WS·2024-Y-BGS-0002/Thumbs.db',
      ].sort(),
    );
    expect(reader.findings.filter((f) => f.item === '4-3' && f.severity === 'warn').map((f) => f.target).sort()).toEqual(['.DS_Store', 'J001-WS·2024-Y-BGS-0002/Thumbs.db']);
    const mismatch = reader.findings.find((f) => f.target.endsWith('照片.png'))!;
    expect(mismatch.expected).not.toBe(mismatch.actual);
  });

  it('reports a listed file that is missing, and a subfolder inside a record', async () => {
    const d = copyValid();
    rmSync(join(d, 'J001-WS·2024-Y-BGS-0001', '附件1.ofd'));
    cpSync(join(samples, 'valid', '说明文件.txt'), join(d, 'J001-WS·2024-Y-BGS-0002', 'sub', 'x.txt'), { recursive: true });
    const { findings } = await read(d);
    expect(findings.sort()).toEqual(['1-13 J001-WS·2024-Y-BGS-0002/sub/x.txt', '1-14 J001-WS·2024-Y-BGS-0001/附件1.ofd', '1-14 J001-WS·2024-Y-BGS-0002/sub/x.txt'].sort());
  });

  it('does not follow a symlink in a directory package', async () => {
    const d = copyValid();
    symlinkSync('/etc/passwd', join(d, 'J001-WS·2024-Y-BGS-0002', 'passwd'));
    const { findings, items } = await read(d);
    expect(findings).toEqual(['1-13 J001-WS·2024-Y-BGS-0002/passwd']);
    expect(items.some((i) => i.path.endsWith('passwd'))).toBe(false);
  });

  it('reports each hostile sample precisely', async () => {
    const slip = await read(join(samples, 'invalid/zip-slip.zip'));
    expect(slip.findings).toContain('1-13 ../evil.sh');
    expect(slip.items.some((i) => i.path.includes('evil'))).toBe(false);

    const bomb = await read(join(samples, 'invalid/zip-bomb.zip'));
    expect(bomb.findings.sort()).toEqual(['1-13 package', '2-7 liar.bin', '3-8 bomb.bin'].sort());

    const enc = await read(join(samples, 'invalid/encrypted.zip'));
    expect(enc.reader.layout).toBe('native');
    expect(enc.findings.length).toBe(13); // every file of the package
    expect(enc.findings.every((f) => f.startsWith('3-8 '))).toBe(true);
    expect(enc.items.filter((i) => i.kind === 'content' || i.sm3 !== undefined)).toEqual([]);

    const entity = await read(join(samples, 'invalid/entity-bomb.zip'));
    // the bomb is refused unparsed; the manifest made before the edit no longer matches it
    expect(entity.findings.sort()).toEqual(['1-14 J001-WS·2024-Y-BGS-0002/元数据.xml', '3-1 J001-WS·2024-Y-BGS-0002/元数据.xml']);
    expect(entity.items.find((i) => i.path === 'J001-WS·2024-Y-BGS-0002/元数据.xml')?.parsedOk).toBe(false);

    const truncated = await read(join(samples, 'invalid/truncated.zip'));
    expect(truncated.findings).toEqual(['1-13 package']);
    expect(truncated.items).toEqual([]);
  });

  it('reads a BagIt bag without the native layout as payload only', async () => {
    const payload = scratch();
    cpSync(join(samples, 'valid', 'J001-WS·2024-Y-BGS-0002', '照片.png'), join(payload, '照片.png'), { recursive: true });
    writeFileSync(join(payload, 'readme.txt'), 'plain payload');
    const bag = scratch();
    writeBag(payload, bag, '1.0');
    const { reader, items, findings } = await read(bag);
    expect(reader.layout).toBe('bagit');
    expect(findings).toEqual([]);
    expect(items.map((i) => `${i.kind} ${i.path}`)).toEqual(['content readme.txt', 'content 照片.png']);
  });
});

describe('readPackage: package-level files', () => {
  it('yields 签名/*.p7s with the file it signs, and checks manifest-sha256.txt too', async () => {
    const d = copyValid();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(d, '签名'));
    writeFileSync(join(d, '签名', 'manifest-sm3.txt.p7s'), Buffer.from([0x30, 0x82, 0x01, 0x00]));
    const { listFiles } = await import('../../test/fixtures/packages/build.ts');
    const lines = listFiles(d)
      .filter((p) => !p.startsWith('签名/'))
      .map((p) => `${createHash('sha256').update(readFileSync(join(d, p))).digest('hex')}  ${p}`);
    writeFileSync(join(d, 'manifest-sha256.txt'), lines.join('\n') + '\n');
    const reader = await readPackage(d);
    const kinds: string[] = [];
    for await (const item of reader.items()) {
      if (item.kind === 'signature') kinds.push(`${item.path} → ${item.signedPath}`);
      if (item.kind === 'manifest') kinds.push(`${item.path} ${item.algorithm} ${item.lines.length}`);
    }
    expect(kinds).toEqual(['manifest-sha256.txt sha256 13', 'manifest-sm3.txt sm3 12', '签名/manifest-sm3.txt.p7s → manifest-sm3.txt']);
    expect(reader.findings).toEqual([]);
  });

  it('flags a malformed manifest line and an upper-case digest', async () => {
    const d = copyValid();
    const m = join(d, 'manifest-sm3.txt');
    const text = readFileSync(m, 'utf8').split('\n');
    text[0] = text[0].toUpperCase();
    text[1] = 'not a manifest line';
    writeFileSync(m, text.join('\n'));
    const { findings } = await read(d);
    expect(findings.filter((f) => f === '1-14 manifest-sm3.txt').length).toBe(2);
  });

  it('reports an empty package', async () => {
    const d = scratch();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(d);
    expect((await read(d)).findings).toEqual(['1-13 package']);
  });
});
