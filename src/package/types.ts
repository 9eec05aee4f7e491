// The entry layer's shapes: one interface over a ZIP file, a directory and a BagIt bag.
import type { Readable } from 'node:stream';
import type { Finding } from '../checks/finding.ts';
import type { Digests } from '../crypto/digest.ts';

/** Digest algorithms a BagIt manifest may ask for beyond the SM3/SHA-256 always computed. */
export type ExtraAlgorithm = 'md5' | 'sha1' | 'sha512';

export interface ZipEntryInfo {
  compressedSize: number;
  /** 0 stored, 8 deflated; anything else is refused. */
  method: number;
  /** General-purpose bit flag (bit 0 encrypted, bit 3 data descriptor, bit 11 UTF-8 name). */
  flags: number;
  crc32: number;
}

export interface PackageEntry {
  /** Package-relative path with `/` separators, as decoded (not normalised). */
  path: string;
  /** Uncompressed size in bytes as the listing declares it; reading enforces it. */
  size: number;
  /** False when a finding forbids reading the entry (unsafe name, encrypted, bomb, collision…). */
  readable: boolean;
  zip?: ZipEntryInfo;
}

export interface EntryDigests extends Digests {
  md5?: string;
  sha1?: string;
  sha512?: string;
}

export type EntryReadResult = { ok: true; digests: EntryDigests } | { ok: false; finding: Finding };

/**
 * The bytes of one entry, read once. It errors (with an EntryReadError) when the bytes are
 * corrupt, longer or shorter than declared, or break a limit; `result` resolves either way and
 * never rejects.
 */
export type EntryStream = Readable & { result: Promise<EntryReadResult> };

export interface OpenOptions {
  /** Further digests to compute in the same pass (BagIt manifests). */
  extraAlgorithms?: readonly ExtraAlgorithm[];
  /**
   * Hash on the calling thread whatever the size: for files read whole and parsed here anyway
   * (metadata, catalogue, manifests), where starting the digest workers would cost more memory
   * (an isolate and the shared ring, ~25 MB) than the hashing takes time.
   */
  inlineDigest?: boolean;
}

/**
 * native: the package layout of package-format.md; bagit-native: a bag whose data/ holds it;
 * bagit: a bag without it (only integrity and security items apply); unknown: neither.
 */
export type PackageLayout = 'native' | 'bagit-native' | 'bagit' | 'unknown';

export interface BagSummary {
  version: string;
  tagFileEncoding: string;
  /** bag-info.txt labels in order (repeats kept). */
  info: { label: string; value: string }[];
  payloadAlgorithms: string[];
  tagAlgorithms: string[];
  /** fetch.txt lines (reported, never followed). */
  fetch: { url: string; length: string; path: string }[];
  /** Tag files read in full while opening the bag (bagit.txt, manifests, …). */
  tagFiles: string[];
}

export interface PackageSource {
  readonly form: 'zip' | 'directory';
  readonly layout: PackageLayout;
  /** Files only (no folder entries), package-relative; for a bag, relative to its data/. */
  readonly entries: readonly PackageEntry[];
  /** Everything wrong found so far; reading entries adds to it. */
  readonly findings: Finding[];
  readonly bag?: BagSummary;
  entry(path: string): PackageEntry | undefined;
  /** Opens a readable entry; throws when the entry is unknown or not readable (check `readable`). */
  open(path: string, options?: OpenOptions): Promise<EntryStream>;
  /**
   * Call after the last entry was read: adds what only the whole pass can tell (for a bag:
   * listed files that were never verified). Returns the findings it added.
   */
  finish(): Finding[];
  close(): Promise<void>;
}

/** The error an EntryStream fails with; carries the finding already recorded on the source. */
export class EntryReadError extends Error {
  readonly finding: Finding;
  constructor(finding: Finding) {
    super(finding.message);
    this.name = 'EntryReadError';
    this.finding = finding;
  }
}
