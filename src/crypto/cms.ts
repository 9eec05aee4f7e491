// Verifies a detached CMS SignedData seal (DER or PEM) over content given as bytes or as precomputed digests.
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID, SM2_DEFAULT_USER_ID, hashByOid, type HashName } from './oids.ts';
import { rsaDigestMismatch, schemeName, verifyData, verifyPrehashed, type SigScheme } from './primitives.ts';
import { futureSigningTime, result, summarise, type SignatureResult } from './result.ts';
import type { TrustStore } from './trust.ts';
import { hex, looksLikePem, parseDer, pemBlocks, serialHex, tryParseCertificate, type CertInfo } from './x509.ts';

/** Lowercase hex digests of the content; `Digests` from digest.ts fits. */
export interface ContentDigests {
  sha256?: string;
  sm3?: string;
  sha384?: string;
  sha512?: string;
}

/** The signed content: its bytes (small files), or its digests (computed in the engine's one pass). */
export type SignedContent = Uint8Array | ContentDigests;

export interface VerifyOptions {
  /** The verification clock, used as the signing time when the seal has no signingTime attribute. */
  now?: Date;
  /** SM2 user ID (default GM/T 0009 `1234567812345678`). */
  sm2UserId?: string;
}

const SIGNED_DATA_TYPES = new Set<string>([OID.signedData, OID.gmSignedData]);
const CMS_PEM_LABELS = ['CMS', 'PKCS7', 'PKCS #7 SIGNED DATA', 'SIGNED DATA'];

interface ParsedCms {
  signed: pkijs.SignedData;
  certs: CertInfo[];
}

function decodeCms(p7s: Uint8Array): ParsedCms | string {
  let der = p7s;
  if (looksLikePem(p7s)) {
    const blocks = pemBlocks(Buffer.from(p7s).toString('latin1'), CMS_PEM_LABELS);
    if (blocks.length !== 1) return 'PEM 中没有唯一的 CMS 块 (no single CMS PEM block)';
    der = blocks[0];
  }
  const asn = parseDer(der);
  if (!asn) return '不是有效的 DER 编码 (not valid DER)';
  try {
    const ci = new pkijs.ContentInfo({ schema: asn });
    if (!SIGNED_DATA_TYPES.has(ci.contentType)) return `内容类型不是 SignedData (content type ${ci.contentType})`;
    const signed = new pkijs.SignedData({ schema: ci.content });
    if (signed.signerInfos.length === 0) return '没有签名者 (no SignerInfo)';
    const certs = (signed.certificates ?? [])
      .filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate)
      .map((c) => tryParseCertificate(new Uint8Array(c.toSchema().toBER())))
      .filter((c): c is CertInfo => c !== undefined);
    return { signed, certs };
  } catch (e) {
    return `CMS 结构错误 (bad CMS structure: ${(e as Error).message})`;
  }
}

/** The digest algorithms the seal's signers use, so a caller knows which digests to pass. */
export function cmsDigestAlgorithms(p7s: Uint8Array): HashName[] {
  const parsed = decodeCms(p7s);
  if (typeof parsed === 'string') return [];
  const out = new Set<HashName>();
  for (const si of parsed.signed.signerInfos) {
    const h = hashByOid(si.digestAlgorithm.algorithmId);
    if (h) out.add(h);
  }
  return [...out];
}

function findSignerCert(si: pkijs.SignerInfo, certs: readonly CertInfo[]): CertInfo | undefined {
  const sid = si.sid as unknown;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    const serial = serialHex(sid.serialNumber);
    const issuer = new Uint8Array(sid.issuer.toSchema().toBER());
    return certs.find((c) => c.serial === serial && Buffer.from(c.issuerDer).equals(Buffer.from(issuer)))
      ?? certs.find((c) => c.serial === serial && sid.issuer.isEqual(c.cert.issuer));
  }
  if (sid instanceof asn1js.Primitive || sid instanceof asn1js.Constructed) {
    // [0] SubjectKeyIdentifier
    const block = (sid as asn1js.Primitive).valueBlock as unknown as { valueHexView?: Uint8Array; value?: asn1js.AsnType[] };
    const ski = block.valueHexView ?? (block.value?.[0] as asn1js.OctetString | undefined)?.valueBlock.valueHexView;
    if (ski) return certs.find((c) => c.subjectKeyId === hex(ski));
  }
  return undefined;
}

