// Creates detached CMS seals (transfer packages, signed registers) and <电子签名> values: RSA, ECDSA P-256 and SM2.
import { createHash, createPrivateKey, createPublicKey, createSign, sign as nodeSign, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { sm2 } from 'sm-crypto-v2';
import type { ContentDigests, SignedContent } from './cms.ts';
import type { FileSignature, FileSignatureAlgorithm } from './file-signature.ts';
import { OID, SM2_DEFAULT_USER_ID, type HashName } from './oids.ts';
import { sm2Z } from './primitives.ts';
import { hex, parseCertificate, parseDer, pemBlocks, readCertificates, toArrayBuffer, type CertInfo, type KeyKind } from './x509.ts';

/** Something that signs bytes with the certificate's key (RSA/ECDSA: SHA-256; SM2: SM3(Z ‖ data)). */
export interface RawSigner {
  keyKind: Exclude<KeyKind, 'other'>;
  sign(data: Uint8Array): Uint8Array;
}

export interface CmsSignOptions {
  /** Written as the signingTime signed attribute; default now. */
  signingTime?: Date;
  /** Further certificates to include (the intermediates), PEM or DER. */
  chain?: string | Uint8Array;
  sm2UserId?: string;
}

type Pem = string | Uint8Array;

function pemText(p: Pem): string {
  return typeof p === 'string' ? p : Buffer.from(p).toString('latin1');
}

function oneCertificate(certPem: Pem): CertInfo {
  const ders = readCertificates(certPem);
  if (ders.length === 0) throw new Error('sign: no certificate');
  return parseCertificate(ders[0]);
}

/** The 32-byte SM2 private scalar from a PKCS#8 or SEC1 ("EC PRIVATE KEY") PEM. */
function sm2PrivateScalar(keyPem: string): string {
  const pkcs8 = pemBlocks(keyPem, ['PRIVATE KEY'])[0];
  let ecDer = pemBlocks(keyPem, ['EC PRIVATE KEY'])[0];
  if (pkcs8) {
    const pki = parseDer(pkcs8);
    const octets = pki instanceof asn1js.Sequence ? pki.valueBlock.value[2] : undefined;
    if (!(octets instanceof asn1js.OctetString)) throw new Error('sign: unreadable PKCS#8 key');
    ecDer = new Uint8Array(octets.valueBlock.valueHexView);
  }
  if (!ecDer) throw new Error('sign: no unencrypted SM2 private key in the PEM');
  const ec = parseDer(ecDer);
  const d = ec instanceof asn1js.Sequence ? ec.valueBlock.value[1] : undefined;
  if (!(d instanceof asn1js.OctetString)) throw new Error('sign: unreadable EC private key');
  return hex(d.valueBlock.valueHexView).padStart(64, '0');
}

/** The SM2 private scalar (hex) of a PEM key, checked against the certificate. */
function sm2KeyFor(keyPem: Pem, cert: CertInfo): string {
  const d = sm2PrivateScalar(pemText(keyPem));
  if (sm2.getPublicKeyFromPrivateKey(d).toLowerCase() !== hex(cert.publicPoint!))
    throw new Error('sign: the key does not belong to the certificate');
  return d;
}

/** SM2 signature (DER) over e = SM3(Z ‖ M). */
function sm2SignPrehashed(e: Uint8Array, d: string): Uint8Array {
  return new Uint8Array(Buffer.from(sm2.doSignature(e, d, { der: true, hash: false }), 'hex'));
}

/** A Node key for an RSA or P-256 PEM key, checked against the certificate. */
function nodeKeyFor(keyPem: Pem, cert: CertInfo): KeyObject {
  if (cert.keyKind !== 'rsa' && cert.keyKind !== 'ec-p256') throw new Error('sign: unsupported key type');
  const key = createPrivateKey(pemText(keyPem));
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!Buffer.from(spki).equals(Buffer.from(cert.spki))) throw new Error('sign: the key does not belong to the certificate');
  return key;
}

/** A signer for a PEM private key (unencrypted PKCS#8 or SEC1/PKCS#1), checked against the certificate. */
export function pemSigner(keyPem: Pem, certPem: Pem, sm2UserId = SM2_DEFAULT_USER_ID): RawSigner {
  const cert = oneCertificate(certPem);
  if (cert.keyKind === 'sm2') {
    const d = sm2KeyFor(keyPem, cert);
    const z = sm2Z(cert.publicPoint!, sm2UserId);
    return { keyKind: 'sm2', sign: (data) => sm2SignPrehashed(createHash('sm3').update(z).update(data).digest(), d) };
  }
  const key = nodeKeyFor(keyPem, cert);
  const kind = cert.keyKind as 'rsa' | 'ec-p256';
  return {
    keyKind: kind,
    sign: (data) => new Uint8Array(nodeSign('sha256', data, kind === 'rsa' ? key : { key, dsaEncoding: 'der' })),
  };
}

function digestFor(content: SignedContent, h: HashName): Uint8Array {
  if (content instanceof Uint8Array) return createHash(h).update(content).digest();
  const v = (content as ContentDigests)[h];
  if (!v || !/^[0-9a-fA-F]+$/.test(v)) throw new Error(`sign: the ${h} digest of the content is needed`);
  return new Uint8Array(Buffer.from(v, 'hex'));
}

