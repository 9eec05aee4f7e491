// Detached CMS seals made by `openssl cms -sign` (RSA, EC) and SM2 seals signed by `openssl pkeyutl`, verified by verifyDetachedCms.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, openssl, opensslSignBytes, type Identity, type Pki, type PkiAlg } from '../../test/fixtures/crypto/openssl-pki.ts';
import { verifyDetachedCms } from './cms.ts';
import { createDigester, type Digests } from './digest.ts';
import { signDetachedCmsWith, type RawSigner } from './sign.ts';
import { createTrustStore, loadTrustStore, type TrustStore } from './trust.ts';
import { parseCertificate, readCertificates } from './x509.ts';

let dir: string;
let pki: Pki;
let store: TrustStore;
let manifest: Uint8Array;
let digests: Digests;
const MANIFEST = 'manifest-sm3.txt';

function digestsOf(b: Uint8Array): Digests {
  const d = createDigester();
  d.update(b);
  return d.digest();
}

/** `openssl cms -sign` of the manifest; returns the seal's bytes. */
function opensslSeal(signer: Identity, chain: Identity | undefined, extra: string[] = []): Uint8Array {
  const out = join(dir, `seal-${Math.random().toString(36).slice(2)}.p7s`);
  const certfile = chain ? ['-certfile', chain.certPath] : [];
  const outform = extra.includes('-outform') ? [] : ['-outform', 'DER'];
  openssl(['cms', '-sign', '-binary', ...outform, '-in', MANIFEST, '-signer', signer.certPath, '-inkey', signer.keyPath, ...certfile, ...extra, '-out', out], dir);
  return new Uint8Array(readFileSync(out));
}

