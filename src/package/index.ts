// Reading submission packages safely: ZIP, directory and BagIt behind one interface.
export { openPackage, type OpenPackageOptions } from './open-package.ts';
export { DEFAULT_LIMITS, resolveLimits, type PackageLimits } from './limits.ts';
export {
  EntryReadError,
  type BagSummary,
  type EntryDigests,
  type EntryReadResult,
  type EntryStream,
  type ExtraAlgorithm,
  type OpenOptions,
  type PackageEntry,
  type PackageLayout,
  type PackageSource,
  type ZipEntryInfo,
} from './types.ts';
export { fanOut, type ChunkConsumer } from './fan-out.ts';
export {
  readPackage,
  type CatalogueItem,
  type ContentItem,
  type DescriptionItem,
  type ManifestItem,
  type OtherItem,
  type PackageItem,
  type PackageReader,
  type ReadPackageOptions,
  type RecordItem,
  type SignatureItem,
  type VolumeItem,
} from './read-package.ts';
export { isLitter, type OtherReason } from './layout.ts';
export type { PackageManifestLine } from './package-manifest.ts';
