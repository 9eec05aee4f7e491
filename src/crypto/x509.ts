// Certificates: PEM/DER decoding and the facts signature and chain checks need (parsed with pkijs).
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID } from './oids.ts';

/** The key types the service verifies; 'other' is recognised but unsupported. */
export type KeyKind = 'rsa' | 'ec-p256' | 'sm2' | 'other';

export interface CertInfo {
  der: Uint8Array;
  cert: pkijs.Certificate;
  /** e.g. `CN=张三,O=某某局,C=CN` */
  subject: string;
  commonName?: string;
  issuer: string;
  /** DER of the subject and issuer Names, compared byte for byte when building chains. */
  subjectDer: Uint8Array;
  issuerDer: Uint8Array;
  /** Lowercase hex without leading zeros. */
  serial: string;
  /** Lowercase hex SHA-256 and SHA-1 of the DER. */
  fingerprint256: string;
  fingerprint1: string;
  notBefore: Date;
  notAfter: Date;
  isCA: boolean;
  pathLength?: number;
  /** undefined when the certificate has no keyUsage extension. */
  keyCertSign?: boolean;
  subjectKeyId?: string;
  authorityKeyId?: string;
  keyKind: KeyKind;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** The EC point (04‖x‖y or compressed) for EC and SM2 keys. */
  publicPoint?: Uint8Array;
}

const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** The DER bodies of every PEM block in `text` whose label is one of `labels` (all when empty). */
export function pemBlocks(text: string, labels: readonly string[] = []): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of text.matchAll(PEM_RE)) {
    if (labels.length && !labels.includes(m[1])) continue;
    out.push(new Uint8Array(Buffer.from(m[2].replace(/\s+/g, ''), 'base64')));
  }
  return out;
}

export function looksLikePem(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  return head.includes('-----BEGIN ');
}

export function toPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}

export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function hex(bytes: ArrayBuffer | Uint8Array): string {
  return Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('hex');
}

/** Parses one whole DER value with asn1js, or undefined when the bytes are not exactly one value. */
export function parseDer(der: Uint8Array): asn1js.AsnType | undefined {
  const r = asn1js.fromBER(toArrayBuffer(der));
  if (r.offset === -1 || r.offset !== der.byteLength) return undefined;
  return r.result;
}

const NAME_KEYS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

function nameString(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues
    .map((tv) => `${NAME_KEYS[tv.type] ?? tv.type}=${String(tv.value.valueBlock.value ?? '')}`)
    .join(',');
}

function commonNameOf(name: pkijs.RelativeDistinguishedNames): string | undefined {
  const tv = name.typesAndValues.find((t) => t.type === '2.5.4.3');
  return tv ? String(tv.value.valueBlock.value) : undefined;
}

export function serialHex(i: asn1js.Integer): string {
  return normaliseSerial(hex(i.valueBlock.valueHexView));
}

/** Lowercase hex digits only, without leading zeros ('0' for zero). */
export function normaliseSerial(s: string): string {
  return s.toLowerCase().replace(/[^0-9a-f]/g, '').replace(/^0+(?=.)/, '');
}

function keyKindOf(spki: pkijs.PublicKeyInfo): KeyKind {
  const alg = spki.algorithm.algorithmId;
  if (alg === OID.rsaEncryption || alg === OID.rsaPss) return 'rsa';
  if (alg === OID.sm2Curve) return 'sm2';
  if (alg === OID.ecPublicKey) {
    const p = spki.algorithm.algorithmParams;
    const curve = p instanceof asn1js.ObjectIdentifier ? p.valueBlock.toString() : undefined;
    if (curve === OID.p256) return 'ec-p256';
    if (curve === OID.sm2Curve) return 'sm2';
  }
  return 'other';
}

