// Our seals and <电子签名> values, checked by the openssl CLI (RSA, ECDSA) and by our own verifiers (RSA, ECDSA, SM2).
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, openssl, type Pki, type PkiAlg } from '../../test/fixtures/crypto/openssl-pki.ts';
import { verifyDetachedCms } from './cms.ts';
import { createDigester } from './digest.ts';
import { verifyFileSignature } from './file-signature.ts';
import { formatChinaTime, signDetachedCms, signFile } from './sign.ts';
import { createTrustStore, type TrustStore } from './trust.ts';
import { readCertificates, toPem } from './x509.ts';

let dir: string;
let pki: Pki;
let store: TrustStore;
const content = new TextEncoder().encode('<文件目录><文件><顺序号>1</顺序号></文件></文件目录>\n');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dangan-sign-'));
  pki = makePki(dir);
  const cert = (p: string) => readCertificates(p)[0];
  store = createTrustStore(
    (['rsa', 'ec', 'sm2'] as const).map((a) => cert(pki.alg[a].root.certPem)),
    { intermediates: (['rsa', 'ec', 'sm2'] as const).map((a) => cert(pki.alg[a].intermediate.certPem)) },
  );
  writeFileSync(join(dir, 'content.xml'), content);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each<PkiAlg>(['rsa', 'ec'])('signDetachedCms (%s) verified by openssl cms -verify', (alg) => {
  it('DER and PEM, from the bytes and from the digests', () => {
    const a = pki.alg[alg];
    const d = createDigester();
    d.update(content);
    for (const [i, input] of [content, d.digest()].entries()) {
      const der = signDetachedCms(input, a.leaf.keyPem, a.leaf.certPem, { chain: a.intermediate.certPem });
      writeFileSync(join(dir, `ours-${alg}-${i}.p7s`), der);
      writeFileSync(join(dir, `ours-${alg}-${i}.pem`), toPem(der, 'CMS'));
      const out = openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', `ours-${alg}-${i}.p7s`, '-content', 'content.xml', '-CAfile', a.root.certPath, '-out', 'verified.txt'], dir);
      expect(out).toBeDefined(); // openssl exits non-zero (throws) on failure
      openssl(['cms', '-verify', '-binary', '-inform', 'PEM', '-in', `ours-${alg}-${i}.pem`, '-content', 'content.xml', '-CAfile', a.root.certPath, '-out', 'verified.txt'], dir);
      expect(readFileSync(join(dir, 'verified.txt'))).toEqual(Buffer.from(content));
      expect(verifyDetachedCms(der, content, store).status).toBe('valid');
    }
  });

  it('openssl refuses our seal over changed content', () => {
    const a = pki.alg[alg];
    writeFileSync(join(dir, 'ours.p7s'), signDetachedCms(content, a.leaf.keyPem, a.leaf.certPem, { chain: a.intermediate.certPem }));
    writeFileSync(join(dir, 'changed.xml'), Buffer.concat([Buffer.from(content), Buffer.from(' ')]));
    expect(() =>
      openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'ours.p7s', '-content', 'changed.xml', '-CAfile', a.root.certPath, '-out', 'x.txt'], dir),
    ).toThrow();
  });
});

describe('signDetachedCms (SM2)', () => {
  it('verifies with our verifier (SM3, default user ID) and records the signing time', () => {
    const a = pki.alg.sm2;
    const t = new Date(Date.now() + 5000);
    t.setMilliseconds(0);
    const der = signDetachedCms(content, a.leaf.keyPem, a.leaf.certPem, { chain: a.intermediate.certPem, signingTime: t });
    const r = verifyDetachedCms(der, content, store);
    expect(r.status, r.message).toBe('valid');
    expect(r.algorithm).toBe('SM2-SM3');
    expect(r.signingTime).toEqual(t);
    expect(verifyDetachedCms(der, { sm3: createDigester().digest().sm3 }, store).status).toBe('digest_mismatch');
    expect(verifyDetachedCms(der, content, store, { now: new Date(t.getTime() - 3600_000) }).status).toBe('malformed');
    // openssl parses the structure we write.
    writeFileSync(join(dir, 'sm2.p7s'), der);
    const printed = openssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', 'sm2.p7s'], dir).toString();
    expect(printed).toContain('sm3');
    expect(printed).toContain('messageDigest');
  });

  it('refuses a key that does not belong to the certificate', () => {
    const a = pki.alg.sm2;
    expect(() => signDetachedCms(content, readFileSync(a.otherKeyPath, 'utf8'), a.leaf.certPem)).toThrow(/does not belong/);
    expect(() => signDetachedCms(content, pki.alg.rsa.leaf.keyPem, pki.alg.ec.leaf.certPem)).toThrow();
  });
});

describe.each<PkiAlg>(['rsa', 'ec', 'sm2'])('signFile (%s)', (alg) => {
  it('round-trips through our verifier and is accepted by openssl', async () => {
    const a = pki.alg[alg];
    const sig = await signFile(content, a.leaf.keyPem, a.leaf.certPem, { signer: '张三', signingTime: new Date(Date.now() + 3000) });
    expect(sig.algorithm).toBe({ rsa: 'RSA-SHA256', ec: 'ECDSA-SHA256', sm2: 'SM2-SM3' }[alg]);
    expect(sig.signingTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    expect(sig.signer).toBe('张三');
    expect((await verifyFileSignature(sig, content, store)).status).toBe('valid');
    const streamed = (async function* () {
      yield content.subarray(0, 7);
      yield content.subarray(7);
    })();
    const again = await signFile(streamed, a.leaf.keyPem, a.leaf.certPem);
    expect((await verifyFileSignature(again, content, store)).status).toBe('valid');

    writeFileSync(join(dir, 'file.sig'), Buffer.from(sig.value, 'base64'));
    openssl(['x509', '-in', a.leaf.certPath, '-pubkey', '-noout', '-out', 'pub.pem'], dir);
    const out =
      alg === 'sm2'
        ? openssl(['pkeyutl', '-verify', '-rawin', '-digest', 'sm3', '-pkeyopt', 'distid:1234567812345678', '-pubin', '-inkey', 'pub.pem', '-sigfile', 'file.sig', '-in', 'content.xml'], dir)
        : openssl(['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'file.sig', 'content.xml'], dir);
    expect(out.toString()).toMatch(/Verified OK|Signature Verified Successfully/);
  });
});

describe('formatChinaTime', () => {
  it('writes +08:00 local time', () => {
    expect(formatChinaTime(new Date('2024-03-15T02:20:00Z'))).toBe('2024-03-15T10:20:00+08:00');
  });
});
