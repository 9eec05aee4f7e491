// Trust store and chain verification against a PKI made by the openssl CLI (RSA, EC P-256, SM2).
import { mkdtempSync, rmSync, mkdirSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, openssl, type Pki, type PkiAlg } from '../../test/fixtures/crypto/openssl-pki.ts';
import { createTrustStore, loadTrustStore, type TrustStore } from './trust.ts';
import { parseCertificate, readCertificates } from './x509.ts';

let dir: string;
let pki: Pki;
let store: TrustStore;
const der = (pem: string) => readCertificates(pem)[0];
let NOW: Date;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dangan-trust-'));
  pki = makePki(dir);
  NOW = new Date(Date.now() + 1000); // openssl sets notBefore to the second of issue
  const loaded = await loadTrustStore(pki.trustDir);
  store = loaded.store;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadTrustStore', () => {
  it('loads every CA of every PEM file and lists what it skipped', async () => {
    const { store: s, skipped } = await loadTrustStore(pki.trustDir);
    expect(s.anchors.map((a) => a.commonName).sort()).toEqual(['Dangan Test Root EC', 'Dangan Test Root RSA', 'Dangan Test Root SM2']);
    expect(skipped.map((x) => x.file).sort()).toEqual(['README.txt', 'leaf.pem']);
    expect(skipped.find((x) => x.file === 'leaf.pem')!.reason).toContain('不是 CA 证书');
  });

  it('uses certificates in intermediates/ as path helpers, not as anchors', async () => {
    const d = join(dir, 'trust-with-int');
    mkdirSync(join(d, 'intermediates'), { recursive: true });
    copyFileSync(pki.alg.sm2.root.certPath, join(d, 'root.pem'));
    copyFileSync(pki.alg.sm2.intermediate.certPath, join(d, 'intermediates', 'int.pem'));
    const { store: s } = await loadTrustStore(d);
    expect(s.anchors).toHaveLength(1);
    const r = s.verifyChain(der(pki.alg.sm2.leaf.certPem), [], NOW);
    expect(r.ok).toBe(true);
    // Without the helper the leaf's issuer is unknown.
    const bare = createTrustStore([der(pki.alg.sm2.root.certPem)]);
    expect(bare.verifyChain(der(pki.alg.sm2.leaf.certPem), [], NOW)).toMatchObject({ ok: false, status: 'untrusted' });
  });
});

describe.each<PkiAlg>(['rsa', 'ec', 'sm2'])('verifyChain (%s)', (alg) => {
  it('chains leaf → intermediate → root', () => {
    const a = pki.alg[alg];
    const r = store.verifyChain(der(a.leaf.certPem), [der(a.intermediate.certPem)], NOW);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.chain.map((c) => c.commonName)).toEqual([`某某县人民政府办公室 ${alg.toUpperCase()}`, `Dangan Test Intermediate ${alg.toUpperCase()}`, `Dangan Test Root ${alg.toUpperCase()}`]);
  });

  it('reports an expired and a not-yet-valid leaf at the signing time', () => {
    const a = pki.alg[alg];
    const ints = [der(a.intermediate.certPem)];
    expect(store.verifyChain(der(a.expired.certPem), ints, NOW)).toMatchObject({ ok: false, status: 'expired' });
    expect(store.verifyChain(der(a.notYetValid.certPem), ints, NOW)).toMatchObject({ ok: false, status: 'not_yet_valid' });
    // The expired leaf was fine in 2020, but its CA did not exist yet.
    expect(store.verifyChain(der(a.expired.certPem), ints, new Date('2020-06-01T00:00:00Z'))).toMatchObject({
      ok: false,
      status: 'not_yet_valid',
    });
  });

  it('does not chain without the intermediate', () => {
    const a = pki.alg[alg];
    expect(store.verifyChain(der(a.leaf.certPem), [], NOW)).toMatchObject({ ok: false, status: 'untrusted' });
  });
});

describe('verifyChain refusals', () => {
  it('refuses a leaf of an untrusted root that has a trusted root’s name', () => {
    const r = store.verifyChain(der(pki.untrustedLeaf.certPem), [der(pki.untrustedRoot.certPem)], NOW);
    expect(r).toMatchObject({ ok: false, status: 'untrusted' });
  });

  it('refuses an SM2 certificate whose signature is not the trusted root’s (same name, no key ids)', () => {
    const r = store.verifyChain(der(pki.forgedSm2Leaf.certPem), [], NOW);
    expect(r).toMatchObject({ ok: false, status: 'untrusted' });
    if (!r.ok) expect(r.detail).toContain('证书签名不能用');
  });

  it('refuses a certificate issued by a leaf (basicConstraints CA:false)', () => {
    const a = pki.alg.rsa;
    const r = store.verifyChain(der(pki.issuedByLeaf.certPem), [der(a.leaf.certPem), der(a.intermediate.certPem)], NOW);
    expect(r).toMatchObject({ ok: false, status: 'untrusted' });
    if (!r.ok) expect(r.detail).toContain('不是 CA 证书');
  });

  it('reports revoked-by-config by serial number or by fingerprint, anywhere on the chain', () => {
    const a = pki.alg.sm2;
    const leaf = parseCertificate(der(a.leaf.certPem));
    const int = parseCertificate(der(a.intermediate.certPem));
    const roots = store.anchors.map((x) => x.der);
    const bySerial = createTrustStore(roots, { revoked: [leaf.serial.toUpperCase().replace(/(..)(?=.)/g, '$1:')] });
    expect(bySerial.verifyChain(leaf.der, [int.der], NOW)).toMatchObject({ ok: false, status: 'revoked' });
    const byFp = createTrustStore(roots, { revoked: [int.fingerprint256] });
    expect(byFp.verifyChain(leaf.der, [int.der], NOW)).toMatchObject({ ok: false, status: 'revoked' });
    const other = createTrustStore(roots, { revoked: ['ffff'] });
    expect(other.verifyChain(leaf.der, [int.der], NOW).ok).toBe(true);
  });

  it('stays bounded and still finds the path among many same-name decoy CAs', () => {
    const d = join(dir, 'decoys');
    mkdirSync(d);
    const decoys: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      openssl(['genpkey', '-algorithm', 'SM2', '-out', `d${i}.key`], d);
      openssl(['req', '-x509', '-new', '-key', `d${i}.key`, '-sm3', '-sigopt', 'distid:1234567812345678', '-subj', '/CN=Dangan Test Root SM2',
        '-days', '30', '-addext', 'basicConstraints=critical,CA:true', '-out', `d${i}.pem`], d);
      decoys.push(der(readFileSync(join(d, `d${i}.pem`), 'utf8')));
    }
    // The forged leaf has no authorityKeyIdentifier, so every decoy needs an SM2 signature check.
    const started = Date.now();
    expect(store.verifyChain(der(pki.forgedSm2Leaf.certPem), decoys, NOW)).toMatchObject({ ok: false, status: 'untrusted' });
    expect(Date.now() - started).toBeLessThan(20_000);
    const a = pki.alg.sm2;
    const r = store.verifyChain(der(a.leaf.certPem), [...decoys.slice(0, 5), der(a.intermediate.certPem)], NOW);
    expect(r.ok).toBe(true);
  });

  it('reports garbage as malformed', () => {
    expect(store.verifyChain(new Uint8Array([0x30, 0x03, 0x02, 0x01]), [], NOW)).toMatchObject({ ok: false, status: 'malformed' });
  });
});
