// Raw signature verification over bytes or a precomputed digest: RSA (PKCS#1 v1.5, PSS), ECDSA P-256, SM2 (GM/T 0003/0009).
import { constants, createHash, publicDecrypt, verify as nodeVerify } from 'node:crypto';
import * as asn1js from 'asn1js';
import { p256 } from '@noble/curves/p256';
import { sm2 } from 'sm-crypto-v2';
import type { HashName } from './oids.ts';
import { hex, nodePublicKey, parseDer, type CertInfo } from './x509.ts';

export type SigScheme =
  | { kind: 'rsa-pkcs1'; hash: HashName }
  | { kind: 'rsa-pss'; hash: HashName; saltLength: number }
  | { kind: 'ecdsa'; hash: HashName }
  | { kind: 'sm2'; userId: string };

const SM2_N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** 'RSA-SHA256', 'RSA-PSS-SHA256', 'ECDSA-SHA256', 'SM2-SM3' … */
export function schemeName(s: SigScheme): string {
  switch (s.kind) {
    case 'rsa-pkcs1':
      return `RSA-${s.hash.toUpperCase()}`;
    case 'rsa-pss':
      return `RSA-PSS-${s.hash.toUpperCase()}`;
    case 'ecdsa':
      return `ECDSA-${s.hash.toUpperCase()}`;
    case 'sm2':
      return 'SM2-SM3';
  }
}

/** Whether the scheme fits the certificate's key. */
export function schemeFitsKey(s: SigScheme, key: CertInfo): boolean {
  if (s.kind === 'rsa-pkcs1' || s.kind === 'rsa-pss') return key.keyKind === 'rsa';
  if (s.kind === 'ecdsa') return key.keyKind === 'ec-p256';
  return key.keyKind === 'sm2';
}

function bigintOf(bytes: Uint8Array): bigint {
  return bytes.length ? BigInt('0x' + hex(bytes)) : 0n;
}

function pad32(n: bigint): string {
  return n.toString(16).padStart(64, '0');
}

/**
 * (r, s) of a 256-bit EC signature given as DER SEQUENCE { r INTEGER, s INTEGER } or as raw r‖s
 * (64 bytes); undefined when it is neither or a value is out of [1, n-1].
 */
export function decodeEcSignature(sig: Uint8Array, n: bigint): { r: bigint; s: bigint } | undefined {
  let r: bigint | undefined;
  let s: bigint | undefined;
  const asn = sig[0] === 0x30 ? parseDer(sig) : undefined;
  if (asn instanceof asn1js.Sequence && asn.valueBlock.value.length === 2) {
    const [a, b] = asn.valueBlock.value;
    if (a instanceof asn1js.Integer && b instanceof asn1js.Integer) {
      const av = a.valueBlock.valueHexView;
      const bv = b.valueBlock.valueHexView;
      if ((av[0] & 0x80) === 0 && (bv[0] & 0x80) === 0) {
        r = bigintOf(av);
        s = bigintOf(bv);
      }
    }
  }
  if (r === undefined && sig.length === 64) {
    r = bigintOf(sig.subarray(0, 32));
    s = bigintOf(sig.subarray(32));
  }
  if (r === undefined || s === undefined) return undefined;
  if (r < 1n || r >= n || s < 1n || s >= n) return undefined;
  return { r, s };
}

/** Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) of GM/T 0003.2, for the signer's public point. */
export function sm2Z(point: Uint8Array, userId: string): Uint8Array {
  return sm2.getZ(hex(point), userId);
}

// Precomputed multiples of signers' public points: a package's files share a few signers, and
// the point multiplication is most of an SM2 verification.
type Sm2Point = ReturnType<typeof sm2.precomputePublicKey>;
const sm2Points = new Map<string, Sm2Point>();

function sm2Point(point: Uint8Array): Sm2Point {
  const key = hex(point);
  let p = sm2Points.get(key);
  if (!p) {
    p = sm2.precomputePublicKey(key, 4);
    if (sm2Points.size >= 64) sm2Points.clear();
    sm2Points.set(key, p);
  }
  return p;
}

