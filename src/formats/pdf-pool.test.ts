// The pdf.js pool gives the analysis pdf.js gives on the calling thread, for every kind of PDF the
// checks meet: plain, PDF/A in both XMP forms, owner-password-only and user-password encryption,
// cut in half, no end marker, not a PDF at all, and the sample packages' PDFs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDocx, makePdf, makePdfA, rewritePdfaXmp, run, tempDir } from '../../test/fixtures/formats/make.ts';
import { assessContentFile, sampleFromBytes } from './index.ts';
import { analyzePdf } from './pdf.ts';
import { createPdfPool, type PdfPool } from './pdf-pool.ts';

const tmp = tempDir();
const p = tmp.path;
let pool: PdfPool;
const made = ['plain.pdf', 'pdfa2b.pdf', 'element.pdf', 'owner-only.pdf', 'user.pdf', 'half.pdf', 'no-eof.pdf', 'renamed.pdf'];

beforeAll(() => {
  pool = createPdfPool(2);
});
afterAll(async () => {
  await pool.close();
  tmp.remove();
});

async function makeTestPdfs() {
  makePdf(p('plain.pdf'));
  makePdfA(p('pdfa2b.pdf'));
  rewritePdfaXmp(p('pdfa2b.pdf'), p('element.pdf'), 'element', '2', 'B');
  run('qpdf', ['--encrypt', '', 'owner-secret', '256', '--', p('plain.pdf'), p('owner-only.pdf')]);
  run('qpdf', ['--encrypt', 'user-secret', 'owner-secret', '256', '--', p('plain.pdf'), p('user.pdf')]);
  const plain = readFileSync(p('plain.pdf'));
  const { writeFileSync } = await import('node:fs');
  writeFileSync(p('half.pdf'), plain.subarray(0, Math.floor(plain.length / 2)));
  writeFileSync(p('no-eof.pdf'), plain.subarray(0, plain.length - 8));
  await makeDocx(p('renamed.pdf'));
}

function samplePdfs(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const f = join(dir, name);
    if (statSync(f).isDirectory()) samplePdfs(f, out);
    else if (name.endsWith('.pdf')) out.push(f);
  }
  return out;
}

describe('pdf.js on the worker pool, PDFs made by ghostscript and qpdf', () => {
  beforeAll(makeTestPdfs);

  it('analyses each test PDF as pdf.js on this thread does', async () => {
    for (const name of made) {
      const bytes = readFileSync(p(name));
      const here = await analyzePdf(sampleFromBytes(bytes));
      const there = await analyzePdf(sampleFromBytes(bytes), { pdfPool: pool });
      expect(there, name).toEqual(here);
    }
    // the encrypted ones are told apart as before
    expect(await analyzePdf(sampleFromBytes(readFileSync(p('owner-only.pdf'))), { pdfPool: pool })).toMatchObject({ opened: true, encrypted: true });
    expect(await analyzePdf(sampleFromBytes(readFileSync(p('user.pdf'))), { pdfPool: pool })).toMatchObject({ opened: false, passwordRequired: true });
    expect(await analyzePdf(sampleFromBytes(readFileSync(p('pdfa2b.pdf'))), { pdfPool: pool })).toMatchObject({ opened: true, pdfa: { part: '2', conformance: 'b' } });
  });

  it('keeps the caller\'s bytes intact (the worker gets its own copy)', async () => {
    const bytes = readFileSync(p('plain.pdf'));
    const copy = Buffer.from(bytes);
    const sample = sampleFromBytes(bytes);
    await analyzePdf(sample, { pdfPool: pool });
    expect(Buffer.compare(Buffer.from(sample.whole!), copy)).toBe(0);
  });
});

describe('pdf.js on the worker pool', () => {
  it('gives the same findings for every PDF of the sample packages, many at once', async () => {
    const files = samplePdfs(join(import.meta.dirname, '..', '..', 'packages-samples'));
    expect(files.length).toBeGreaterThan(3);
    const assess = (f: string, opts: object) => assessContentFile(sampleFromBytes(readFileSync(f)), { target: f, recordedFormat: 'PDF' }, opts);
    const here = await Promise.all(files.map((f) => assess(f, {})));
    const there = await Promise.all(files.map((f) => assess(f, { pdfPool: pool })));
    expect(there).toEqual(here);
  });

  it('refuses work once closed', async () => {
    const other = createPdfPool(1);
    await other.close();
    await expect(other.analyze(new Uint8Array(8), { maxPages: 1, timeoutMs: 1000 })).rejects.toThrow(/closed/);
  });
});
