// <电子签名> verification against signatures made by `openssl dgst -sign` and `openssl pkeyutl` (SM2), streamed in chunks.
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, opensslSignFile, type Identity, type Pki, type PkiAlg } from '../../test/fixtures/crypto/openssl-pki.ts';
import { digestStream, type Digests } from './digest.ts';
import { createFileSignatureVerifier, parseSigningTime, verifyFileSignature, type FileSignature } from './file-signature.ts';
import { createTrustStore, loadTrustStore, type TrustStore } from './trust.ts';
import { readCertificates } from './x509.ts';

let dir: string;
let pki: Pki;
let store: TrustStore;
let file: string;
let digests: Digests;
const ALG_ID = { rsa: 'RSA-SHA256', ec: 'ECDSA-SHA256', sm2: 'SM2-SM3' } as const;

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const certB64 = (id: Identity) => b64(readCertificates(id.certPem)[0]);

function sigOf(alg: PkiAlg, signer: Identity, keyPath = signer.keyPath, path = file, extra: Partial<FileSignature> = {}): FileSignature {
  return { algorithm: ALG_ID[alg], value: b64(opensslSignFile(alg, keyPath, path, dir)), certificate: certB64(signer), ...extra };
}

/** Streams the file in 64 KiB chunks through the verifier, as the check engine does. */
async function stream(sig: FileSignature, path = file, s = store) {
  const v = createFileSignatureVerifier(sig, s);
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) v.update(chunk as Buffer);
  return v.finish();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dangan-filesig-'));
  pki = makePki(dir);
  const roots = (await loadTrustStore(pki.trustDir)).store.anchors.map((a) => a.der);
  const ints = (['rsa', 'ec', 'sm2'] as const).map((a) => readCertificates(pki.alg[a].intermediate.certPem)[0]);
  store = createTrustStore(roots, { intermediates: ints });
  file = join(dir, '正文.pdf');
  const bytes = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
  bytes.write('%PDF-1.7\n', 0);
  writeFileSync(file, bytes);
  writeFileSync(join(dir, 'changed.pdf'), Buffer.concat([bytes.subarray(0, 1000), Buffer.from('X'), bytes.subarray(1001)]));
  digests = await digestStream(createReadStream(file));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each<PkiAlg>(['rsa', 'ec', 'sm2'])('%s file signatures made by openssl', (alg) => {
  it('valid when streamed in chunks', async () => {
    const r = await stream(sigOf(alg, pki.alg[alg].leaf, undefined, undefined, { signingTime: new Date(Date.now() + 2000).toISOString() }));
    expect(r.status, r.message).toBe('valid');
    expect(r.algorithm).toBe(ALG_ID[alg]);
    expect(r.signer?.commonName).toBe(`某某县人民政府办公室 ${alg.toUpperCase()}`);
    expect(r.signingTimeSource).toBe('declared');
    expect(r.chain).toHaveLength(3);
  });

  it('needsBytes only for SM2; RSA and ECDSA verify against the engine’s SHA-256', () => {
    const v = createFileSignatureVerifier(sigOf(alg, pki.alg[alg].leaf), store);
    expect(v.needsBytes).toBe(alg === 'sm2');
    if (!v.needsBytes) expect(v.finish({ sha256: digests.sha256 }).status).toBe('valid');
  });

  it('a changed file', async () => {
    const r = await stream(sigOf(alg, pki.alg[alg].leaf), join(dir, 'changed.pdf'));
    // RSA reveals the digest it signed, so a change is told apart from a wrong key.
    expect(r.status).toBe(alg === 'rsa' ? 'digest_mismatch' : 'bad_signature');
    expect(r.ok).toBe(false);
  });

  it('signed with another key than the certificate’s', async () => {
    const a = pki.alg[alg];
    expect((await stream(sigOf(alg, a.leaf, a.otherKeyPath))).status).toBe('bad_signature');
  });

  it('an expired certificate, and a signing time before the certificate', async () => {
    const a = pki.alg[alg];
    expect((await stream(sigOf(alg, a.expired))).status).toBe('expired');
    expect((await stream(sigOf(alg, a.leaf, undefined, undefined, { signingTime: '2019-05-01T09:00:00+08:00' }))).status).toBe('not_yet_valid');
  });

  it('bad base64, a bad certificate, a bad 签名时间, a signature that is not one', async () => {
    const good = sigOf(alg, pki.alg[alg].leaf);
    for (const bad of [
      { ...good, value: 'not base64!' },
      { ...good, certificate: good.certificate.slice(0, 40) + '*' },
      { ...good, certificate: b64(new TextEncoder().encode('not a certificate')) },
      { ...good, signingTime: '2024-02-30T10:00:00+08:00' },
    ]) {
      const r = await stream(bad);
      expect(r.status, JSON.stringify(bad).slice(0, 80)).toBe('malformed');
    }
    expect((await stream({ ...good, value: b64(new Uint8Array(64).fill(7)) })).status).toBe('bad_signature');
  });
});

