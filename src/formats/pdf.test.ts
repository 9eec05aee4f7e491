// PDFs made by ghostscript and qpdf: identification (PDF/A claim in both XMP forms), readability,
// encryption (owner-only and user password), truncation, and the range transport for big files.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDocx, makePdf, makePdfA, rewritePdfaXmp, run, sampleFile, tempDir } from '../../test/fixtures/formats/make.ts';
import { analyzePdf, checkEncryption, checkReadability, formatMatches, identifyFormat, pdfaClaimFromXmp } from './index.ts';
import { hasTrailerEncrypt, xmpFromBytes } from './pdf.ts';

const tmp = tempDir();
const p = tmp.path;

beforeAll(async () => {
  makePdf(p('plain.pdf'));
  makePdfA(p('pdfa2b.pdf'));
  rewritePdfaXmp(p('pdfa2b.pdf'), p('element.pdf'), 'element', '2', 'B');
  rewritePdfaXmp(p('pdfa2b.pdf'), p('attr3u.pdf'), 'attribute', '3', 'U');
  run('qpdf', ['--encrypt', '', 'owner-secret', '256', '--', p('plain.pdf'), p('owner-only.pdf')]);
  run('qpdf', ['--encrypt', 'user-secret', 'owner-secret', '256', '--', p('plain.pdf'), p('user.pdf')]);
  const plain = readFileSync(p('plain.pdf'));
  writeFileSync(p('half.pdf'), plain.subarray(0, Math.floor(plain.length / 2)));
  writeFileSync(p('no-eof.pdf'), plain.subarray(0, plain.length - 8));
  makePdf(p('big.pdf'), 60);
  await makeDocx(p('report.docx'));
  copyFileSync(p('report.docx'), p('renamed.pdf'));
});
afterAll(() => tmp.remove());

