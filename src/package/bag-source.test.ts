// BagIt (RFC 8493) bags, versions 0.97 and 1.0, as directories and zips: every rule a finding.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBag, zipDirectory } from '../../test/fixtures/packages/build.ts';
import { readPackage } from './index.ts';

const samples = fileURLToPath(new URL('../../packages-samples/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'dangan-bag-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

function bag(files: Record<string, string>, version: '0.97' | '1.0', algorithms: ('md5' | 'sha1' | 'sha256' | 'sha512')[] = ['sha256']): string {
  const payload = join(tmp, `payload${n}`);
  const dir = join(tmp, `bag${n++}`);
  for (const [p, body] of Object.entries(files)) {
    mkdirSync(join(payload, p, '..'), { recursive: true });
    writeFileSync(join(payload, p), body);
  }
  writeBag(payload, dir, version, algorithms);
  return dir;
}

async function findings(path: string) {
  const reader = await readPackage(path);
  for await (const item of reader.items()) if ('stream' in item) for await (const _ of item.stream) void _;
  await reader.close();
  return { reader, list: reader.findings.map((f) => `${f.item} ${f.target}`) };
}

const replaceIn = (file: string, from: string | RegExp, to: string) => writeFileSync(file, readFileSync(file, 'utf8').replace(from, to));

describe.each(['0.97', '1.0'] as const)('BagIt %s', (version) => {
  it('accepts a bag of the native package with md5, sha1, sha256 and sha512 manifests', async () => {
    const dir = join(tmp, `native-${version}`);
    writeBag(join(samples, 'valid'), dir, version, ['md5', 'sha1', 'sha256', 'sha512']);
    const { reader, list } = await findings(dir);
    expect(list).toEqual([]);
    expect(reader.layout).toBe('bagit-native');
    expect(reader.source.bag?.version).toBe(version);
    expect(reader.source.bag?.payloadAlgorithms.sort()).toEqual(['md5', 'sha1', 'sha256', 'sha512']);
    const z = join(tmp, `native-${version}.zip`);
    await zipDirectory(dir, z, 'my-bag/');
    expect((await findings(z)).list).toEqual([]);
  });

  it('finds listed-but-missing, present-but-unlisted and altered payload files', async () => {
    const dir = bag({ 'a.txt': 'alpha', 'b.txt': 'beta', 'c.txt': 'gamma' }, version, ['sha256', 'md5']);
    rmSync(join(dir, 'data', 'a.txt'));
    writeFileSync(join(dir, 'data', 'extra.txt'), 'not listed');
    writeFileSync(join(dir, 'data', 'b.txt'), 'BETA');
    const { list, reader } = await findings(dir);
    expect(list.sort()).toEqual(
      [
        '1-14 data/a.txt', // missing, manifest-md5
        '1-14 data/a.txt', // missing, manifest-sha256
        '2-11 data/extra.txt',
        '2-11 data/extra.txt',
        '1-14 data/b.txt', // md5 differs
        '1-14 data/b.txt', // sha256 differs
        '1-14 bag-info.txt', // Payload-Oxum
      ].sort(),
    );
    const oxum = reader.findings.find((f) => f.target === 'bag-info.txt')!;
    expect(oxum.expected).toBe('14.3');
    expect(oxum.actual).toBe('19.3');
  });

  it('checks bagit.txt (BOM, version, order) and the tag manifests', async () => {
    const dir = bag({ 'a.txt': 'alpha' }, version);
    writeFileSync(join(dir, 'bagit.txt'), `\ufeffTag-File-Character-Encoding: UTF-8\nBagIt-Version: ${version}\n`);
    const { list } = await findings(dir);
    expect(list).toContain('1-13 bagit.txt');
    expect(list).toContain('1-14 bagit.txt'); // no longer what tagmanifest-sha256.txt says

    const dir2 = bag({ 'a.txt': 'alpha' }, version);
    writeFileSync(join(dir2, 'bagit.txt'), 'BagIt-Version: 2.0\nTag-File-Character-Encoding: UTF-8\n');
    expect((await findings(dir2)).list).toEqual(['1-13 bagit.txt', '1-14 bagit.txt']);
  });

  it('parses bag-info.txt continuation lines and flags repeated reserved labels', async () => {
    const dir = bag({ 'a.txt': 'alpha' }, version);
    const { reader, list } = await findings(dir);
    expect(list).toEqual([]);
    expect(reader.source.bag?.info.find((x) => x.label === 'External-Description')?.value).toBe('归档信息包样例， 含一个案卷。');
    appendFileSync(join(dir, 'bag-info.txt'), 'Payload-Oxum: 5.1\n');
    rmSync(join(dir, 'tagmanifest-sha256.txt'));
    expect((await findings(dir)).list).toEqual(['1-13 bag-info.txt']);
  });

  it('reports fetch.txt without following it', async () => {
    const dir = bag({ 'a.txt': 'alpha' }, version);
    appendFileSync(join(dir, 'manifest-sha256.txt'), `${'0'.repeat(64)}  data/remote.bin\n`);
    writeFileSync(join(dir, 'fetch.txt'), 'https://example.invalid/remote.bin 10 data/remote.bin\n');
    rmSync(join(dir, 'tagmanifest-sha256.txt'));
    const { reader, list } = await findings(dir);
    expect(list.sort()).toEqual(['1-14 data/remote.bin', '1-14 fetch.txt'].sort());
    expect(reader.findings.find((f) => f.target === 'fetch.txt')?.severity).toBe('warn');
    expect(reader.findings.find((f) => f.target === 'data/remote.bin')?.message).toMatch(/fetch\.txt/);
    expect(reader.source.bag?.fetch).toEqual([{ url: 'https://example.invalid/remote.bin', length: '10', path: 'data/remote.bin' }]);
  });

  it('decodes %25, refuses unsafe manifest paths and notices normalisation differences', async () => {
    const dir = bag({ '100%.txt': 'percent', 'cafe\u0301.txt': 'nfd on disk' }, version);
    rmSync(join(dir, 'tagmanifest-sha256.txt'));
    replaceIn(join(dir, 'manifest-sha256.txt'), 'cafe\u0301', 'caf\u00e9');
    appendFileSync(join(dir, 'manifest-sha256.txt'), `${'0'.repeat(64)}  data/../../etc/passwd\n${'0'.repeat(64)}  data/line%0Abreak.txt\n`);
    const { reader, list } = await findings(dir);
    expect(list.sort()).toEqual(['1-13 manifest-sha256.txt', '1-13 manifest-sha256.txt', '1-14 data/cafe\u0301.txt'].sort());
    expect(reader.findings.find((f) => f.item === '1-14')?.severity).toBe('warn');
  });
});
