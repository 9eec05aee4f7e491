// The store capability's public face: open a store by URL (file:///abs/path or s3://bucket/prefix).
import { fileURLToPath } from 'node:url';
import { createFsStore } from './fs.ts';
import { createS3Store, type S3StoreOptions } from './s3.ts';
import { StoreError, type ObjectStore } from './types.ts';

export type { ByteRange, ObjectInfo, ObjectStore, PutOptions, PutResult, PutSource, StoreErrorCode } from './types.ts';
export { StoreError, isStoreError } from './types.ts';
export { contentKey } from './keys.ts';
export { createFsStore, type FsStoreOptions } from './fs.ts';
export { createS3Store, type S3StoreOptions } from './s3.ts';

export interface OpenStoreOptions {
  /** Operator-facing name, e.g. 'primary', 'backup-1'; every error message starts with it. */
  name: string;
  /**
   * Create the root folder or bucket when it is missing. For tests and the embedded defaults only:
   * in production a missing bucket or folder (an unmounted disk) must be an error, not a new empty store.
   */
  createIfMissing?: boolean;
  /** Same as createIfMissing (the S3 wording). */
  createBucketIfMissing?: boolean;
  s3?: Omit<S3StoreOptions, 'name' | 'bucket' | 'prefix' | 'createIfMissing'>;
}

export function openStore(url: string, opts: OpenStoreOptions): ObjectStore {
  const { name } = opts;
  const createIfMissing = opts.createIfMissing ?? opts.createBucketIfMissing ?? false;
  let u: URL;
  try {
    u = new URL(url);
  } catch (e) {
    throw new StoreError(name, 'invalid_key', `存储地址无效 (invalid store URL): ${url}`, { cause: e });
  }
  if (u.protocol === 'file:') {
    if (!/^file:\/\/(localhost)?\//i.test(url)) {
      throw new StoreError(name, 'invalid_key', `file: 地址必须是本机绝对路径 (file URL must be file:///absolute/path): ${url}`);
    }
    const root = fileURLToPath(u).replace(/\/+$/, '') || '/';
    return createFsStore({ name, root, createIfMissing });
  }
  if (u.protocol === 's3:') {
    if (u.username || u.password) {
      throw new StoreError(name, 'invalid_key', `s3: 地址不能含凭据, 请用 S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY (no credentials in the URL): s3://${u.host}${u.pathname}`);
    }
    const bucket = u.hostname;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new StoreError(name, 'invalid_key', `存储桶名无效 (invalid bucket name: 3-63 of a-z 0-9 . -): ${bucket}`);
    }
    const prefix = decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, '');
    return createS3Store({ ...opts.s3, name, bucket, prefix, createIfMissing });
  }
  throw new StoreError(name, 'invalid_key', `不支持的存储地址 (unsupported store URL; use file:///path or s3://bucket/prefix): ${u.protocol}`);
}
