// Images made by ImageMagick and ghostscript at 300 and 150 dpi (exiftool's are checked in):
// headers decode, the declared resolution is read (JFIF, EXIF, pHYs, TIFF), broken and truncated
// files fail, GD-1-5 compares.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, run, sampleFile, tempDir } from '../../test/fixtures/formats/make.ts';
import { checkReadability, checkScanResolution, identifyFormat, imageResolution, isFormatAllowed, formatMatches } from './index.ts';

const tmp = tempDir();
const p = tmp.path;
const convert = (args: string[]): string => run('convert', args, tmp.dir);

beforeAll(() => {
  // The machine may carry a stand-in `convert`; the tests need the real ImageMagick.
  expect(run('convert', ['-version'])).toContain('ImageMagick');
  const img = ['-size', '240x160', 'gradient:navy-gold', '-fill', 'black', '-draw', 'rectangle 20,20 80,80'];
  for (const dpi of [300, 150]) {
    convert([...img, '-density', String(dpi), '-units', 'PixelsPerInch', `im${dpi}.jpg`]);
    convert([...img, '-density', String(dpi), '-units', 'PixelsPerInch', `im${dpi}.png`]);
    convert([...img, '-density', String(dpi), '-units', 'PixelsPerInch', `im${dpi}.tif`]);
  }
  convert([...img, '-density', '118', '-units', 'PixelsPerCentimeter', 'cm.jpg']); // 118 dpcm ≈ 299.7 dpi
  convert([...img, '-interlace', 'JPEG', '-density', '300', '-units', 'PixelsPerInch', 'progressive.jpg']);
  convert([...img, '-interlace', 'PNG', '-density', '300', '-units', 'PixelsPerInch', 'interlaced.png']);
  // EXIF-only resolution (exiftool, via test/fixtures/formats/make-fixtures.sh): no JFIF, IFD0 X/YResolution in inches and cm.
  copyFileSync(fixture('exif-in.jpg'), p('exif-in.jpg'));
  copyFileSync(fixture('exif-cm.jpg'), p('exif-cm.jpg'));
  writeFileSync(p('doc.ps'), '/Helvetica findfont 24 scalefont setfont 72 700 moveto (Scan) show showpage');
  run('gs', ['-q', '-dNOPAUSE', '-dBATCH', '-dSAFER', '-sPAPERSIZE=a4', '-dFIXEDMEDIA', '-sDEVICE=jpeg', '-r300', `-sOutputFile=${p('gs300.jpg')}`, p('doc.ps')]);
  run('gs', ['-q', '-dNOPAUSE', '-dBATCH', '-dSAFER', '-sPAPERSIZE=a4', '-dFIXEDMEDIA', '-sDEVICE=png16m', '-r150', `-sOutputFile=${p('gs150.png')}`, p('doc.ps')]);
  run('gs', ['-q', '-dNOPAUSE', '-dBATCH', '-dSAFER', '-sPAPERSIZE=a4', '-dFIXEDMEDIA', '-sDEVICE=tiffg4', '-r300', `-sOutputFile=${p('gs300.tif')}`, p('doc.ps')]);
  // Damaged copies.
  const png = readFileSync(p('im300.png'));
  const broken = Buffer.from(png);
  broken[16] ^= 0xff; // width byte in IHDR: the CRC no longer matches
  writeFileSync(p('broken-header.png'), broken);
  writeFileSync(p('cut.png'), png.subarray(0, png.length - 30));
  const jpg = readFileSync(p('gs300.jpg'));
  writeFileSync(p('cut.jpg'), jpg.subarray(0, Math.floor(jpg.length / 2)));
  // A phone's motion photo: a video appended after the JPEG's EOI.
  writeFileSync(p('motion.jpg'), Buffer.concat([jpg, readFileSync(p('im300.png'))]));
  const prog = readFileSync(p('progressive.jpg'));
  writeFileSync(p('cut-progressive.jpg'), prog.subarray(0, Math.floor(prog.length * 0.8)));
  const tif = readFileSync(p('im300.tif'));
  writeFileSync(p('cut.tif'), tif.subarray(0, Math.floor(tif.length / 3)));
});
afterAll(() => tmp.remove());