describe('PDF identification', () => {
  it('ghostscript pdfwrite output is plain PDF', async () => {
    const d = await identifyFormat(await sampleFile(p('plain.pdf')));
    expect(d).toMatchObject({ format: 'PDF', mime: 'application/pdf', kind: 'document' });
    expect(d.pdfa).toBeUndefined();
  });

  it('ghostscript PDF/A-2b: the XMP claim (attribute form, as gs writes it) is read', async () => {
    expect(readFileSync(p('pdfa2b.pdf'), 'latin1')).toMatch(/pdfaid:part='2'/);
    const d = await identifyFormat(await sampleFile(p('pdfa2b.pdf')));
    expect(d.format).toBe('PDF/A-2b');
    expect(d.pdfa).toEqual({ part: '2', conformance: 'b' });
  });

  it('the element form <pdfaid:part>2</pdfaid:part> is read too', async () => {
    expect(readFileSync(p('element.pdf'), 'latin1')).toContain('<pdfaid:part>2</pdfaid:part>');
    expect((await identifyFormat(await sampleFile(p('element.pdf')))).format).toBe('PDF/A-2b');
  });

  it('a double-quoted attribute form with other values is read as written', async () => {
    expect((await identifyFormat(await sampleFile(p('attr3u.pdf')))).format).toBe('PDF/A-3u');
  });

  it('pdfaClaimFromXmp honours a different prefix bound to the pdfaid namespace and ignores pdfuaid', () => {
    const xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
      <rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" pdfuaid:part="1"/>
      <rdf:Description rdf:about="" xmlns:id="http://www.aiim.org/pdfa/ns/id/"><id:part>1</id:part><id:conformance>A</id:conformance></rdf:Description>
    </rdf:RDF></x:xmpmeta>`;
    expect(pdfaClaimFromXmp(xmp)).toEqual({ part: '1', conformance: 'a' });
    expect(pdfaClaimFromXmp(xmp.replace(/<rdf:Description rdf:about="" xmlns:id[\s\S]*?<\/rdf:Description>/, ''))).toBeUndefined();
  });
});

describe('PDF readability (GD-3-4) and encryption (GD-3-8)', () => {
  it('a plain PDF opens, every page loads, no encryption', async () => {
    const s = await sampleFile(p('plain.pdf'));
    expect(await checkReadability(s)).toMatchObject({ ok: true, info: { pages: 2, pagesChecked: 2 } });
    expect(await checkEncryption(s)).toMatchObject({ ok: true });
  });

  it('an owner-password-only PDF opens normally but fails GD-3-8', async () => {
    const s = await sampleFile(p('owner-only.pdf'));
    expect(await checkReadability(s)).toMatchObject({ ok: true });
    const e = await checkEncryption(s);
    expect(e).toMatchObject({ ok: false, item: '3-8' });
    expect(!e.ok && e.reason).toContain('Standard');
  });

  it('a user-password PDF fails readability (password) and GD-3-8', async () => {
    const s = await sampleFile(p('user.pdf'));
    const r = await checkReadability(s);
    expect(r).toMatchObject({ ok: false, item: '3-4' });
    expect(!r.ok && r.reason).toMatch(/PasswordException/);
    expect(await checkEncryption(s)).toMatchObject({ ok: false, item: '3-8' });
  });

  it('a PDF cut in half is still identified as PDF but is unreadable, with pdf.js reason', async () => {
    const s = await sampleFile(p('half.pdf'));
    expect((await identifyFormat(s)).format).toBe('PDF');
    const r = await checkReadability(s);
    expect(r).toMatchObject({ ok: false, item: '3-4' });
    expect(!r.ok && r.reason).toMatch(/pdf\.js|%%EOF/);
  });

  it('a PDF missing its last bytes fails on the end marker even if pdf.js recovers', async () => {
    const r = await checkReadability(await sampleFile(p('no-eof.pdf')));
    expect(r).toMatchObject({ ok: false, item: '3-4' });
  });

  it('a PDF bigger than maxBuffered opens through the range transport, or is skipped honestly without one', async () => {
    const size = readFileSync(p('big.pdf')).length;
    const withRange = await sampleFile(p('big.pdf'), { maxBuffered: 4096, headSize: 4096, tailSize: 4096, random: true });
    expect(withRange.whole).toBeUndefined();
    const r = await checkReadability(withRange);
    expect(r).toMatchObject({ ok: true, info: { pages: 60, pagesChecked: 60 } });

    const noRange = await sampleFile(p('big.pdf'), { maxBuffered: 4096, headSize: 4096, tailSize: 4096 });
    expect(noRange.size).toBe(size);
    const skipped = await checkReadability(noRange);
    expect(skipped).toMatchObject({ ok: false, skip: true, item: '3-4' });
    expect(!skipped.ok && skipped.reason).toMatch(/too large to open/);
  });

  it('a failing range opener gives a reason, not a hang or an exception', async () => {
    const s = await sampleFile(p('big.pdf'), { maxBuffered: 4096, headSize: 4096, tailSize: 4096 });
    s.openRange = async () => {
      throw new Error('store unavailable');
    };
    const r = await checkReadability(s, { timeoutMs: 10_000 });
    expect(r).toMatchObject({ ok: false, item: '3-4' });
    expect(!r.ok && r.reason).toContain('store unavailable');
  });

  it('maxPages bounds the pages loaded', async () => {
    const a = await analyzePdf(await sampleFile(p('big.pdf')), { maxPages: 5 });
    expect(a).toMatchObject({ opened: true, pages: 60, pagesChecked: 5 });
  });

  it('leaves no timers behind', async () => {
    const before = process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length;
    await analyzePdf(await sampleFile(p('plain.pdf')), { maxPages: 3 });
    await analyzePdf(await sampleFile(p('half.pdf')), { maxPages: 3 });
    const after = process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length;
    expect(after).toBeLessThanOrEqual(before);
  });
});

describe('GD-1-10 on PDFs', () => {
  it('PDF/A-2b recorded but plain PDF detected → mismatch', async () => {
    const d = await identifyFormat(await sampleFile(p('plain.pdf')));
    expect(formatMatches('PDF/A-2b', d, '正文.pdf')).toMatchObject({ ok: false, item: '1-10', expected: 'PDF/A-2b', actual: 'PDF' });
  });

  it('PDF recorded and PDF/A detected → match; case-insensitive; level must agree', async () => {
    const d = await identifyFormat(await sampleFile(p('pdfa2b.pdf')));
    expect(formatMatches('PDF', d, '正文.pdf').ok).toBe(true);
    expect(formatMatches('pdf/a-2B', d, '正文.PDF').ok).toBe(true);
    expect(formatMatches('PDF/A-2', d, '正文.pdf').ok).toBe(true);
    expect(formatMatches('PDF/A-1b', d, '正文.pdf').ok).toBe(false);
    expect(formatMatches('PDF/A-2u', d, '正文.pdf').ok).toBe(false);
  });

  it('a DOCX renamed .pdf is detected as DOCX and mismatches both the record and the extension', async () => {
    const d = await identifyFormat(await sampleFile(p('renamed.pdf')));
    expect(d.format).toBe('DOCX');
    expect(formatMatches('PDF', d, '正文.pdf')).toMatchObject({ ok: false, item: '1-10' });
    expect(formatMatches('DOCX', d, '正文.pdf')).toMatchObject({ ok: false, item: '1-10', actual: '.pdf' });
    expect(formatMatches('DOCX', d, '正文.docx').ok).toBe(true);
  });
});

describe('byte scans of a PDF (no string of the whole file)', () => {
  // the regular expressions the scans replace, over the whole file as one Latin-1 string
  const encryptRef = (b: Buffer) => /\/Encrypt\s*(\d+\s+\d+\s+R|<<)/.test(b.toString('latin1'));
  const xmpRef = (b: Buffer) => {
    const m = /<x:xmpmeta[\s\S]*?<\/x:xmpmeta>/.exec(b.toString('latin1'));
    return m ? Buffer.from(m[0], 'latin1').toString('utf8') : undefined;
  };

  it('finds /Encrypt in a trailer exactly where the expression does', () => {
    const pad = 'x'.repeat(3000);
    const cases = [
      'trailer << /Size 9 /Encrypt 12 0 R >>',
      'trailer<</Encrypt<</Filter/Standard>>>>',
      '/Encrypt\n\r\t 7\n0\nR',
      `/Encrypt${' '.repeat(5000)}12 0 R`, // whitespace longer than the first window
      `/Encrypt 1${' '.repeat(1000)}0 R`,
      '/Encrypt 12 0', // cut short: not an entry
      '/EncryptMetadata false',
      '/Encrypt /Name',
      '/Encrypt /Name ... /Encrypt 3 0 R', // a later occurrence is one
      `${pad}/Encrypt`,
      '',
    ];
    for (const c of cases) {
      for (const b of [Buffer.from(c, 'latin1'), Buffer.from(pad + c + pad, 'latin1')]) {
        expect(hasTrailerEncrypt(b), JSON.stringify(c.slice(0, 40))).toBe(encryptRef(b));
        // a view into a larger buffer is searched within its own bounds
        const outer = Buffer.concat([Buffer.from('/Encrypt 1 0 R'), b, Buffer.from('/Encrypt 1 0 R')]);
        expect(hasTrailerEncrypt(outer.subarray(14, 14 + b.byteLength))).toBe(encryptRef(b));
      }
    }
  });

  it('takes the same XMP packet out of the bytes as the expression, UTF-8 inside', () => {
    const packet = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><dc:title>关于防汛工作的通知</dc:title></rdf:RDF></x:xmpmeta>';
    const cases = [
      `%PDF-1.7 ${packet} %%EOF`,
      `${packet}${packet.replace('防汛', '预算')}`,
      '<x:xmpmeta no end',
      '</x:xmpmeta> before <x:xmpmeta>then</x:xmpmeta>',
      'nothing here',
    ];
    for (const c of cases) {
      const b = Buffer.from(c, 'utf8');
      expect(xmpFromBytes(b)).toBe(xmpRef(b));
      expect(xmpFromBytes(Buffer.from('no packet'), b)).toBe(xmpRef(b));
    }
    expect(xmpFromBytes(Buffer.from(cases[0], 'utf8'))).toContain('关于防汛工作的通知');
  });
});
