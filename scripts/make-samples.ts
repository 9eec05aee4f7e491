// Generates the checked-in sample packages under packages-samples/ (run: npx node scripts/make-samples.ts).
// Needs ghostscript (gs) for the PDF and Info-ZIP zip for the encrypted sample.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rawZip } from '../test/fixtures/packages/raw-zip.ts';
import { listFiles, writeBag, writeValidPackage, zipDirectory, zipDirectoryGbk } from '../test/fixtures/packages/build.ts';

const out = fileURLToPath(new URL('../packages-samples/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'dangan-samples-'));

function makePdf(): Buffer {
  const ps = join(work, 'page.ps');
  writeFileSync(
    ps,
    '%!PS\n/Helvetica findfont 14 scalefont setfont\n72 720 moveto (dangan sample record: spring flood prevention notice) show\n72 700 moveto (J001-WS 2024-Y-BGS-0001) show\nshowpage\n',
  );
  const pdf = join(work, 'out.pdf');
  execFileSync('gs', ['-q', '-dSAFER', '-dNOPAUSE', '-dBATCH', '-sDEVICE=pdfwrite', '-dCompatibilityLevel=1.7', `-sOutputFile=${pdf}`, ps]);
  return readFileSync(pdf);
}

try {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'invalid'), { recursive: true });
  const valid = join(out, 'valid');
  await writeValidPackage(valid, { pdf: makePdf() });
  await zipDirectory(valid, join(out, 'valid.zip'));
  zipDirectoryGbk(valid, join(out, 'valid-gbk.zip'));
  writeBag(valid, join(out, 'valid-bag'), '1.0', ['sha256', 'sha512']);

  const inv = join(out, 'invalid');
  writeFileSync(join(inv, 'zip-slip.zip'), rawZip([
    { name: '说明文件.txt', data: readFileSync(join(valid, '说明文件.txt')) },
    { name: '../evil.sh', data: Buffer.from('#!/bin/sh\necho pwned\n') },
  ]));
  // 16 MiB of zeros deflates to ~16 KB (ratio ~1000:1), and a second entry lies about its size.
  writeFileSync(join(inv, 'zip-bomb.zip'), rawZip([
    { name: 'bomb.bin', data: Buffer.alloc(16 * 1024 * 1024), method: 8 },
    { name: 'liar.bin', data: Buffer.alloc(4 * 1024 * 1024), method: 8, uncompressedSize: 1024 },
  ]));
  const enc = join(work, 'enc');
  cpSync(valid, enc, { recursive: true });
  execFileSync('zip', ['-q', '-r', '-X', '-e', '-P', 'dangan', join(inv, 'encrypted.zip'), '.'], { cwd: enc });

  const bomb = join(work, 'entity');
  cpSync(valid, bomb, { recursive: true });
  const target = listFiles(bomb).find((p) => p.endsWith('0002/元数据.xml'))!;
  const laughs = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`)];
  const xml = readFileSync(join(bomb, target), 'utf8').replace('<电子文件元数据', `<!DOCTYPE 电子文件元数据 [\n  ${laughs.join('\n  ')}\n]>\n<电子文件元数据`).replace(/<题名>[^<]*<\/题名>/, '<题名>&lol9;</题名>');
  writeFileSync(join(bomb, target), xml);
  await zipDirectory(bomb, join(inv, 'entity-bomb.zip'));

  const whole = readFileSync(join(out, 'valid.zip'));
  writeFileSync(join(inv, 'truncated.zip'), whole.subarray(0, Math.floor(whole.length * 0.6)));
  console.log(`samples written to ${out}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
