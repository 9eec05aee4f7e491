// The outcome of verifying one signature (seal or 电子签名): a closed set of reasons and a message for people.
import type { CertInfo } from './x509.ts';

export type SignatureStatus =
  | 'valid'
  /** the signed content changed (messageDigest or hash differs) */
  | 'digest_mismatch'
  /** the signature value does not verify with the signer's key */
  | 'bad_signature'
  /** no path from the signer's certificate to a CA of the trust store */
  | 'untrusted'
  /** a certificate of the chain had expired at signing time */
  | 'expired'
  /** a certificate of the chain was not yet valid at signing time */
  | 'not_yet_valid'
  /** a certificate of the chain is on the operator's revocation list */
  | 'revoked'
  | 'unsupported_algorithm'
  /** not decodable: bad base64, DER, PEM, certificate, time, missing attributes */
  | 'malformed';

export interface SignerSummary {
  subject: string;
  commonName?: string;
  issuer: string;
  /** Lowercase hex without leading zeros. */
  serial: string;
  fingerprint256: string;
  notBefore: Date;
  notAfter: Date;
}

export interface SignatureResult {
  ok: boolean;
  status: SignatureStatus;
  /** Chinese first, English in parentheses: what is wrong, for the report. */
  message: string;
  /** 'RSA-SHA256', 'RSA-PSS-SHA256', 'ECDSA-SHA256', 'SM2-SM3' … when known. */
  algorithm?: string;
  signer?: SignerSummary;
  /** The time the chain was checked at. */
  signingTime?: Date;
  /** Where signingTime came from: the CMS signingTime attribute, 签名时间, or the verification clock. */
  signingTimeSource?: 'signed-attribute' | 'declared' | 'verification-time';
  /** Subjects from the signer to the trust anchor, when a chain was found. */
  chain?: string[];
}

export function summarise(c: CertInfo): SignerSummary {
  return {
    subject: c.subject,
    commonName: c.commonName,
    issuer: c.issuer,
    serial: c.serial,
    fingerprint256: c.fingerprint256,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
  };
}

const LABEL: Record<SignatureStatus, string> = {
  valid: '签名有效 (signature valid)',
  digest_mismatch: '签名内容已被改动 (content does not match the signed digest)',
  bad_signature: '签名值验证失败 (signature value does not verify)',
  untrusted: '签名证书不受信任 (certificate does not chain to a trusted CA)',
  expired: '签名时证书已过期 (certificate expired at signing time)',
  not_yet_valid: '签名时证书尚未生效 (certificate not yet valid at signing time)',
  revoked: '签名证书已被吊销 (certificate revoked by configuration)',
  unsupported_algorithm: '不支持的签名算法 (unsupported algorithm)',
  malformed: '签名数据格式错误 (malformed signature data)',
};

export function label(status: SignatureStatus): string {
  return LABEL[status];
}

/** A result with `message` = the label plus an optional detail after a colon. */
export function result(status: SignatureStatus, detail?: string, extra: Partial<SignatureResult> = {}): SignatureResult {
  return { ok: status === 'valid', status, message: detail ? `${LABEL[status]}：${detail}` : LABEL[status], ...extra };
}

/** Clocks differ: a signing time up to this far after the verification clock is accepted. */
export const SIGNING_TIME_SKEW_MS = 10 * 60_000;

/** A result when the signing time lies after the verification clock (beyond the skew), else undefined. */
export function futureSigningTime(at: Date, now: Date, extra: Partial<SignatureResult>): SignatureResult | undefined {
  if (at.getTime() <= now.getTime() + SIGNING_TIME_SKEW_MS) return undefined;
  return result('malformed', `签名时间 ${at.toISOString()} 晚于当前时间 ${now.toISOString()} (signing time in the future)`, extra);
}
