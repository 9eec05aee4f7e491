// The trust store: CA certificates from DANGAN_TRUST_DIR, the operator's revocation list, and chain verification at a given time.
import { X509Certificate, createPublicKey } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OID, SM2_DEFAULT_USER_ID } from './oids.ts';
import { verifyData } from './primitives.ts';
import type { SignatureStatus } from './result.ts';
import { normaliseSerial, readCertificates, sameName, tryParseCertificate, type CertInfo } from './x509.ts';

export type ChainResult =
  | { ok: true; chain: CertInfo[] }
  | {
      ok: false;
      status: Extract<SignatureStatus, 'untrusted' | 'expired' | 'not_yet_valid' | 'revoked' | 'malformed'>;
      /** Chinese detail naming the certificate concerned. */
      detail: string;
      /** The chain when one was found (revoked, expired, not yet valid). */
      chain?: CertInfo[];
    };

export interface TrustStore {
  readonly anchors: readonly CertInfo[];
  /**
   * Whether `leafDer` chains, through `intermediates` (any order; extra ones are ignored), to an
   * anchor: names match, every signature verifies (RSA, ECDSA, SM2-with-SM3), every issuer is a
   * CA (basicConstraints CA:true, keyCertSign when keyUsage is present, pathLenConstraint), none is
   * on the revocation list, and all are valid at `at` (the signing time).
   */
  verifyChain(leafDer: Uint8Array, intermediates: readonly Uint8Array[], at: Date): ChainResult;
  isRevoked(cert: CertInfo): boolean;
}

export interface TrustOptions {
  /**
   * Revoked by configuration: certificate serial numbers (hex, colons and case ignored) or
   * SHA-256 / SHA-1 fingerprints of the DER. A serial number matches whatever its issuer.
   */
  revoked?: readonly string[];
  /** SM2 user ID used for SM2-signed certificates (default GM/T 0009 `1234567812345678`). */
  sm2UserId?: string;
  /**
   * Intermediate CA certificates that help build paths without being trusted themselves (a
   * <电子签名> carries only the signer's certificate).
   */
  intermediates?: readonly Uint8Array[];
}

export interface SkippedTrustFile {
  file: string;
  reason: string;
}

const MAX_DEPTH = 8;
// Bounds on attacker-supplied certificates (a seal may carry any number with the same names).
const MAX_POOL = 32;
const MAX_SIGNATURE_CHECKS = 64;
const SIGNATURE_CACHE_SIZE = 4096;

// Certificate signature algorithms accepted on a chain; SHA-1 and MD5 are not.
const CERT_SIG_ALGS = new Set<string>([
  OID.sha256WithRsa,
  OID.sha384WithRsa,
  OID.sha512WithRsa,
  OID.rsaPss,
  OID.ecdsaWithSha256,
  OID.ecdsaWithSha384,
  OID.ecdsaWithSha512,
  OID.sm2WithSm3,
]);

/** Whether `issuer`'s key made the signature on `cert`. */
function signedBy(cert: CertInfo, issuer: CertInfo, sm2UserId: string): boolean | 'unsupported' {
  const alg = cert.cert.signatureAlgorithm.algorithmId;
  if (!CERT_SIG_ALGS.has(alg)) return 'unsupported';
  const sig = new Uint8Array(cert.cert.signatureValue.valueBlock.valueHexView);
  if (alg === OID.sm2WithSm3) {
    // Node 24 (OpenSSL 3.5) neither verifies nor checkIssued()s SM2-signed certificates: done here.
    if (issuer.keyKind !== 'sm2') return false;
    return verifyData({ kind: 'sm2', userId: sm2UserId }, issuer, cert.cert.tbsView, sig);
  }
  if (issuer.keyKind !== 'rsa' && issuer.keyKind !== 'ec-p256') return false;
  try {
    return new X509Certificate(cert.der).verify(createPublicKey({ key: Buffer.from(issuer.spki), format: 'der', type: 'spki' }));
  } catch {
    return false;
  }
}

function who(c: CertInfo): string {
  return `「${c.commonName ?? c.subject}」(序列号 serial ${c.serial})`;
}

function iso(d: Date): string {
  return d.toISOString();
}

