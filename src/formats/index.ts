// Format identification and readability of content files: the public face of src/formats.
export { createFormatSampler, sampleFromBytes, DEFAULT_MAX_BUFFERED } from './sample.ts';
export type { FileSample, FormatSampler, SamplerOptions, RangeOpener } from './sample.ts';
export { identifyFormat } from './identify.ts';
export type { IdentifyOptions } from './identify.ts';
export {
  DEFAULT_FORMATS,
  NEVER_ALLOWED_KINDS,
  canonicalFormat,
  formatMatches,
  isFormatAllowed,
  checkFormatAllowed,
} from './format-list.ts';
export type { DetectedFormat, FormatKind } from './format-list.ts';
export { checkReadability, checkEncryption } from './readability.ts';
export type { ReadabilityOptions } from './readability.ts';
export { imageResolution, checkScanResolution } from './image.ts';
export type { Resolution, ImageInfo } from './image.ts';
export { analyzePdf, pdfaClaimFromXmp } from './pdf.ts';
export type { PdfAnalysis, PdfaClaim } from './pdf.ts';
export { analyzeOfd } from './ofd.ts';
export type { OfdAnalysis } from './ofd.ts';
export { assessContentFile } from './assess.ts';
export type { AssessInput, Assessment } from './assess.ts';
export { toFinding } from './result.ts';
export type { FormatCheckResult } from './result.ts';