/** The scheme a SignerInfo names for the signer's key, or a reason it is unsupported. */
function schemeOf(si: pkijs.SignerInfo, key: CertInfo, digest: HashName, userId: string): SigScheme | string {
  const alg = si.signatureAlgorithm.algorithmId;
  if (key.keyKind === 'sm2') {
    if ([OID.sm2Sign, OID.sm2WithSm3, OID.sm2Curve, OID.ecPublicKey].includes(alg as never)) return { kind: 'sm2', userId };
  } else if (key.keyKind === 'rsa') {
    if (alg === OID.rsaEncryption) return { kind: 'rsa-pkcs1', hash: digest };
    if (alg === OID.sha256WithRsa) return { kind: 'rsa-pkcs1', hash: 'sha256' };
    if (alg === OID.sha384WithRsa) return { kind: 'rsa-pkcs1', hash: 'sha384' };
    if (alg === OID.sha512WithRsa) return { kind: 'rsa-pkcs1', hash: 'sha512' };
    if (alg === OID.rsaPss) {
      try {
        const p = new pkijs.RSASSAPSSParams({ schema: si.signatureAlgorithm.algorithmParams });
        const h = hashByOid(p.hashAlgorithm.algorithmId);
        if (!h || h === 'sm3') return `RSA-PSS 的摘要算法不受支持 (PSS hash ${p.hashAlgorithm.algorithmId})`;
        return { kind: 'rsa-pss', hash: h, saltLength: p.saltLength };
      } catch {
        return 'RSA-PSS 参数错误 (bad PSS parameters)';
      }
    }
  } else if (key.keyKind === 'ec-p256') {
    if (alg === OID.ecdsaWithSha256) return { kind: 'ecdsa', hash: 'sha256' };
    if (alg === OID.ecdsaWithSha384) return { kind: 'ecdsa', hash: 'sha384' };
    if (alg === OID.ecdsaWithSha512) return { kind: 'ecdsa', hash: 'sha512' };
    if (alg === OID.ecPublicKey) return { kind: 'ecdsa', hash: digest };
  } else {
    return `证书密钥类型不受支持 (key algorithm ${key.cert.subjectPublicKeyInfo.algorithm.algorithmId})`;
  }
  return `签名算法 ${alg} 与证书密钥不符或不受支持 (signature algorithm not supported for this key)`;
}

function attr(si: pkijs.SignerInfo, oid: string): asn1js.AsnType[] | undefined {
  return si.signedAttrs?.attributes.find((a) => a.type === oid)?.values;
}

function contentDigest(content: SignedContent, h: HashName): Uint8Array | undefined {
  if (content instanceof Uint8Array) return createHash(h).update(content).digest();
  const v = content[h];
  return v && /^[0-9a-fA-F]+$/.test(v) ? new Uint8Array(Buffer.from(v, 'hex')) : undefined;
}

