// OFD packages built with yazl in the GB/T 33190 layout: valid, without Document.xml, encrypted,
// with two DocBody, with a broken page, with an unsafe name; read from memory and by range.
import { readFileSync, writeFileSync } from 'node:fs';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOfd, sampleFile, tempDir, writeZip } from '../../test/fixtures/formats/make.ts';
import { checkEncryption, checkReadability, formatMatches, identifyFormat, isFormatAllowed } from './index.ts';

const tmp = tempDir();
const p = tmp.path;

beforeAll(async () => {
  await makeOfd(p('valid.ofd'), { pages: 3 });
  await makeOfd(p('no-document.ofd'), { withoutDocument: true });
  await makeOfd(p('encrypted.ofd'), { encryptions: true });
  await makeOfd(p('two-bodies.ofd'), { docBodies: 2 });
  await makeOfd(p('broken-page.ofd'), { brokenPage: true });
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from('<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:DocRoot>../../etc/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>'), 'OFD.xml');
  await writeZip(zip, p('escape.ofd'));
  // An entry name escaping the package: written as 'aa/evil.xml', then renamed in both headers.
  const evil = new yazl.ZipFile();
  evil.addBuffer(Buffer.from('<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>'), 'OFD.xml');
  evil.addBuffer(Buffer.from('<x/>'), 'aa/evil.xml');
  await writeZip(evil, p('evil.ofd'));
  const bytes = readFileSync(p('evil.ofd'));
  writeFileSync(p('evil.ofd'), Buffer.from(bytes.toString('latin1').replaceAll('aa/evil.xml', '../evil.xml'), 'latin1'));
  // A page that inflates far beyond its compressed size (a small zip bomb).
  const bomb = new yazl.ZipFile();
  bomb.addBuffer(Buffer.from('<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>'), 'OFD.xml');
  bomb.addBuffer(Buffer.concat([Buffer.from('<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><!--'), Buffer.alloc(8 * 1024 * 1024, 0x20), Buffer.from('--></ofd:Document>')]), 'Doc_0/Document.xml');
  await writeZip(bomb, p('bomb.ofd'));
  writeFileSync(p('garbage.ofd'), Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]));
});
afterAll(() => tmp.remove());

describe('OFD', () => {
  it('a zip with OFD.xml is identified as OFD, allowed, and matches a recorded OFD', async () => {
    const d = await identifyFormat(await sampleFile(p('valid.ofd')));
    expect(d).toMatchObject({ format: 'OFD', kind: 'document' });
    expect(isFormatAllowed(d)).toBe(true);
    expect(formatMatches('ofd', d, 'J001/正文.ofd').ok).toBe(true);
    expect(formatMatches('PDF', d, 'J001/正文.ofd').ok).toBe(false);
  });

  it('a valid OFD is readable: OFD.xml → DocRoot → every page parses', async () => {
    const s = await sampleFile(p('valid.ofd'));
    expect(await checkReadability(s)).toMatchObject({ ok: true, info: { pages: 3, pagesChecked: 3, docRoot: 'Doc_0/Document.xml' } });
    expect(await checkEncryption(s)).toMatchObject({ ok: true });
  });

  it('reads the same OFD by range when it is bigger than maxBuffered', async () => {
    const s = await sampleFile(p('valid.ofd'), { maxBuffered: 100, headSize: 64, tailSize: 64, random: true });
    expect(s.whole).toBeUndefined();
    expect(await checkReadability(s, { detected: { format: 'OFD', mime: 'application/ofd', kind: 'document' } })).toMatchObject({ ok: true, info: { pages: 3 } });
  });

  it('an OFD too big to keep and without an opener is still identified, and its readability is skipped', async () => {
    const s = await sampleFile(p('valid.ofd'), { maxBuffered: 100, headSize: 256, tailSize: 64 });
    expect(await identifyFormat(s)).toMatchObject({ format: 'OFD', via: 'name-scan' });
    expect(await checkReadability(s)).toMatchObject({ ok: false, skip: true, item: '3-4' });
  });

  it('without Document.xml it fails GD-3-4 naming the missing part', async () => {
    const r = await checkReadability(await sampleFile(p('no-document.ofd')));
    expect(r).toMatchObject({ ok: false, item: '3-4' });
    expect(!r.ok && r.reason).toContain('Doc_0/Document.xml');
  });

  it('with Encryptions.xml it is readable as a package but fails GD-3-8', async () => {
    const s = await sampleFile(p('encrypted.ofd'));
    const e = await checkEncryption(s);
    expect(e).toMatchObject({ ok: false, item: '3-8' });
    expect(!e.ok && e.reason).toContain('Encryptions.xml');
  });

  it('exactly one DocBody is expected', async () => {
    const r = await checkReadability(await sampleFile(p('two-bodies.ofd')));
    expect(r).toMatchObject({ ok: false, item: '3-4' });
    expect(!r.ok && r.reason).toContain('DocBody');
  });

  it('a page whose Content.xml is not well-formed fails', async () => {
    const r = await checkReadability(await sampleFile(p('broken-page.ofd')));
    expect(r).toMatchObject({ ok: false, item: '3-4' });
    expect(!r.ok && r.reason).toMatch(/第 2 页|Page_1/);
  });

  it('a DocRoot escaping the package is refused', async () => {
    const r = await checkReadability(await sampleFile(p('escape.ofd')));
    expect(r).toMatchObject({ ok: false, item: '3-4' });
    expect(!r.ok && r.reason).toContain('不安全');
  });

  it('an entry name escaping the package makes the OFD unreadable (no path escapes)', async () => {
    const s = await sampleFile(p('evil.ofd'));
    const r = await checkReadability(s, { detected: { format: 'OFD', mime: 'application/ofd', kind: 'document' } });
    expect(r).toMatchObject({ ok: false, item: '3-4' });
    expect(!r.ok && r.reason).toMatch(/\.\./);
  });

  it('an entry inflating beyond the ratio or size cap is refused', async () => {
    const ratio = await checkReadability(await sampleFile(p('bomb.ofd')));
    expect(!ratio.ok && ratio.reason).toMatch(/compression ratio/);
    const size = await checkReadability(await sampleFile(p('valid.ofd')), { zipLimits: { maxEntries: 100, maxEntryBytes: 100, maxRatio: 500 } });
    expect(!size.ok && size.reason).toMatch(/too large|beyond/);
    const count = await checkReadability(await sampleFile(p('valid.ofd')), { zipLimits: { maxEntries: 2, maxEntryBytes: 1 << 20, maxRatio: 500 } });
    expect(!count.ok && count.reason).toMatch(/too many entries/);
  });

  it('a damaged zip declared as OFD fails readability instead of throwing', async () => {
    const r = await checkReadability(await sampleFile(p('garbage.ofd')), { detected: { format: 'OFD', mime: 'application/ofd', kind: 'document' } });
    expect(r).toMatchObject({ ok: false, item: '3-4' });
  });
});
