// Verifies a per-file <电子签名> while the check engine streams the file once (SM2-SM3, RSA-SHA256, ECDSA-SHA256).
import { createHash, type Hash } from 'node:crypto';
import { SM2_DEFAULT_USER_ID } from './oids.ts';
import { rsaDigestMismatch, sm2Z, verifyPrehashed, verifySm2Prehashed, type SigScheme } from './primitives.ts';
import { futureSigningTime, result, summarise, type SignatureResult } from './result.ts';
import type { TrustStore } from './trust.ts';
import { tryParseCertificate, type CertInfo } from './x509.ts';

/** One <电子签名> of 元数据.xml, values as written. */
export interface FileSignature {
  /** 签名算法标识: SM2-SM3 | RSA-SHA256 | ECDSA-SHA256 */
  algorithm: string;
  /** 签名结果: base64 of the signature over the file's exact bytes (SM2 and ECDSA: DER (r, s), or raw r‖s). */
  value: string;
  /** 证书: base64 of the signer's DER certificate. */
  certificate: string;
  /** 签名时间: ISO 8601, optional. */
  signingTime?: string;
  /** 签名人, optional. */
  signer?: string;
}

export type FileSignatureAlgorithm = 'SM2-SM3' | 'RSA-SHA256' | 'ECDSA-SHA256';

export interface FileSignatureVerifier {
  readonly algorithm?: FileSignatureAlgorithm;
  /**
   * True when the verifier must see the file's bytes through update(): SM2, whose hash is
   * SM3(Z ‖ M). False for RSA and ECDSA: finish({ sha256 }) with the engine's digest is enough
   * (update() still works, hashing the bytes itself, for callers without a digest).
   */
  readonly needsBytes: boolean;
  update(chunk: Uint8Array): void;
  /** Call once, after the last chunk. `digests.sha256` is used by RSA/ECDSA when no bytes were fed. */
  finish(digests?: { sha256?: string }): SignatureResult;
}

export interface FileVerifyOptions {
  /** The verification clock; the signing time when 签名时间 is absent. */
  now?: Date;
  sm2UserId?: string;
  /** Extra intermediate CA certificates (DER) for the path, e.g. those of the package seal. */
  intermediates?: readonly Uint8Array[];
}

const ALIASES: Record<string, FileSignatureAlgorithm> = {
  'SM2-SM3': 'SM2-SM3',
  SM2: 'SM2-SM3',
  SM3WITHSM2: 'SM2-SM3',
  'SM2WITHSM3': 'SM2-SM3',
  'RSA-SHA256': 'RSA-SHA256',
  SHA256WITHRSA: 'RSA-SHA256',
  'ECDSA-SHA256': 'ECDSA-SHA256',
  SHA256WITHECDSA: 'ECDSA-SHA256',
};

/** The canonical 签名算法标识 for a written one (case and common aliases tolerated). */
export function fileSignatureAlgorithm(id: string): FileSignatureAlgorithm | undefined {
  return Object.hasOwn(ALIASES, id.trim().toUpperCase()) ? ALIASES[id.trim().toUpperCase()] : undefined;
}

/** Strict base64 (whitespace allowed between characters); undefined when it is not. */
export function decodeBase64(s: string): Uint8Array | undefined {
  const t = s.replace(/\s+/g, '');
  if (t.length === 0 || t.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(t)) return undefined;
  return new Uint8Array(Buffer.from(t, 'base64'));
}