/** Parses a DER certificate; throws on anything that is not one. */
export function parseCertificate(der: Uint8Array): CertInfo {
  const asn = parseDer(der);
  if (!asn) throw new Error('not a DER value');
  const cert = new pkijs.Certificate({ schema: asn });
  const spkiDer = new Uint8Array(cert.subjectPublicKeyInfo.toSchema().toBER());
  const keyKind = keyKindOf(cert.subjectPublicKeyInfo);
  const ext = (oid: string) => cert.extensions?.find((e) => e.extnID === oid);
  const bc = ext(OID.basicConstraints)?.parsedValue as pkijs.BasicConstraints | undefined;
  const ku = ext(OID.keyUsage)?.parsedValue as asn1js.BitString | undefined;
  let keyCertSign: boolean | undefined;
  if (ku) {
    const bits = ku.valueBlock.valueHexView;
    keyCertSign = bits.length > 0 && (bits[0] & 0x04) !== 0; // bit 5 = keyCertSign
  }
  const ski = ext(OID.subjectKeyIdentifier)?.parsedValue as asn1js.OctetString | undefined;
  const aki = ext(OID.authorityKeyIdentifier)?.parsedValue as pkijs.AuthorityKeyIdentifier | undefined;
  const pathLen = bc?.pathLenConstraint;
  return {
    der,
    cert,
    subject: nameString(cert.subject),
    commonName: commonNameOf(cert.subject),
    issuer: nameString(cert.issuer),
    subjectDer: new Uint8Array(cert.subject.toSchema().toBER()),
    issuerDer: new Uint8Array(cert.issuer.toSchema().toBER()),
    serial: serialHex(cert.serialNumber),
    fingerprint256: createHash('sha256').update(der).digest('hex'),
    fingerprint1: createHash('sha1').update(der).digest('hex'),
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
    isCA: bc?.cA === true,
    pathLength: typeof pathLen === 'number' ? pathLen : pathLen instanceof asn1js.Integer ? pathLen.valueBlock.valueDec : undefined,
    keyCertSign,
    subjectKeyId: ski ? hex(ski.valueBlock.valueHexView) : undefined,
    authorityKeyId: aki?.keyIdentifier ? hex(aki.keyIdentifier.valueBlock.valueHexView) : undefined,
    keyKind,
    spki: spkiDer,
    publicPoint:
      keyKind === 'sm2' || keyKind === 'ec-p256'
        ? new Uint8Array(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView)
        : undefined,
  };
}

// Parsed certificates by DER: a package's files are mostly signed with the same few certificates,
// and parsing (pkijs) costs about 2 ms each. Bounded; entries are immutable.
const parsed = new Map<string, CertInfo | null>();
const PARSED_CACHE_SIZE = 512;

/** parseCertificate, memoised, and undefined instead of throwing. */
export function tryParseCertificate(der: Uint8Array): CertInfo | undefined {
  const key = Buffer.from(der).toString('base64');
  let c = parsed.get(key);
  if (c === undefined) {
    try {
      c = parseCertificate(new Uint8Array(der));
    } catch {
      c = null;
    }
    if (parsed.size >= PARSED_CACHE_SIZE) parsed.clear();
    parsed.set(key, c);
  }
  return c ?? undefined;
}

/** Every certificate in PEM text (several blocks allowed) or a single DER certificate. */
export function readCertificates(bytes: Uint8Array | string): Uint8Array[] {
  const text = typeof bytes === 'string' ? bytes : looksLikePem(bytes) ? Buffer.from(bytes).toString('latin1') : undefined;
  if (text !== undefined) return pemBlocks(text, ['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
  return [bytes as Uint8Array];
}

/** A Node key object for RSA and P-256 keys (Node 24 cannot use SM2 public keys; see primitives.ts). */
export function nodePublicKey(info: CertInfo): KeyObject {
  return createPublicKey({ key: Buffer.from(info.spki), format: 'der', type: 'spki' });
}

/** Same bytes, or failing that the same text ignoring case and spacing (some CAs re-encode string types). */
export function sameName(a: CertInfo['subjectDer'], b: CertInfo['issuerDer'], aText?: string, bText?: string): boolean {
  if (Buffer.from(a).equals(Buffer.from(b))) return true;
  if (aText === undefined || bText === undefined) return false;
  const norm = (t: string) => t.toLowerCase().replace(/\s+/g, ' ').trim();
  return norm(aText) === norm(bText);
}