/** A RawSigner that has openssl sign (dgst -sha256 -sign, or pkeyutl SM2 with `distid`). */
function opensslSigner(alg: PkiAlg, keyPath: string, distid: string | null = '1234567812345678'): RawSigner {
  return {
    keyKind: alg === 'ec' ? 'ec-p256' : alg,
    sign: (data) => opensslSignBytes(alg, keyPath, data, dir, distid),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dangan-cms-'));
  pki = makePki(dir);
  store = (await loadTrustStore(pki.trustDir)).store;
  manifest = new TextEncoder().encode(
    '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0  J001-WS·2024-Y-BGS-0001/正文.pdf\n' +
      'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732  J001-WS·2024-Y-BGS-0001/元数据.xml\n',
  );
  writeFileSync(join(dir, MANIFEST), manifest);
  digests = digestsOf(manifest);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tampered = () => {
  const t = new Uint8Array(manifest);
  t[3] ^= 0x01;
  return t;
};

describe.each<PkiAlg>(['rsa', 'ec'])('openssl cms -sign seals (%s)', (alg) => {
  const variants: [string, string[]][] = [
    ['DER', []],
    ['DER -nosmimecap', ['-nosmimecap']],
    ['PEM', ['-outform', 'PEM']],
    ['-keyid (subjectKeyIdentifier)', ['-keyid']],
  ];
  it.each(variants)('%s: valid over the bytes and over the digests', (_name, extra) => {
    const a = pki.alg[alg];
    const seal = opensslSeal(a.leaf, a.intermediate, extra);
    const before = Date.now();
    for (const content of [manifest, digests, { sha256: digests.sha256 }]) {
      const r = verifyDetachedCms(seal, content, store);
      expect(r.status, r.message).toBe('valid');
      expect(r.ok).toBe(true);
      expect(r.algorithm).toBe(alg === 'rsa' ? 'RSA-SHA256' : 'ECDSA-SHA256');
      expect(r.signer?.commonName).toBe(`某某县人民政府办公室 ${alg.toUpperCase()}`);
      expect(r.signer?.serial).toBe(parseCertificate(readCertificates(a.leaf.certPem)[0]).serial);
      expect(r.signingTimeSource).toBe('signed-attribute');
      expect(Math.abs(r.signingTime!.getTime() - before)).toBeLessThan(120_000);
      expect(r.chain).toHaveLength(3);
    }
  });

  it('a changed manifest is digest_mismatch, over bytes and digests', () => {
    const a = pki.alg[alg];
    const seal = opensslSeal(a.leaf, a.intermediate);
    expect(verifyDetachedCms(seal, tampered(), store).status).toBe('digest_mismatch');
    expect(verifyDetachedCms(seal, digestsOf(tampered()), store).status).toBe('digest_mismatch');
  });

  it('a changed signature value is bad_signature', () => {
    const a = pki.alg[alg];
    const seal = opensslSeal(a.leaf, a.intermediate, ['-nosmimecap']);
    seal[seal.length - 5] ^= 0x10; // the signature is the last field of the only SignerInfo
    const r = verifyDetachedCms(seal, manifest, store);
    expect(r.status).toBe('bad_signature');
    expect(r.ok).toBe(false);
  });

  it('a signature by another key than the certificate’s is bad_signature', () => {
    const a = pki.alg[alg];
    const seal = signDetachedCmsWith(manifest, a.leaf.certPem, opensslSigner(alg, a.otherKeyPath), { chain: a.intermediate.certPem });
    expect(verifyDetachedCms(seal, manifest, store).status).toBe('bad_signature');
    // The same structure signed with the right key by openssl verifies.
    const good = signDetachedCmsWith(manifest, a.leaf.certPem, opensslSigner(alg, a.leaf.keyPath), { chain: a.intermediate.certPem });
    expect(verifyDetachedCms(good, digests, store).status).toBe('valid');
  });

  it('an expired or not-yet-valid signer certificate at signing time', () => {
    const a = pki.alg[alg];
    expect(verifyDetachedCms(opensslSeal(a.expired, a.intermediate), manifest, store).status).toBe('expired');
    expect(verifyDetachedCms(opensslSeal(a.notYetValid, a.intermediate), manifest, store).status).toBe('not_yet_valid');
  });

  it('without the intermediate in the seal the signer is untrusted', () => {
    const a = pki.alg[alg];
    expect(verifyDetachedCms(opensslSeal(a.leaf, undefined), manifest, store).status).toBe('untrusted');
  });
});

describe('openssl cms -sign seals: other cases', () => {
  it('an untrusted signer (its root merely has a trusted root’s name)', () => {
    const seal = opensslSeal(pki.untrustedLeaf, pki.untrustedRoot);
    const r = verifyDetachedCms(seal, manifest, store);
    expect(r.status).toBe('untrusted');
    expect(r.message).toContain('不受信任');
  });

  it('a signer revoked by configuration', () => {
    const a = pki.alg.rsa;
    const leaf = parseCertificate(readCertificates(a.leaf.certPem)[0]);
    const revokedStore = createTrustStore(store.anchors.map((c) => c.der), { revoked: [leaf.serial] });
    expect(verifyDetachedCms(opensslSeal(a.leaf, a.intermediate), manifest, revokedStore).status).toBe('revoked');
  });

  it('RSA-PSS', () => {
    const a = pki.alg.rsa;
    const seal = opensslSeal(a.leaf, a.intermediate, ['-keyopt', 'rsa_padding_mode:pss']);
    const r = verifyDetachedCms(seal, manifest, store);
    expect(r.status).toBe('valid');
    expect(r.algorithm).toBe('RSA-PSS-SHA256');
  });

  it('-noattr: signature over the content itself, bytes or SHA-256; a change is digest_mismatch', () => {
    const a = pki.alg.rsa;
    const seal = opensslSeal(a.leaf, a.intermediate, ['-noattr']);
    const now = new Date();
    const r = verifyDetachedCms(seal, manifest, store, { now });
    expect(r.status).toBe('valid');
    expect(r.signingTimeSource).toBe('verification-time');
    expect(r.signingTime).toEqual(now);
    expect(verifyDetachedCms(seal, { sha256: digests.sha256 }, store).status).toBe('valid');
    expect(verifyDetachedCms(seal, digestsOf(tampered()), store).status).toBe('digest_mismatch');
    const ec = pki.alg.ec;
    const ecSeal = opensslSeal(ec.leaf, ec.intermediate, ['-noattr']);
    expect(verifyDetachedCms(ecSeal, digests, store).status).toBe('valid');
    expect(verifyDetachedCms(ecSeal, digestsOf(tampered()), store).status).toBe('bad_signature');
  });

  it('SHA-1 is unsupported_algorithm; so is a missing digest of the algorithm the seal uses', () => {
    const a = pki.alg.rsa;
    expect(verifyDetachedCms(opensslSeal(a.leaf, a.intermediate, ['-md', 'sha1']), manifest, store).status).toBe('unsupported_algorithm');
    const seal = opensslSeal(a.leaf, a.intermediate);
    const r = verifyDetachedCms(seal, { sm3: digests.sm3 }, store);
    expect(r.status).toBe('unsupported_algorithm');
    expect(r.message).toContain('SHA256');
  });

  it('malformed input never throws', () => {
    const a = pki.alg.rsa;
    const seal = opensslSeal(a.leaf, a.intermediate);
    const inputs = [
      new Uint8Array(0),
      new TextEncoder().encode('not a signature'),
      seal.subarray(0, seal.length - 40),
      new TextEncoder().encode('-----BEGIN CMS-----\n!!!!\n-----END CMS-----\n'),
      new Uint8Array([0x30, 0x03, 0x06, 0x01, 0x00]),
      Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff),
    ];
    for (const p7s of inputs) {
      const r = verifyDetachedCms(p7s, manifest, store);
      expect(r.status).toBe('malformed');
      expect(r.ok).toBe(false);
    }
  });
});

describe('SM2 seals (structure by signDetachedCmsWith, SM2 signature by openssl pkeyutl)', () => {
  const sm2Seal = (signer: Identity, keyPath = signer.keyPath, distid: string | null = '1234567812345678') =>
    signDetachedCmsWith(manifest, signer.certPem, opensslSigner('sm2', keyPath, distid), { chain: pki.alg.sm2.intermediate.certPem });

  it('valid over the bytes and over the SM3 digest', () => {
    const seal = sm2Seal(pki.alg.sm2.leaf);
    for (const content of [manifest, digests, { sm3: digests.sm3 }]) {
      const r = verifyDetachedCms(seal, content, store);
      expect(r.status, r.message).toBe('valid');
      expect(r.algorithm).toBe('SM2-SM3');
      expect(r.signer?.commonName).toBe('某某县人民政府办公室 SM2');
    }
  });

  it('changed manifest, another key, another SM2 user ID, expired signer, forged chain', () => {
    const a = pki.alg.sm2;
    expect(verifyDetachedCms(sm2Seal(a.leaf), tampered(), store).status).toBe('digest_mismatch');
    expect(verifyDetachedCms(sm2Seal(a.leaf, a.otherKeyPath), manifest, store).status).toBe('bad_signature');
    // OpenSSL's empty default ID is not the GM/T 0009 one.
    expect(verifyDetachedCms(sm2Seal(a.leaf, a.leaf.keyPath, null), manifest, store).status).toBe('bad_signature');
    expect(verifyDetachedCms(sm2Seal(a.expired), manifest, store).status).toBe('expired');
    const forged = signDetachedCmsWith(manifest, pki.forgedSm2Leaf.certPem, opensslSigner('sm2', pki.forgedSm2Leaf.keyPath));
    expect(verifyDetachedCms(forged, manifest, store).status).toBe('untrusted');
  });
});