describe('file signatures: other cases', () => {
  it('an untrusted signer', async () => {
    expect((await stream(sigOf('rsa', pki.untrustedLeaf))).status).toBe('untrusted');
  });

  it('intermediates can be handed in per call instead of living in the trust store', async () => {
    const bare = createTrustStore(store.anchors.map((a) => a.der));
    const sig = sigOf('sm2', pki.alg.sm2.leaf);
    expect((await verifyFileSignature(sig, readFileSync(file), bare)).status).toBe('untrusted');
    const r = await verifyFileSignature(sig, createReadStream(file), bare, {
      intermediates: readCertificates(pki.alg.sm2.intermediate.certPem),
    });
    expect(r.status).toBe('valid');
  });

  it('SM2: raw r‖s is accepted; OpenSSL’s empty default ID is not the GM/T one', async () => {
    const a = pki.alg.sm2;
    const sig = sigOf('sm2', a.leaf);
    const seq = asn1js.fromBER(Buffer.from(sig.value, 'base64')).result as asn1js.Sequence;
    const int32 = (i: asn1js.AsnType) => Buffer.from((i as asn1js.Integer).valueBlock.valueHexView).toString('hex').replace(/^00/, '').padStart(64, '0');
    const raw = Buffer.from(int32(seq.valueBlock.value[0]) + int32(seq.valueBlock.value[1]), 'hex');
    expect((await stream({ ...sig, value: raw.toString('base64') })).status).toBe('valid');
    const emptyId = { ...sig, value: b64(opensslSignFile('sm2', a.leaf.keyPath, file, dir, null)) };
    expect((await stream(emptyId)).status).toBe('bad_signature');
  });

  it('an unknown 签名算法标识, or one that does not fit the key', async () => {
    expect((await stream({ ...sigOf('rsa', pki.alg.rsa.leaf), algorithm: 'DSA-SHA1' })).status).toBe('unsupported_algorithm');
    expect((await stream({ ...sigOf('sm2', pki.alg.sm2.leaf), algorithm: 'RSA-SHA256' })).status).toBe('malformed');
  });

  it('values of the wrong type from a parser are malformed, not exceptions', () => {
    const good = sigOf('rsa', pki.alg.rsa.leaf);
    const odd = [
      { ...good, algorithm: 42 },
      { ...good, value: { '#text': 'x' } },
      { ...good, signingTime: 20240315 },
      { ...good, algorithm: '__proto__' },
    ] as unknown as FileSignature[];
    for (const sig of odd) expect(['malformed', 'unsupported_algorithm']).toContain(createFileSignatureVerifier(sig, store).finish().status);
  });

  it('a 签名时间 after the verification clock is malformed', async () => {
    const sig = sigOf('rsa', pki.alg.rsa.leaf, undefined, undefined, { signingTime: '2026-01-01T00:00:00Z' });
    const v = createFileSignatureVerifier(sig, store, { now: new Date('2025-12-31T00:00:00Z') });
    const r = v.finish({ sha256: digests.sha256 });
    expect(r.status).toBe('malformed');
    expect(r.message).toContain('晚于当前时间');
  });

  it('a verifier without 签名时间 checks the chain at the handed-in clock', async () => {
    const sig = sigOf('ec', pki.alg.ec.leaf);
    const v = createFileSignatureVerifier(sig, store, { now: new Date('2030-01-01T00:00:00Z') });
    const r = v.finish({ sha256: digests.sha256 });
    expect(r.status).toBe('expired');
    expect(r.signingTimeSource).toBe('verification-time');
  });
});

describe('parseSigningTime', () => {
  it('reads ISO 8601 with a zone, and without one as China Standard Time', () => {
    expect(parseSigningTime('2024-03-15T10:20:00+08:00')?.toISOString()).toBe('2024-03-15T02:20:00.000Z');
    expect(parseSigningTime('2024-03-15T10:20:00')?.toISOString()).toBe('2024-03-15T02:20:00.000Z');
    expect(parseSigningTime('2024-03-15T02:20:00.5Z')?.toISOString()).toBe('2024-03-15T02:20:00.500Z');
    expect(parseSigningTime('2024-03-15 10:20+0800')?.toISOString()).toBe('2024-03-15T02:20:00.000Z');
    for (const bad of ['2024-02-30T10:00:00Z', '20240315', 'yesterday', '2024-03-15T24:00:00Z']) expect(parseSigningTime(bad)).toBeUndefined();
  });
});
