// What storing an accepted package gives the catalogue (every file content-addressed in the primary
// store and every backup store, each copy proven against the digests the reader computed), and the
// error naming the store that failed. The storing itself: package-copies.ts.
import type { ElectronicFile, RecordMetadata, VolumeMetadata } from '../metadata/index.ts';
import type { PutResult } from '../store/index.ts';

export interface StoredObject {
  path: string;
  key: string;
  size: number;
  sha256: string;
  sm3: string;
}

export interface StoredRecord {
  folder: string;
  volume?: string;
  metadata: RecordMetadata;
  metadataObject: StoredObject;
  files: { object: StoredObject; described?: ElectronicFile }[];
}

export interface StoredVolume {
  folder: string;
  metadata: VolumeMetadata;
  metadataObject: StoredObject;
}

export interface StoredPackage {
  objects: StoredObject[];
  records: StoredRecord[];
  volumes: StoredVolume[];
  /** Bytes written per store (deduplicated objects count as stored). */
  bytes: number;
}

/** A store that failed: which one and why (a backup store that is down, a digest that differs). */
export class StoreCopyError extends Error {
  readonly store: string;
  constructor(store: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreCopyError';
    this.store = store;
  }
}

/** Throws StoreCopyError unless the store's put has exactly the digests the reader computed. */
export function proven(store: string, path: string, r: PutResult, want: { sha256: string; sm3: string; size: number }): void {
  if (r.sha256 !== want.sha256 || r.sm3 !== want.sm3 || r.size !== want.size) {
    throw new StoreCopyError(store, `存储「${store}」写入的 ${path} 与读取时的摘要不符 (copy differs from the digest computed on reading)`);
  }
}
