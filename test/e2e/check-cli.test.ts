// `dangan check` as a user runs it: exit codes, the summary, --json, --html, --profile, --stage.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBenchPackage } from '../../scripts/bench/packages.ts';

const root = join(import.meta.dirname, '..', '..');
const samples = join(root, 'packages-samples');
const dir = mkdtempSync(join(tmpdir(), 'dangan-check-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function dangan(args: string[], env: Record<string, string> = {}) {
  return spawnSync('node', [join(root, 'bin', 'dangan.js'), ...args], { env: { ...process.env, DANGAN_DATA: dir, ...env }, encoding: 'utf8', cwd: dir, timeout: 120_000 });
}

describe('dangan check', () => {
  it('exits 0 on an accepted package with a Chinese summary', () => {
    const r = dangan(['check', join(samples, 'valid.zip')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^检测通过 \(accepted\): valid\.zip — 4 件, 5 个文件, 9579 字节 \[default\]/);
  });

  it('exits 1 on a rejected package and prints each problem with its code', () => {
    const r = dangan(['check', join(samples, 'invalid', 'zip-slip.zip')]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/检测不通过 \(rejected\)/);
    expect(r.stdout).toMatch(/✗ 不通过 GD-1-13 信息包目录结构规范性检测 {2}\.\.\/evil\.sh/);
  });

  it('prints the report JSON of checks.md with --json and writes HTML with --html', () => {
    const html = join(dir, 'report.html');
    const r = dangan(['check', join(samples, 'invalid', 'entity-bomb.zip'), '--json', '--html', html]);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(['reportVersion', 'stage', 'verdict', 'package', 'profile', 'items', 'summary', 'startedAt', 'finishedAt', 'tool']);
    expect(report).toMatchObject({ reportVersion: 1, stage: 'archiving', verdict: 'rejected', package: { name: 'entity-bomb.zip', layout: 'native' }, tool: { name: 'dangan' } });
    expect(report.items[0]).toMatchObject({ code: expect.stringMatching(/^GD-/), property: expect.any(String), name: expect.any(String), status: 'fail', target: expect.any(String), message: expect.any(String) });
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('电子档案四性检测报告');
    expect(page).toContain('GD-3-1');
  });

  it('uses an operator profile file that extends a built-in one', () => {
    const profile = join(dir, 'strict.yaml');
    writeFileSync(profile, 'extends: 文书\nrequireSeal: true\n');
    const r = dangan(['check', join(samples, 'valid'), '--profile', profile, '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).items.filter((i: { status: string }) => i.status === 'fail').map((i: { code: string }) => i.code)).toEqual(['GD-1-14']);
  });

  it('runs the transfer stage with YJ codes', () => {
    const r = dangan(['check', join(samples, 'valid'), '--stage', 'transfer', '--json']);
    // an archiving package has no 移交登记表 or seal, which only YJ-1-5 finds wanting (see test/e2e/transfer*.test.ts)
    expect(r.status).toBe(1);
    const items = JSON.parse(r.stdout).items as { code: string; status: string }[];
    expect(items.every((i) => i.code.startsWith('YJ-'))).toBe(true);
    expect([...new Set(items.filter((i) => i.status === 'fail').map((i) => i.code))]).toEqual(['YJ-1-5']);
  });

  it('exits 2 when it cannot run: a missing path, a bad stage, an unknown profile', () => {
    const missing = dangan(['check', join(dir, 'nope.zip')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/无法读取 .*nope\.zip.*ENOENT/);
    expect(dangan(['check', join(samples, 'valid'), '--stage', 'later']).status).toBe(2);
    const p = dangan(['check', join(samples, 'valid'), '--profile', 'nosuch']);
    expect(p.status).toBe(2);
    expect(p.stderr).toMatch(/nosuch/);
  });

  it('shows a progress bar on a terminal for a large package, and none when piped', async () => {
    const zip = join(dir, 'large.zip');
    await writeBenchPackage(zip, 12, 2 * 1024 * 1024);
    // `script` gives the command a pseudo-terminal, as an operator's shell would
    const tty = spawnSync('script', ['-qec', `node ${join(root, 'bin', 'dangan.js')} check ${zip}`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, DANGAN_DATA: dir }, timeout: 120_000 });
    expect(tty.status).toBe(0);
    expect(tty.stdout).toMatch(/检测中 .*\d+%/);
    expect(tty.stdout).toMatch(/检测通过 \(accepted\): large\.zip — 12 件/);
    const piped = dangan(['check', zip]);
    expect(piped.status).toBe(0);
    expect(piped.stdout + piped.stderr).not.toMatch(/检测中/);
  });
});
