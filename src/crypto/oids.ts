// Object identifiers the signature code recognises, and the hash names they stand for.

export const OID = {
  // CMS content types and attributes (RFC 5652; GM/T 0010 uses its own SignedData type)
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  gmData: '1.2.156.10197.6.1.4.2.1',
  gmSignedData: '1.2.156.10197.6.1.4.2.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  // digests
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sm3: '1.2.156.10197.1.401',
  // keys
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  p256: '1.2.840.10045.3.1.7',
  sm2Curve: '1.2.156.10197.1.301',
  // signature algorithms
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  sm2Sign: '1.2.156.10197.1.301.1',
  sm2WithSm3: '1.2.156.10197.1.501',
  mgf1: '1.2.840.113549.1.1.8',
  // certificate extensions
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
} as const;

export type HashName = 'sha256' | 'sha384' | 'sha512' | 'sm3';

const HASH_BY_OID: Record<string, HashName> = {
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
  [OID.sm3]: 'sm3',
};

/** The hash an OID names, or undefined for unknown and deliberately unsupported ones (SHA-1, MD5). */
export function hashByOid(oid: string): HashName | undefined {
  return HASH_BY_OID[oid];
}

export function oidOfHash(hash: HashName): string {
  return OID[hash];
}

/** The GM/T 0009 default SM2 user ID (distinguishing identifier). */
export const SM2_DEFAULT_USER_ID = '1234567812345678';
