// Limits that keep a hostile package from exhausting memory, disk or time while it is read.

export interface PackageLimits {
  /** Most entries (files and folders) a package may list. */
  maxEntries: number;
  /** Most bytes all entries may hold together, declared and counted while streaming. */
  maxTotalBytes: number;
  /** Most bytes one entry may hold. */
  maxEntryBytes: number;
  /** Highest uncompressed/compressed ratio of one ZIP entry, applied above `ratioFloorBytes`. */
  maxCompressionRatio: number;
  /** Entries smaller than this are not held to the ratio (tiny files compress absurdly well). */
  ratioFloorBytes: number;
  /** Most bytes of a file the reader holds in memory to parse (XML, 说明文件, manifests, tag files). */
  maxMetadataBytes: number;
  /** Longest package-relative path, in UTF-8 bytes. */
  maxPathBytes: number;
  /** Deepest folder nesting. */
  maxDepth: number;
}

export const DEFAULT_LIMITS: Readonly<PackageLimits> = {
  maxEntries: 250_000,
  maxTotalBytes: 64 * 1024 ** 3,
  maxEntryBytes: 16 * 1024 ** 3,
  maxCompressionRatio: 200,
  ratioFloorBytes: 1024 * 1024,
  maxMetadataBytes: 16 * 1024 * 1024,
  maxPathBytes: 1024,
  maxDepth: 32,
};

export function resolveLimits(limits: Partial<PackageLimits> = {}): PackageLimits {
  return { ...DEFAULT_LIMITS, ...limits };
}
