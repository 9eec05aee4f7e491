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