/** Verifies an SM2 signature given e = SM3(Z ‖ M). */
export function verifySm2Prehashed(e: Uint8Array, sig: Uint8Array, point: Uint8Array): boolean {
  const rs = decodeEcSignature(sig, SM2_N);
  if (!rs) return false;
  try {
    return sm2.doVerifySignature(e, pad32(rs.r) + pad32(rs.s), sm2Point(point), { der: false, hash: false });
  } catch {
    return false;
  }
}

/** Verifies `sig` over `data` with the certificate's key. Never throws. */
export function verifyData(s: SigScheme, key: CertInfo, data: Uint8Array, sig: Uint8Array): boolean {
  if (!schemeFitsKey(s, key)) return false;
  try {
    switch (s.kind) {
      case 'rsa-pkcs1':
        return nodeVerify(s.hash, data, { key: nodePublicKey(key), padding: constants.RSA_PKCS1_PADDING }, sig);
      case 'rsa-pss':
        return nodeVerify(
          s.hash,
          data,
          { key: nodePublicKey(key), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: s.saltLength },
          sig,
        );
      case 'ecdsa': {
        const rs = decodeEcSignature(sig, P256_N);
        if (!rs) return false;
        const raw = Buffer.from(pad32(rs.r) + pad32(rs.s), 'hex');
        return nodeVerify(s.hash, data, { key: nodePublicKey(key), dsaEncoding: 'ieee-p1363' }, raw);
      }
      case 'sm2': {
        const z = sm2Z(key.publicPoint!, s.userId);
        const e = createHash('sm3').update(z).update(data).digest();
        return verifySm2Prehashed(e, sig, key.publicPoint!);
      }
    }
  } catch {
    return false;
  }
}

// DigestInfo prefixes (with and without the NULL parameters) before the hash value, RFC 8017 §9.2.
const DIGEST_INFO: Partial<Record<HashName, string[]>> = {
  sha256: ['3031300d060960864801650304020105000420', '302f300b0609608648016503040201' + '0420'],
  sha384: ['3041300d060960864801650304020205000430', '303f300b0609608648016503040202' + '0430'],
  sha512: ['3051300d060960864801650304020305000440', '304f300b0609608648016503040203' + '0440'],
};

/**
 * Verifies `sig` against a precomputed digest of the signed bytes (RSA PKCS#1 v1.5 and ECDSA
 * P-256). Returns undefined where that is impossible: PSS here, and SM2, whose hash covers Z too.
 */
export function verifyPrehashed(s: SigScheme, key: CertInfo, digest: Uint8Array, sig: Uint8Array): boolean | undefined {
  if (s.kind === 'rsa-pss' || s.kind === 'sm2') return undefined;
  if (!schemeFitsKey(s, key)) return false;
  try {
    if (s.kind === 'rsa-pkcs1') {
      const prefixes = DIGEST_INFO[s.hash];
      if (!prefixes) return undefined;
      const decoded = publicDecrypt({ key: nodePublicKey(key), padding: constants.RSA_PKCS1_PADDING }, sig).toString('hex');
      return prefixes.some((p) => decoded === p + hex(digest));
    }
    const rs = decodeEcSignature(sig, P256_N);
    if (!rs) return false;
    return p256.verify(Buffer.from(pad32(rs.r) + pad32(rs.s), 'hex'), digest, key.publicPoint!, { prehash: false, lowS: false, format: 'compact' });
  } catch {
    return false;
  }
}

/**
 * For RSA PKCS#1 v1.5, whose signature reveals the digest it was made over: a description of the
 * difference when the key opens the signature and it holds another digest of the same algorithm
 * (the content changed), undefined otherwise (another key, or not RSA).
 */
export function rsaDigestMismatch(key: CertInfo, hash: HashName, digest: Uint8Array, sig: Uint8Array): string | undefined {
  if (key.keyKind !== 'rsa') return undefined;
  const prefixes = DIGEST_INFO[hash];
  if (!prefixes) return undefined;
  try {
    const decoded = publicDecrypt({ key: nodePublicKey(key), padding: constants.RSA_PKCS1_PADDING }, sig).toString('hex');
    const p = prefixes.find((x) => decoded.startsWith(x) && decoded.length === x.length + digest.length * 2);
    if (!p) return undefined;
    const signed = decoded.slice(p.length);
    return signed === hex(digest) ? undefined : `签名时的 ${hash.toUpperCase()} 为 ${signed}，文件为 ${hex(digest)}`;
  } catch {
    return undefined;
  }
}
