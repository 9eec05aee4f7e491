// Directory packages: names that are not UTF-8, special files, backslashes and grown files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openPackage } from './index.ts';

const tmp = mkdtempSync(join(tmpdir(), 'dangan-dir-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('reports names that are not UTF-8, special files and backslashes, and reads the rest', async () => {
  const d = join(tmp, 'p1');
  mkdirSync(d);
  writeFileSync(join(d, 'ok.txt'), 'fine');
  writeFileSync(Buffer.concat([Buffer.from(`${d}/`), Buffer.from([0xd5, 0xfd, 0xce, 0xc4]), Buffer.from('.txt')]), 'gbk name on disk');
  writeFileSync(join(d, 'a\\b.txt'), 'backslash');
  execFileSync('mkfifo', [join(d, 'pipe')]);
  const src = await openPackage(d);
  expect(src.findings.map((f) => `${f.item} ${f.target}`).sort()).toEqual(['1-13 a\\b.txt', '1-13 pipe', `1-13 \ufffd\ufffd\ufffd\ufffd.txt`].sort());
  expect(src.entries.filter((e) => e.readable).map((e) => e.path)).toEqual(['ok.txt']);
  const s = await src.open('ok.txt');
  s.resume();
  expect(await s.result).toMatchObject({ ok: true, digests: { size: 4 } });
});

it('notices a file that changed size after the listing', async () => {
  const d = join(tmp, 'p2');
  mkdirSync(d);
  writeFileSync(join(d, 'grow.txt'), 'short');
  writeFileSync(join(d, 'shrink.txt'), 'a longer text');
  const src = await openPackage(d);
  writeFileSync(join(d, 'grow.txt'), 'much longer than before');
  writeFileSync(join(d, 'shrink.txt'), 'a');
  for (const p of ['grow.txt', 'shrink.txt']) {
    const s = await src.open(p);
    s.resume();
    expect(await s.result).toMatchObject({ ok: false, finding: { item: '2-7', target: p } });
  }
});

it('stops at the entry limit', async () => {
  const d = join(tmp, 'p3');
  mkdirSync(d);
  for (let i = 0; i < 12; i++) writeFileSync(join(d, `f${i}.txt`), 'x');
  const src = await openPackage(d, { limits: { maxEntries: 10 } });
  expect(src.findings.map((f) => `${f.item} ${f.target}`)).toEqual(['3-8 package']);
  expect(src.entries.every((e) => !e.readable)).toBe(true);
});
