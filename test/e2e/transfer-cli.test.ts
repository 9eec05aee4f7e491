// The commands end to end: `dangan import` the sample at one archive, `dangan transfer create --out`
// with the unit's key, `dangan receive --register` at a second archive that trusts the sender's CA.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makePki, type Pki } from '../fixtures/crypto/openssl-pki.ts';
import { SAMPLE } from './transfer-support.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'dangan.js');
let work: string;
let pki: Pki;

const run = (args: string[], env: Record<string, string>) =>
  spawnSync('node', [bin, ...args], { cwd: work, env: { ...process.env, DANGAN_LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 120_000 });

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'dangan-transfer-cli-'));
  pki = makePki(join(work, 'pki'));
  mkdirSync(join(work, 'in'));
  copyFileSync(SAMPLE, join(work, 'in', 'valid.zip'));
  mkdirSync(join(work, 'trust'));
  copyFileSync(pki.alg.rsa.root.certPath, join(work, 'trust', 'root.pem'));
  copyFileSync(pki.alg.rsa.intermediate.certPath, join(work, 'trust', 'intermediate.pem'));
  writeFileSync(join(work, 'leaf.pem'), pki.alg.rsa.leaf.certPem + pki.alg.rsa.intermediate.certPem);
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('transfer create --out, then receive --register at another archive', () => {
  const sender = { DANGAN_DATA: join(work, 'agency'), DANGAN_SIGNING_KEY: pki.alg.rsa.leaf.keyPath, DANGAN_SIGNING_CERT: join(work, 'leaf.pem') };
  const receiver = { DANGAN_DATA: join(work, 'archive'), DANGAN_TRUST_DIR: join(work, 'trust'), DANGAN_SIGNING_KEY: pki.alg.rsa.leaf.keyPath, DANGAN_SIGNING_CERT: join(work, 'leaf.pem') };
  const imported = run(['import', 'in'], sender);
  expect(imported.status, imported.stderr).toBe(0);

  const none = run(['transfer', 'create', '--fonds', 'J001', '--year', '1999'], sender);
  expect(none.status).toBe(2);
  expect(none.stderr).toContain('没有符合条件');

  const created = run(['transfer', 'create', '--fonds', 'J001', '--to', '某某县档案馆', '--out', 'transfer.zip', '--json'], sender);
  expect(created.status, created.stderr).toBe(0);
  const t = JSON.parse(created.stdout) as { id: string; status: string; sha256: string; records: number };
  expect(t.status).toBe('stored');
  expect(t.records).toBe(4);
  const sum = spawnSync('sha256sum', ['transfer.zip'], { cwd: work, encoding: 'utf8' }).stdout.slice(0, 64);
  expect(sum).toBe(t.sha256);

  // the receiving archive does not trust an unsealed package: a copy without its seal is refused
  spawnSync('cp', ['transfer.zip', 'unsealed.zip'], { cwd: work });
  expect(spawnSync('zip', ['-q', '-d', 'unsealed.zip', '*.p7s'], { cwd: work }).status).toBe(0);
  expect(spawnSync('unzip', ['-l', 'unsealed.zip'], { cwd: work, encoding: 'utf8' }).stdout).not.toContain('.p7s');
  const refused = run(['receive', 'unsealed.zip'], receiver);
  expect(refused.status).toBe(1);
  expect(refused.stdout).toContain('YJ-1-5');
  expect(refused.stdout).toContain('未存储任何内容');

  const received = run(['receive', 'transfer.zip', '--register', '交接登记表.xml', '--received-by', '王五'], receiver);
  expect(received.status, received.stdout + received.stderr).toBe(0);
  expect(received.stdout).toContain('已接收');
  expect(readFileSync(join(work, '交接登记表.xml'), 'utf8')).toContain('<接收人>王五</接收人>');
  const verify = spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', '交接登记表.xml.p7s', '-content', '交接登记表.xml', '-CAfile', pki.alg.rsa.root.certPath, '-purpose', 'any', '-out', '/dev/null'], { cwd: work, encoding: 'utf8' });
  expect(verify.status, verify.stderr).toBe(0);
}, 300_000);