function verifySigner(
  si: pkijs.SignerInfo,
  certs: readonly CertInfo[],
  content: SignedContent,
  trust: TrustStore,
  opts: VerifyOptions,
): SignatureResult {
  const userId = opts.sm2UserId ?? SM2_DEFAULT_USER_ID;
  const signer = findSignerCert(si, certs);
  if (!signer) return result('untrusted', '签名中没有签名者证书 (signer certificate not included)');
  const base: Partial<SignatureResult> = { signer: summarise(signer) };
  const digestAlg = hashByOid(si.digestAlgorithm.algorithmId);
  if (!digestAlg) return result('unsupported_algorithm', `摘要算法 ${si.digestAlgorithm.algorithmId}`, base);
  const scheme = schemeOf(si, signer, digestAlg, userId);
  if (typeof scheme === 'string') return result('unsupported_algorithm', scheme, base);
  base.algorithm = schemeName(scheme);

  // The signing time: the signed attribute when present (it is covered by the signature).
  let signingTime = opts.now ?? new Date();
  base.signingTimeSource = 'verification-time';
  const st = attr(si, OID.signingTime)?.[0];
  if (st instanceof asn1js.UTCTime || st instanceof asn1js.GeneralizedTime) {
    signingTime = st.toDate();
    base.signingTimeSource = 'signed-attribute';
  } else if (st) {
    return result('malformed', 'signingTime 属性格式错误 (bad signingTime attribute)', base);
  }
  base.signingTime = signingTime;

  const sig = new Uint8Array(si.signature.valueBlock.valueHexView);
  const digest = contentDigest(content, digestAlg);
  if (si.signedAttrs) {
    const md = attr(si, OID.messageDigest)?.[0];
    if (!(md instanceof asn1js.OctetString)) return result('malformed', '缺少 messageDigest 属性 (no messageDigest attribute)', base);
    const ct = attr(si, OID.contentType)?.[0];
    if (!(ct instanceof asn1js.ObjectIdentifier)) return result('malformed', '缺少 contentType 属性 (no contentType attribute)', base);
    if (!digest)
      return result('unsupported_algorithm', `需要内容的 ${digestAlg.toUpperCase()} 摘要 (the caller passed no ${digestAlg} digest)`, base);
    if (hex(md.valueBlock.valueHexView) !== hex(digest))
      return result('digest_mismatch', `签名记录的 ${digestAlg.toUpperCase()} 为 ${hex(md.valueBlock.valueHexView)}，内容为 ${hex(digest)}`, base);
    const signedBytes = new Uint8Array(si.signedAttrs.encodedValue); // original bytes, tag already SET OF (0x31)
    if (!verifyData(scheme, signer, signedBytes, sig)) return result('bad_signature', undefined, base);
  } else {
    // No signed attributes: the signature covers the content itself.
    let ok: boolean | undefined;
    if (content instanceof Uint8Array) ok = verifyData(scheme, signer, content, sig);
    else {
      const d = scheme.kind === 'rsa-pkcs1' || scheme.kind === 'ecdsa' ? contentDigest(content, scheme.hash) : undefined;
      ok = d ? verifyPrehashed(scheme, signer, d, sig) : undefined;
    }
    if (ok === undefined)
      return result('unsupported_algorithm', '无签名属性的 CMS 需要内容字节 (a seal without signed attributes needs the content bytes)', base);
    if (!ok) {
      const d = scheme.kind === 'rsa-pkcs1' ? contentDigest(content, scheme.hash) : undefined;
      const mismatch = d && scheme.kind === 'rsa-pkcs1' ? rsaDigestMismatch(signer, scheme.hash, d, sig) : undefined;
      return mismatch ? result('digest_mismatch', mismatch, base) : result('bad_signature', undefined, base);
    }
  }

  const future = futureSigningTime(signingTime, opts.now ?? new Date(), base);
  if (future) return future;
  const chain = trust.verifyChain(signer.der, certs.filter((c) => c !== signer).map((c) => c.der), signingTime);
  if (!chain.ok) return result(chain.status, chain.detail, { ...base, chain: chain.chain?.map((c) => c.subject) });
  return result('valid', undefined, { ...base, chain: chain.chain.map((c) => c.subject) });
}

/**
 * Verifies a detached CMS seal over `content`. Every signer must verify; the result is the first
 * failure, or the first signer's details. Never throws on bad input.
 */
export function verifyDetachedCms(
  p7s: Uint8Array,
  content: SignedContent,
  trust: TrustStore,
  opts: VerifyOptions = {},
): SignatureResult {
  try {
    const parsed = decodeCms(p7s);
    if (typeof parsed === 'string') return result('malformed', parsed);
    const results = parsed.signed.signerInfos.map((si) => verifySigner(si, parsed.certs, content, trust, opts));
    return results.find((r) => !r.ok) ?? results[0];
  } catch (e) {
    return result('malformed', (e as Error).message);
  }
}
