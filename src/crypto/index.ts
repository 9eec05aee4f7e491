// Public face of crypto: streaming digests, the trust store, seal and file-signature verification, and signing.
export { createDigester, digestingStream, digestStream, digestOf } from './digest.ts';
export type { Digester, Digests, DigestAlgorithm } from './digest.ts';

export { createTrustStore, loadTrustStore } from './trust.ts';
export type { TrustStore, TrustOptions, ChainResult, SkippedTrustFile } from './trust.ts';

export { verifyDetachedCms, cmsDigestAlgorithms } from './cms.ts';
export type { SignedContent, ContentDigests, VerifyOptions } from './cms.ts';

export { createFileSignatureVerifier, verifyFileSignature, fileSignatureAlgorithm, parseSigningTime } from './file-signature.ts';
export type { FileSignature, FileSignatureAlgorithm, FileSignatureVerifier, FileVerifyOptions } from './file-signature.ts';

export { signDetachedCms, signDetachedCmsWith, signFile, pemSigner, formatChinaTime } from './sign.ts';
export type { RawSigner, CmsSignOptions, FileSignOptions } from './sign.ts';

export { label as signatureStatusLabel } from './result.ts';
export type { SignatureResult, SignatureStatus, SignerSummary } from './result.ts';

export { toPem } from './x509.ts';
export { SM2_DEFAULT_USER_ID } from './oids.ts';
export type { HashName } from './oids.ts';