function attribute(type: string, value: asn1js.AsnType): { der: Uint8Array; attr: pkijs.Attribute } {
  const attr = new pkijs.Attribute({ type, values: [value] });
  return { attr, der: new Uint8Array(attr.toSchema().toBER()) };
}

/** Builds a detached CMS SignedData over `content` with any signer (an HSM, a test's openssl). DER. */
export function signDetachedCmsWith(content: SignedContent, certPem: Pem, signer: RawSigner, opts: CmsSignOptions = {}): Uint8Array {
  const cert = oneCertificate(certPem);
  if (cert.keyKind !== signer.keyKind) throw new Error('sign: signer and certificate key types differ');
  const h: HashName = signer.keyKind === 'sm2' ? 'sm3' : 'sha256';
  const time = opts.signingTime ?? new Date();
  const timeValue = time.getUTCFullYear() < 2050 ? new asn1js.UTCTime({ valueDate: time }) : new asn1js.GeneralizedTime({ valueDate: time });
  // DER: a SET OF is sorted by the encodings of its elements.
  const attrs = [
    attribute(OID.contentType, new asn1js.ObjectIdentifier({ value: OID.data })),
    attribute(OID.signingTime, timeValue),
    attribute(OID.messageDigest, new asn1js.OctetString({ valueHex: toArrayBuffer(digestFor(content, h)) })),
  ].sort((a, b) => Buffer.compare(Buffer.from(a.der), Buffer.from(b.der)));
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: attrs.map((a) => a.attr) });
  const encoded = new Uint8Array(signedAttrs.toSchema().toBER());
  encoded[0] = 0x31; // signed as SET OF, carried as [0] IMPLICIT
  const signature = signer.sign(encoded);

  const signatureAlgorithm =
    signer.keyKind === 'rsa'
      ? new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaEncryption, algorithmParams: new asn1js.Null() })
      : new pkijs.AlgorithmIdentifier({ algorithmId: signer.keyKind === 'sm2' ? OID.sm2Sign : OID.ecdsaWithSha256 });
  const digestAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: OID[h] });
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.cert.issuer, serialNumber: cert.cert.serialNumber }),
    digestAlgorithm,
    signedAttrs,
    signatureAlgorithm,
    signature: new asn1js.OctetString({ valueHex: toArrayBuffer(signature) }),
  });
  const extra = opts.chain ? readCertificates(opts.chain).map((d) => parseCertificate(d).cert) : [];
  const signed = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [digestAlgorithm],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    certificates: [cert.cert, ...extra],
    signerInfos: [signerInfo],
  });
  const ci = new pkijs.ContentInfo({ contentType: OID.signedData, content: signed.toSchema(true) });
  return new Uint8Array(ci.toSchema().toBER());
}

/**
 * A detached CMS seal (DER) over `content` (bytes, or digests: `sha256` for RSA/ECDSA, `sm3` for
 * SM2) with a PEM key and certificate. SM2 uses SM3 and the GM/T 0009 default user ID.
 */
export function signDetachedCms(content: SignedContent, keyPem: Pem, certPem: Pem, opts: CmsSignOptions = {}): Uint8Array {
  return signDetachedCmsWith(content, certPem, pemSigner(keyPem, certPem, opts.sm2UserId), opts);
}

/** `2024-03-15T10:20:00+08:00`: China Standard Time, as 签名时间 is written. */
export function formatChinaTime(d: Date): string {
  const t = new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19);
  return `${t}+08:00`;
}

export interface FileSignOptions {
  signingTime?: Date;
  /** 签名人 */
  signer?: string;
  sm2UserId?: string;
}

/** A <电子签名> over a file's bytes (read once), algorithm from the certificate's key. */
export async function signFile(
  source: Uint8Array | AsyncIterable<Uint8Array>,
  keyPem: Pem,
  certPem: Pem,
  opts: FileSignOptions = {},
): Promise<FileSignature> {
  const cert = oneCertificate(certPem);
  const userId = opts.sm2UserId ?? SM2_DEFAULT_USER_ID;
  const chunks = source instanceof Uint8Array ? [source] : source;
  let value: Uint8Array;
  let algorithm: FileSignatureAlgorithm;
  if (cert.keyKind === 'sm2') {
    const d = sm2KeyFor(keyPem, cert);
    const hash = createHash('sm3').update(sm2Z(cert.publicPoint!, userId));
    for await (const c of chunks) hash.update(c);
    value = sm2SignPrehashed(hash.digest(), d);
    algorithm = 'SM2-SM3';
  } else {
    const key = nodeKeyFor(keyPem, cert);
    const s = createSign('sha256');
    for await (const c of chunks) s.update(c);
    value = new Uint8Array(s.sign(cert.keyKind === 'rsa' ? key : { key, dsaEncoding: 'der' }));
    algorithm = cert.keyKind === 'rsa' ? 'RSA-SHA256' : 'ECDSA-SHA256';
  }
  return {
    algorithm,
    value: Buffer.from(value).toString('base64'),
    certificate: Buffer.from(cert.der).toString('base64'),
    signingTime: formatChinaTime(opts.signingTime ?? new Date()),
    ...(opts.signer ? { signer: opts.signer } : {}),
  };
}
