// Identification beyond documents and images: executables, scripts, nested and encrypted archives,
// text and XML; the format list (GD-3-3); and assessContentFile's findings for the engine.
import { copyFileSync, writeFileSync } from 'node:fs';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDocx, makePdf, run, sampleFile, tempDir, writeZip } from '../../test/fixtures/formats/make.ts';
import {
  assessContentFile, checkEncryption, checkFormatAllowed, formatMatches, checkReadability, DEFAULT_FORMATS, identifyFormat, isFormatAllowed, sampleFromBytes,
} from './index.ts';

const tmp = tempDir();
const p = tmp.path;

beforeAll(async () => {
  copyFileSync('/bin/true', p('tool'));
  writeFileSync(p('run.sh'), '#!/bin/sh\necho "archive"\nrm -rf /tmp/x\n');
  writeFileSync(p('setup.bat'), '@echo off\r\ncopy a b\r\n');
  writeFileSync(p('launch.vbs'), 'Option Explicit\r\nDim sh\r\nSet sh = CreateObject("WScript.Shell")\r\nsh.Run "calc"\r\n');
  writeFileSync(p('tool.py'), 'import os\nos.system("ls")\n');
  writeFileSync(p('mention.txt'), '系统说明：旧系统曾用 CreateObject("WScript.Shell") 启动程序，现已停用。\nREM 睡眠研究资料另存。\n');
  writeFileSync(p('note.txt'), '关于开展档案检查工作的通知\n各科室：\n请于三月底前完成。\n');
  run('sh', ['-c', `iconv -f UTF-8 -t GB18030 ${p('note.txt')} > ${p('note-gb.txt')}`]);
  writeFileSync(p('good.xml'), '<?xml version="1.0" encoding="UTF-8"?>\n<目录><条目 序号="1">通知</条目></目录>\n');
  writeFileSync(p('doctype.xml'), '<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x "y">]>\n<a>&x;</a>\n');
  writeFileSync(p('bad.xml'), '<?xml version="1.0"?>\n<a><b></a>\n');
  writeFileSync(p('random.bin'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
  writeFileSync(p('empty.pdf'), '');
  const inner = new yazl.ZipFile();
  inner.addBuffer(Buffer.from('hello'), 'readme.txt');
  await writeZip(inner, p('nested.zip'));
  run('zip', ['-q', '-P', 'secret', p('locked.zip'), p('note.txt')]);
  run('gzip', ['-k', p('note.txt')]);
  run('tar', ['-cf', p('bundle.tar'), '-C', tmp.dir, 'note.txt']);
  await makeDocx(p('report.docx'));
  makePdf(p('plain.pdf'));
  copyFileSync(p('report.docx'), p('renamed.pdf'));
  // A minimal PE file: an MZ header whose e_lfanew points at a PE signature and a COFF header (no Windows toolchain here).
  const pe = Buffer.alloc(512);
  pe.write('MZ', 0, 'latin1');
  pe.writeUInt32LE(0x80, 0x3c);
  pe.write('PE\0\0', 0x80, 'latin1');
  pe.writeUInt16LE(0x14c, 0x84);
  writeFileSync(p('setup.exe'), pe);
});
afterAll(() => tmp.remove());

describe('executables, scripts and archives are never allowed', () => {
  it.each([
    ['tool', 'ELF', 'executable'], ['setup.exe', 'EXE', 'executable'], ['run.sh', 'SCRIPT', 'script'], ['setup.bat', 'SCRIPT', 'script'],
    ['launch.vbs', 'SCRIPT', 'script'], ['tool.py', 'SCRIPT', 'script'],
    ['nested.zip', 'ZIP', 'archive'], ['locked.zip', 'ZIP', 'archive'], ['note.txt.gz', 'GZIP', 'archive'], ['bundle.tar', 'TAR', 'archive'],
  ])('%s → %s (%s), refused even when listed', async (name, format, kind) => {
    const d = await identifyFormat(await sampleFile(p(name)));
    expect(d).toMatchObject({ format, kind });
    expect(isFormatAllowed(d)).toBe(false);
    expect(isFormatAllowed(d, [...DEFAULT_FORMATS, format, 'SCRIPT', 'ZIP'])).toBe(false);
    expect(checkFormatAllowed(d)).toMatchObject({ ok: false, item: '3-3', actual: format });
  });

  it('a nested archive is flagged by GD-3-8; an encrypted one names its encrypted entries', async () => {
    const nested = await checkEncryption(await sampleFile(p('nested.zip')));
    expect(nested).toMatchObject({ ok: false, item: '3-8' });
    expect(!nested.ok && nested.reason).toContain('nested archive');
    const locked = await checkEncryption(await sampleFile(p('locked.zip')));
    expect(!locked.ok && locked.reason).toContain('已加密的条目');
  });
});

describe('text and XML', () => {
  it('UTF-8 and GB18030 text are TXT and readable', async () => {
    for (const [name, enc] of [['note.txt', 'utf-8'], ['note-gb.txt', 'gb18030']]) {
      const s = await sampleFile(p(name));
      expect(await identifyFormat(s)).toMatchObject({ format: 'TXT', encoding: enc });
      expect(await checkReadability(s)).toMatchObject({ ok: true, info: { encoding: enc } });
    }
  });

  it('a text too big to keep is decoded range by range; a bad byte deep inside fails; no opener is a skip', async () => {
    const line = Buffer.from('各科室请按时报送归档文件目录。\n');
    const big = Buffer.concat(Array.from({ length: 40_000 }, () => line));
    writeFileSync(p('big.txt'), big);
    const opts = { maxBuffered: 64 * 1024 };
    expect(await checkReadability(await sampleFile(p('big.txt'), { ...opts, random: true }))).toMatchObject({ ok: true, info: { encoding: 'utf-8' } });
    const broken = Buffer.from(big);
    broken[Math.floor(big.length / 2)] = 0xff;
    writeFileSync(p('big-bad.txt'), broken);
    expect(await checkReadability(await sampleFile(p('big-bad.txt'), { ...opts, random: true }))).toMatchObject({ ok: false, item: '3-4' });
    expect(await checkReadability(await sampleFile(p('big.txt'), opts))).toMatchObject({ ok: false, skip: true, item: '3-4' });
  });

  it('text that only mentions script words mid-line stays TXT', async () => {
    expect(await identifyFormat(await sampleFile(p('mention.txt')))).toMatchObject({ format: 'TXT', kind: 'document' });
  });

  it('well-formed XML is readable; DOCTYPE/ENTITY and malformed XML fail GD-3-4', async () => {
    expect(await checkReadability(await sampleFile(p('good.xml')))).toMatchObject({ ok: true });
    const dt = await checkReadability(await sampleFile(p('doctype.xml')));
    expect(!dt.ok && dt.reason).toContain('DOCTYPE');
    const bad = await checkReadability(await sampleFile(p('bad.xml')));
    expect(bad).toMatchObject({ ok: false, item: '3-4' });
  });

  it('unrecognised binary data is UNKNOWN and not allowed; an empty file is EMPTY and unreadable', async () => {
    const d = await identifyFormat(await sampleFile(p('random.bin')));
    expect(d.format).toBe('UNKNOWN');
    expect(isFormatAllowed(d)).toBe(false);
    const empty = sampleFromBytes(new Uint8Array(0));
    expect((await identifyFormat(empty)).format).toBe('EMPTY');
    expect(await checkReadability(empty)).toMatchObject({ ok: false, item: '3-4' });
    expect(formatMatches('PDF', await identifyFormat(empty), '正文.pdf')).toMatchObject({ ok: false, skip: true, item: '1-10' });
  });

  it('DOCX is a document, readable, but not on the default list', async () => {
    const s = await sampleFile(p('report.docx'));
    const d = await identifyFormat(s);
    expect(d).toMatchObject({ format: 'DOCX', kind: 'document' });
    expect(isFormatAllowed(d)).toBe(false);
    expect(isFormatAllowed(d, ['DOCX'])).toBe(true);
    expect(await checkReadability(s)).toMatchObject({ ok: true });
  });
});

describe('assessContentFile', () => {
  it('a good PDF recorded as PDF has no findings', async () => {
    const a = await assessContentFile(await sampleFile(p('plain.pdf')), { target: 'J001-WS·2024-Y-BGS-0001/正文.pdf', recordedFormat: 'PDF' });
    expect(a.detected.format).toBe('PDF');
    expect(a.findings).toEqual([]);
  });

  it('a DOCX renamed .pdf gives GD-1-10 and GD-3-3 findings with the target', async () => {
    const target = 'J001-WS·2024-Y-BGS-0002/正文.pdf';
    const a = await assessContentFile(await sampleFile(p('renamed.pdf')), { target, recordedFormat: 'PDF/A-2b' });
    expect(a.findings.map((f) => f.item).sort()).toEqual(['1-10', '3-3']);
    expect(a.findings.every((f) => f.target === target)).toBe(true);
  });

  it('an ELF binary is refused (GD-3-3) and its readability is a skip, not a pass', async () => {
    const a = await assessContentFile(await sampleFile(p('tool')), { target: 'x/tool' });
    expect(a.findings.map((f) => f.item)).toContain('3-3');
    expect(a.skipped.map((s) => s.item)).toContain('3-4');
  });
});