// ISO 8601 date-time with optional zone (no zone: China Standard Time, where the records are made).
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function parseSigningTime(s: string): Date | undefined {
  const m = ISO_RE.exec(s.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '00'].map(Number);
  const cal = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
  if (cal.getUTCMonth() !== mo - 1 || cal.getUTCDate() !== d || cal.getUTCHours() !== h || cal.getUTCMinutes() !== mi || se > 59)
    return undefined;
  const zone = m[8] ?? '+08:00';
  const z = zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const t = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${m[7] ?? ''}${z}`);
  return Number.isNaN(t.getTime()) ? undefined : t;
}

function fixed(r: SignatureResult): FileSignatureVerifier {
  return { needsBytes: false, update() {}, finish: () => r };
}

/** A streaming verifier for one <电子签名>; bad input yields a verifier whose finish() reports it. */
export function createFileSignatureVerifier(
  sig: FileSignature,
  trust: TrustStore,
  opts: FileVerifyOptions = {},
): FileSignatureVerifier {
  try {
    return verifierFor(sig, trust, opts);
  } catch (e) {
    // Values of the wrong type from a parser, and the like: bad input is a result, not an exception.
    return fixed(result('malformed', (e as Error).message));
  }
}

function verifierFor(sig: FileSignature, trust: TrustStore, opts: FileVerifyOptions): FileSignatureVerifier {
  const algorithm = fileSignatureAlgorithm(sig.algorithm ?? '');
  if (!algorithm) return fixed(result('unsupported_algorithm', `签名算法标识「${sig.algorithm}」`));
  const certDer = decodeBase64(sig.certificate ?? '');
  const cert: CertInfo | undefined = certDer && tryParseCertificate(certDer);
  if (!cert) return fixed(result('malformed', '证书不是有效的 base64 DER 证书 (bad certificate)', { algorithm }));
  const base: Partial<SignatureResult> = { algorithm, signer: summarise(cert) };
  const value = decodeBase64(sig.value ?? '');
  if (!value) return fixed(result('malformed', '签名结果不是有效的 base64 (bad signature value)', base));
  let signingTime = opts.now ?? new Date();
  base.signingTimeSource = 'verification-time';
  if (sig.signingTime !== undefined && sig.signingTime.trim() !== '') {
    const t = parseSigningTime(sig.signingTime);
    if (!t) return fixed(result('malformed', `签名时间「${sig.signingTime}」不是 ISO 8601 时间`, base));
    signingTime = t;
    base.signingTimeSource = 'declared';
  }
  base.signingTime = signingTime;
  const wantKey = algorithm === 'SM2-SM3' ? 'sm2' : algorithm === 'RSA-SHA256' ? 'rsa' : 'ec-p256';
  if (cert.keyKind !== wantKey)
    return fixed(result('malformed', `签名算法 ${algorithm} 与证书密钥类型 ${cert.keyKind} 不符 (algorithm does not fit the key)`, base));

  const scheme: SigScheme =
    algorithm === 'SM2-SM3'
      ? { kind: 'sm2', userId: opts.sm2UserId ?? SM2_DEFAULT_USER_ID }
      : algorithm === 'RSA-SHA256'
        ? { kind: 'rsa-pkcs1', hash: 'sha256' }
        : { kind: 'ecdsa', hash: 'sha256' };

  let hash: Hash | undefined =
    scheme.kind === 'sm2' ? createHash('sm3').update(sm2Z(cert.publicPoint!, scheme.userId)) : undefined;
  let done: SignatureResult | undefined;

  const complete = (signatureOk: boolean): SignatureResult => {
    if (!signatureOk) {
      const detail =
        scheme.kind === 'rsa-pkcs1'
          ? '签名不是此证书的密钥所签 (not made with this certificate’s key)'
          : '文件内容已改动或签名不是此证书的密钥所签 (content changed, or signed with another key)';
      return result('bad_signature', detail, base);
    }
    const future = futureSigningTime(signingTime, opts.now ?? new Date(), base);
    if (future) return future;
    const chain = trust.verifyChain(cert.der, opts.intermediates ?? [], signingTime);
    if (!chain.ok) return result(chain.status, chain.detail, { ...base, chain: chain.chain?.map((c) => c.subject) });
    return result('valid', undefined, { ...base, chain: chain.chain.map((c) => c.subject) });
  };

  return {
    algorithm,
    needsBytes: scheme.kind === 'sm2',
    update(chunk) {
      if (done) throw new Error('file signature: update after finish()');
      hash ??= createHash('sha256');
      hash.update(chunk);
    },
    finish(digests) {
      if (done) return done;
      if (scheme.kind === 'sm2') {
        done = complete(verifySm2Prehashed(hash!.digest(), value, cert.publicPoint!));
        return done;
      }
      const given = digests?.sha256;
      if (!hash && given !== undefined && !/^[0-9a-fA-F]{64}$/.test(given)) throw new Error('file signature: sha256 must be 64 hex digits');
      // No bytes and no digest: the file is empty.
      const d = hash ? hash.digest() : given ? Buffer.from(given, 'hex') : createHash('sha256').digest();
      const ok = verifyPrehashed(scheme, cert, d, value) === true;
      const mismatch = !ok && scheme.kind === 'rsa-pkcs1' ? rsaDigestMismatch(cert, 'sha256', d, value) : undefined;
      done = mismatch ? result('digest_mismatch', mismatch, base) : complete(ok);
      return done;
    },
  };
}

/** Convenience: verifies a <电子签名> over bytes or a stream (reads it once). */
export async function verifyFileSignature(
  sig: FileSignature,
  source: Uint8Array | AsyncIterable<Uint8Array>,
  trust: TrustStore,
  opts: FileVerifyOptions = {},
): Promise<SignatureResult> {
  const v = createFileSignatureVerifier(sig, trust, opts);
  if (source instanceof Uint8Array) v.update(source);
  else for await (const chunk of source) v.update(chunk);
  return v.finish();
}