export function createTrustStore(caCertificates: readonly Uint8Array[], options: TrustOptions = {}): TrustStore {
  const sm2UserId = options.sm2UserId ?? SM2_DEFAULT_USER_ID;
  const anchors: CertInfo[] = [];
  for (const der of caCertificates) {
    const c = tryParseCertificate(der);
    if (!c) throw new Error('trust store: not a certificate');
    if (!anchors.some((a) => a.fingerprint256 === c.fingerprint256)) anchors.push(c);
  }
  const anchorFps = new Set(anchors.map((a) => a.fingerprint256));
  const helpers = (options.intermediates ?? []).map(tryParseCertificate).filter((c): c is CertInfo => c !== undefined);
  const revoked = new Set((options.revoked ?? []).map(normaliseSerial).filter((s) => s.length > 0));

  // Issuer signatures already checked (cert→issuer fingerprints): a package holds many files signed
  // with the same certificate; only validity at each signing time differs.
  const checked = new Map<string, boolean | 'unsupported'>();
  const signedByCached = (cert: CertInfo, issuer: CertInfo) => {
    const key = `${cert.fingerprint256}>${issuer.fingerprint256}`;
    let v = checked.get(key);
    if (v === undefined) {
      v = signedBy(cert, issuer, sm2UserId);
      if (checked.size >= SIGNATURE_CACHE_SIZE) checked.clear();
      checked.set(key, v);
    }
    return v;
  };

  const isRevoked = (c: CertInfo) =>
    revoked.has(c.serial) || revoked.has(normaliseSerial(c.fingerprint256)) || revoked.has(normaliseSerial(c.fingerprint1));

  function verifyChain(leafDer: Uint8Array, intermediates: readonly Uint8Array[], at: Date): ChainResult {
    const leaf = tryParseCertificate(leafDer);
    if (!leaf) return { ok: false, status: 'malformed', detail: '签名证书无法解析 (certificate cannot be parsed)' };
    const given = intermediates.slice(0, MAX_POOL).map(tryParseCertificate).filter((c): c is CertInfo => c !== undefined);
    const pool = [...given, ...helpers];
    let budget = MAX_SIGNATURE_CHECKS;
    let why = `${who(leaf)} 的签发者 ${leaf.issuer} 不在信任库中 (issuer not in the trust store)`;

    const build = (path: CertInfo[]): CertInfo[] | undefined => {
      const cert = path[path.length - 1];
      if (anchorFps.has(cert.fingerprint256) && path.length > 1) return path;
      if (path.length > MAX_DEPTH) return undefined;
      const candidates = [...anchors, ...pool].filter(
        (c) =>
          sameName(c.subjectDer, cert.issuerDer, c.subject, cert.issuer) &&
          !path.some((p) => p.fingerprint256 === c.fingerprint256) &&
          !(cert.authorityKeyId && c.subjectKeyId && cert.authorityKeyId !== c.subjectKeyId),
      );
      for (const issuer of candidates) {
        if (budget-- <= 0) {
          why = '证书路径候选过多 (too many candidate certificates)';
          return undefined;
        }
        const signed = signedByCached(cert, issuer);
        if (signed === 'unsupported') {
          why = `${who(cert)} 的证书签名算法不受支持 (unsupported certificate signature algorithm ${cert.cert.signatureAlgorithm.algorithmId})`;
          continue;
        }
        if (!signed) {
          why = `${who(cert)} 的证书签名不能用 ${who(issuer)} 的公钥验证 (certificate signature does not verify)`;
          continue;
        }
        if (!issuer.isCA || issuer.keyCertSign === false) {
          why = `${who(issuer)} 不是 CA 证书，不能签发证书 (issuer is not a CA)`;
          continue;
        }
        // pathLenConstraint: CA certificates below this issuer, not counting the leaf.
        if (issuer.pathLength !== undefined && path.length - 1 > issuer.pathLength) {
          why = `${who(issuer)} 的路径长度约束被超出 (pathLenConstraint exceeded)`;
          continue;
        }
        const found = build([...path, issuer]);
        if (found) return found;
      }
      return undefined;
    };

    // A leaf that is itself an anchor is not a signer certificate: anchors are CAs.
    const chain = build([leaf]);
    if (!chain) return { ok: false, status: 'untrusted', detail: why };
    const bad = chain.find(isRevoked);
    if (bad) return { ok: false, status: 'revoked', detail: `${who(bad)} 在吊销名单中 (on the configured revocation list)`, chain };
    for (const c of chain) {
      if (at.getTime() < c.notBefore.getTime())
        return {
          ok: false,
          status: 'not_yet_valid',
          detail: `${who(c)} 有效期自 ${iso(c.notBefore)} 起，签名时间 ${iso(at)} (valid from, signed at)`,
          chain,
        };
      if (at.getTime() > c.notAfter.getTime())
        return {
          ok: false,
          status: 'expired',
          detail: `${who(c)} 有效期至 ${iso(c.notAfter)}，签名时间 ${iso(at)} (valid until, signed at)`,
          chain,
        };
    }
    return { ok: true, chain };
  }

  return { anchors, verifyChain, isRevoked };
}

/**
 * Loads every certificate of the PEM (several per file allowed) or DER files directly in `dir` as
 * trust anchors, and those in `dir/intermediates/` as untrusted path helpers. Certificates that
 * are not CAs, and files that hold no certificate, are skipped and listed.
 */
export async function loadTrustStore(
  dir: string,
  options: TrustOptions = {},
): Promise<{ store: TrustStore; skipped: SkippedTrustFile[] }> {
  const cas: Uint8Array[] = [];
  const intermediates: Uint8Array[] = [...(options.intermediates ?? [])];
  const skipped: SkippedTrustFile[] = [];
  const readDir = async (sub: string, into: Uint8Array[]) => {
    const entries = await readdir(join(dir, sub), { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
      if (sub && e.code === 'ENOENT') return [];
      throw e;
    });
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!e.isFile() || e.name.startsWith('.')) continue;
      const name = sub ? `${sub}/${e.name}` : e.name;
      const bytes = new Uint8Array(await readFile(join(dir, name)));
      let found = 0;
      for (const der of readCertificates(bytes)) {
        const c = tryParseCertificate(der);
        if (!c) continue;
        found++;
        if (!c.isCA) skipped.push({ file: name, reason: `不是 CA 证书 (not a CA certificate): ${c.subject}` });
        else into.push(der);
      }
      if (found === 0) skipped.push({ file: name, reason: '不含证书 (no certificate found)' });
    }
  };
  await readDir('', cas);
  await readDir('intermediates', intermediates);
  return { store: createTrustStore(cas, { ...options, intermediates }), skipped };
}