describe('image identification and readability', () => {
  it.each([
    ['im300.jpg', 'JPEG'], ['im300.png', 'PNG'], ['im300.tif', 'TIFF'], ['gs300.jpg', 'JPEG'], ['gs150.png', 'PNG'], ['gs300.tif', 'TIFF'], ['interlaced.png', 'PNG'], ['progressive.jpg', 'JPEG'],
  ])('%s is %s, allowed, and its header decodes', async (name, format) => {
    const s = await sampleFile(p(name));
    const d = await identifyFormat(s);
    expect(d).toMatchObject({ format, kind: 'image' });
    expect(isFormatAllowed(d)).toBe(true);
    const r = await checkReadability(s);
    expect(r.ok).toBe(true);
    expect(r.ok && r.info.width).toBeGreaterThan(0);
  });

  it('a JPEG recorded as JPG with a .jpg name matches', async () => {
    const d = await identifyFormat(await sampleFile(p('im300.jpg')));
    expect(formatMatches('jpg', d, '扫描件.JPG').ok).toBe(true);
    expect(formatMatches('TIFF', d, '扫描件.jpg').ok).toBe(false);
  });

  it('dimensions are read from the headers', async () => {
    for (const name of ['im300.jpg', 'im300.png', 'im300.tif']) {
      const r = await checkReadability(await sampleFile(p(name)));
      expect(r).toMatchObject({ ok: true, info: { width: 240, height: 160 } });
    }
    const a4 = await checkReadability(await sampleFile(p('gs300.tif')));
    // A4 (595×842 pt) at 300 dpi
    expect(a4.ok && Math.abs((a4.info.width as number) - 2480)).toBeLessThanOrEqual(1);
    expect(a4.ok && Math.abs((a4.info.height as number) - 3508)).toBeLessThanOrEqual(1);
  });

  it('data appended after the EOI (a motion photo) is reported, not failed', async () => {
    const r = await checkReadability(await sampleFile(p('motion.jpg')));
    expect(r).toMatchObject({ ok: true, info: { trailingBytes: readFileSync(p('im300.png')).length } });
  });

  it('a PNG with a corrupted IHDR fails GD-3-4', async () => {
    const r = await checkReadability(await sampleFile(p('broken-header.png')));
    expect(r).toMatchObject({ ok: false, item: '3-4' });
    expect(!r.ok && r.reason).toContain('IHDR');
  });

  it.each(['cut.png', 'cut.jpg', 'cut.tif', 'cut-progressive.jpg'])('%s (cut short) fails GD-3-4', async (name) => {
    const r = await checkReadability(await sampleFile(p(name)));
    expect(r).toMatchObject({ ok: false, item: '3-4' });
  });
});

describe('image resolution (数字化, GD-1-5)', () => {
  it.each([
    ['im300.jpg', 300, 'JFIF'], ['im150.jpg', 150, 'JFIF'], ['im300.png', 300, 'pHYs'], ['im150.png', 150, 'pHYs'],
    ['im300.tif', 300, 'TIFF'], ['im150.tif', 150, 'TIFF'], ['gs300.jpg', 300, 'JFIF'], ['gs150.png', 150, 'pHYs'], ['gs300.tif', 300, 'TIFF'],
  ])('%s declares %i dpi (%s)', async (name, dpi, source) => {
    const r = await imageResolution(await sampleFile(p(name)));
    expect(r?.source).toBe(source);
    expect(r!.xDpi).toBeCloseTo(dpi, 0);
    expect(r!.yDpi).toBeCloseTo(dpi, 0);
  });

  it('EXIF X/YResolution is read when there is no JFIF density (inches and centimetres)', async () => {
    expect(readFileSync(p('exif-in.jpg')).includes(Buffer.from('JFIF'))).toBe(false);
    expect(await imageResolution(await sampleFile(p('exif-in.jpg')))).toEqual({ xDpi: 400, yDpi: 400, source: 'EXIF' });
    expect(await imageResolution(await sampleFile(p('exif-cm.jpg')))).toEqual({ xDpi: 254, yDpi: 254, source: 'EXIF' });
    expect(await checkReadability(await sampleFile(p('exif-in.jpg')))).toMatchObject({ ok: true });
  });

  it('dots per centimetre are converted to dpi', async () => {
    const r = await imageResolution(await sampleFile(p('cm.jpg')));
    expect(r!.xDpi).toBeCloseTo(299.72, 1);
  });

  it('reads the resolution from the head alone when the file is too big to keep', async () => {
    const s = await sampleFile(p('gs150.png'), { maxBuffered: 1024 });
    expect(s.whole).toBeUndefined();
    expect((await imageResolution(s))!.xDpi).toBeCloseTo(150, 0);
    expect(await checkReadability(s)).toMatchObject({ ok: true });
  });

  it('a recorded 300 dpi on a 300 dpi scan passes; on a 150 dpi scan it fails; 150 recorded is below the minimum', async () => {
    expect(await checkScanResolution(await sampleFile(p('im300.tif')), '300')).toMatchObject({ ok: true });
    expect(await checkScanResolution(await sampleFile(p('gs300.jpg')), '300dpi')).toMatchObject({ ok: true });
    const wrong = await checkScanResolution(await sampleFile(p('im150.jpg')), '300');
    expect(wrong).toMatchObject({ ok: false, item: '1-5', expected: '300', actual: '150 dpi' });
    const low = await checkScanResolution(await sampleFile(p('im150.png')), 150);
    expect(low).toMatchObject({ ok: false, item: '1-5' });
    expect(!low.ok && low.reason).toContain('低于');
    expect(await checkScanResolution(await sampleFile(p('im150.png')), 150, { minDpi: 150 })).toMatchObject({ ok: true });
  });
});
