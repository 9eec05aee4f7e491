// The S3 object store (AWS, MinIO, Ceph RGW, OSS-type servers): streamed multipart uploads that
// complete only when the bytes are right, sizes verified with HeadObject after every write.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Digests } from '../crypto/digest.ts';
import { assertKey, assertPrefix, contentKey, normalizeSha256, TEMP_DIR } from './keys.ts';
import { putDurably } from './put-flow.ts';
import { assertRangeShape } from './range.ts';
import { meter } from './source.ts';
import { StoreError, type ByteRange, type ObjectInfo, type ObjectStore, type PutOptions, type PutResult, type PutSource, type StoreErrorCode } from './types.ts';

export interface S3StoreOptions {
  name: string;
  bucket: string;
  /** Key prefix inside the bucket ('' or 'a/b'); every key lives under it. */
  prefix?: string;
  /** e.g. 'http://minio:9000'; unset means AWS. */
  endpoint?: string;
  /** Default 'us-east-1' (what MinIO, Ceph and s3rver expect unless configured otherwise). */
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Path-style URLs (`endpoint/bucket/key`); default true when an endpoint is given (non-AWS servers). */
  forcePathStyle?: boolean;
  /** Create the bucket when it is missing (embedded defaults and tests only). */
  createIfMissing?: boolean;
  /**
   * Multipart part size in bytes (≥ 5 MiB; default 5 MiB, or larger when the put states expectedSize).
   * Memory held per upload is about partSize × (queueSize + 1); a put of unknown length can be at most 10,000 parts.
   */
  partSize?: number;
  /** Parts uploaded at once; default 2. */
  queueSize?: number;
  /** Objects up to this size are moved from their temporary key with one CopyObject (the S3 limit is 5 GiB); larger ones are re-streamed through the service. */
  copyLimit?: number;
  /** Keys per ListObjectsV2 page; default 1000 (the S3 maximum). */
  listPageSize?: number;
  /** Attempts per request (first try included); default 3. */
  maxAttempts?: number;
  /** Milliseconds to open a connection; default 5000. */
  connectTimeoutMs?: number;
  /** Milliseconds a request may sit idle on its socket; default 120000. */
  requestTimeoutMs?: number;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
  'ENETUNREACH', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET',
]);
const DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden', 'ExpiredToken']);
const COPY_LIMIT = 5 * 1024 ** 3;
const MIN_PART = 5 * 1024 ** 2;

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

export function createS3Store(opts: S3StoreOptions): ObjectStore {
  const { name, bucket } = opts;
  const base = (opts.prefix ?? '').replace(/^\/+|\/+$/g, '');
  const basePrefix = base ? `${base}/` : '';
  if (base) assertKey(name, base);
  const region = opts.region ?? 'us-east-1';
  const endpointText = opts.endpoint ? new URL(opts.endpoint).origin : `AWS ${region}`;
  const location = `s3://${bucket}/${base}${opts.endpoint ? `?endpoint=${endpointText}` : ''}`;
  const copyLimit = opts.copyLimit ?? COPY_LIMIT;

  const client = new S3Client({
    endpoint: opts.endpoint,
    region,
    forcePathStyle: opts.forcePathStyle ?? opts.endpoint !== undefined,
    credentials:
      opts.accessKeyId !== undefined ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey ?? '' } : undefined,
    // Non-AWS servers reject the SDK's default flexible checksums (stack.md B5); we hash ourselves.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: opts.maxAttempts ?? 3,
    requestHandler: { connectionTimeout: opts.connectTimeoutMs ?? 5000, requestTimeout: opts.requestTimeoutMs ?? 120_000 },
  });

  const where = `存储桶 (bucket) ${bucket} @ ${endpointText}`;

  /** Maps an SDK or network error to the store's vocabulary, naming the endpoint and bucket. */
  function mapError(e: unknown, what: string): StoreError {
    if (e instanceof StoreError) return e;
    const err = (e ?? {}) as SdkError;
    const status = err.$metadata?.httpStatusCode;
    const netCode = err.code ?? (err.cause as SdkError | undefined)?.code;
    const detail = `${err.name ?? 'Error'}${err.message ? `: ${err.message}` : ''}`;
    let code: StoreErrorCode = 'io';
    let msg = `${what}失败 (failed: ${detail}) [${where}]`;
    if (err.name === 'NoSuchBucket') {
      code = 'unavailable';
      msg = `${what}: 存储桶不存在 (bucket does not exist) [${where}]`;
    } else if (err.name === 'NoSuchKey' || (status === 404 && err.name === 'NotFound')) {
      code = 'not_found';
      msg = `${what}: 对象不存在 (no such object)`;
    } else if (err.name === 'InvalidRange' || status === 416) {
      code = 'invalid_range';
      msg = `${what}: 字节范围超出对象末尾 (range not satisfiable)`;
    } else if (
      NETWORK_CODES.has(netCode ?? '') ||
      err.name === 'TimeoutError' ||
      err.name === 'RequestTimeout' ||
      (status !== undefined && status >= 500)
    ) {
      code = 'unavailable';
      msg = `${what}失败: 对象存储不可用 (store unavailable: ${netCode ?? detail}) [${where}]`;
    } else if (DENIED.has(err.name ?? '') || status === 403) {
      code = 'unavailable';
      msg = `${what}失败: 无权访问 (access denied: ${detail}) [${where}]`;
    }
    return new StoreError(name, code, msg, { cause: e });
  }

  async function send<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw mapError(e, what);
    }
  }

  let ready: Promise<void> | undefined;
  /** With createIfMissing, the bucket is made once before the first write. */
  async function ensureBucket(): Promise<void> {
    if (!opts.createIfMissing) return;
    ready ??= check().catch((e) => {
      ready = undefined;
      throw e;
    });
    await ready;
  }

  async function headRaw(objectKey: string): Promise<ObjectInfo | undefined> {
    try {
      const r = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey }));
      return { key: objectKey.slice(basePrefix.length), size: r.ContentLength ?? 0, modified: r.LastModified };
    } catch (e) {
      // (falls through to the bucket check below when the object is missing)
      const m = mapError(e, `查询对象 (head) ${objectKey}`);
      if (m.code !== 'not_found') throw m;
    }
    // A HEAD answer has no body, so a missing bucket also reads as 404: tell the two apart.
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (e) {
      const m = mapError(e, `查询对象 (head) ${objectKey}`);
      if (m.code === 'not_found' || (e as SdkError).$metadata?.httpStatusCode === 404) {
        throw new StoreError(name, 'unavailable', `查询对象 (head) ${objectKey}: 存储桶不存在 (bucket does not exist) [${where}]`, { cause: e });
      }
      throw m;
    }
    return undefined;
  }

  async function deleteRaw(objectKey: string): Promise<void> {
    await send(`删除对象 (delete) ${objectKey}`, () => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey })));
  }

  /** Streams chunks to objectKey; the object appears only if the chunks end normally. */
  async function upload(
    objectKey: string,
    label: string,
    chunks: AsyncIterable<Buffer>,
    size?: number,
    signal?: AbortSignal,
    metadata?: Record<string, string>,
  ): Promise<void> {
    const body = Readable.from(chunks);
    const up = new Upload({
      client,
      params: { Bucket: bucket, Key: objectKey, Body: body, Metadata: metadata },
      // S3 allows 10,000 parts: 5 MiB parts reach about 48 GiB, so a known size gets larger parts.
      partSize: opts.partSize ?? Math.max(MIN_PART, Math.ceil((size ?? 0) / 9000)),
      queueSize: opts.queueSize ?? 2,
      // We abort ourselves: some servers (s3rver) refuse AbortMultipartUpload, and lib-storage
      // would then report that refusal instead of the real failure.
      leavePartsOnError: true,
    });
    const onAbort = () => void up.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await up.done();
    } catch (e) {
      body.destroy();
      if (up.uploadId) {
        // Best effort; a lifecycle rule (AbortIncompleteMultipartUpload) removes parts a server keeps.
        await client
          .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: objectKey, UploadId: up.uploadId }))
          .catch(() => {});
      }
      if (signal?.aborted && !(e instanceof StoreError)) {
        throw new StoreError(name, 'source', `写入已取消 (put aborted): ${objectKey}`, { cause: e });
      }
      throw mapError(e, `上传 (upload) ${label}`);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * The object at objectKey must now have `size` bytes; otherwise it is removed. A few re-reads ride
   * out servers whose writes are not atomic (s3rver rewrites a file in place while two copies race).
   */
  async function verifySize(objectKey: string, size: number): Promise<void> {
    let info: ObjectInfo | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 100 * attempt));
      info = await headRaw(objectKey);
      if (info?.size === size) return;
    }
    await deleteRaw(objectKey).catch(() => {});
    throw new StoreError(
      name,
      'size_mismatch',
      `写入后长度不符 (size after write differs): ${objectKey} expected ${size}, store has ${info?.size ?? 'nothing'} [${where}]`,
    );
  }

  /**
   * Copies the temporary object into place, labelled with its digests (x-amz-meta-sha256 and -sm3)
   * so a bucket describes itself to anyone auditing it without the catalogue.
   */
  async function copy(fromKey: string, toKey: string, d: Digests): Promise<void> {
    // (a put whose caller takes the SM3 later, from a read-back, labels the SHA-256 alone)
    const Metadata: Record<string, string> = /^[0-9a-f]{64}$/.test(d.sm3) ? { sha256: d.sha256, sm3: d.sm3 } : { sha256: d.sha256 };
    if (d.size <= copyLimit) {
      const source = `${bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`;
      await send(`复制对象 (copy) ${fromKey} → ${toKey}`, () =>
        client.send(new CopyObjectCommand({ Bucket: bucket, Key: toKey, CopySource: source, MetadataDirective: 'REPLACE', Metadata })),
      );
      return;
    }
    // Past the single-copy limit: re-read the temporary object, re-hash it and upload it again.
    const r = await send(`读取临时对象 (get) ${fromKey}`, () => client.send(new GetObjectCommand({ Bucket: bucket, Key: fromKey })));
    const m = meter(name, r.Body as Readable, { sha256: d.sha256, size: d.size });
    await upload(toKey, toKey.slice(basePrefix.length), m.chunks, d.size, undefined, Metadata);
  }

  // Always through a temporary key: some servers (s3rver among them) keep a truncated body when the
  // connection drops, so nothing is written at the real key until the bytes are proven.
  function put(source: PutSource, o: PutOptions = {}): Promise<PutResult> {
    return putDurably(name, source, o, {
      ensure: ensureBucket,
      sizeOf: async (key) => (await headRaw(basePrefix + key))?.size,
      tempName: () => `${basePrefix}${TEMP_DIR}/${randomUUID()}`,
      async writeTemp(tmp, chunks, w) {
        await upload(tmp, w.label, chunks, w.size, w.signal);
      },
      async promote(tmp, key, d) {
        await verifySize(tmp, d.size);
        await copy(tmp, basePrefix + key, d);
        await verifySize(basePrefix + key, d.size);
      },
      discard: (tmp, failed) => discardTemp(tmp, failed),
    });
  }

  /**
   * Removes a failed put's temporary object. A server may still be finishing the request whose
   * connection we lost (s3rver stores the truncated body once it notices the drop), so the object can
   * appear after our first delete: look again a few times before giving up on it.
   */
  async function discardTemp(tmp: string, failed: boolean): Promise<void> {
    await deleteRaw(tmp).catch(() => {});
    if (!failed) return;
    for (let attempt = 1; attempt <= 4; attempt++) {
      await new Promise((r) => setTimeout(r, 150 * attempt));
      const left = await headRaw(tmp).catch(() => undefined);
      if (left) await deleteRaw(tmp).catch(() => {});
    }
  }

  async function removeStaleTemporary(before: Date): Promise<number> {
    let removed = 0;
    for await (const o of rawObjects(`${basePrefix}${TEMP_DIR}/`, `列出临时对象 (list) ${TEMP_DIR}/`)) {
      if (!o.Key || !o.LastModified || o.LastModified >= before) continue;
      await deleteRaw(o.Key);
      removed++;
    }
    return removed;
  }

  async function moveToContentKey(from: string, d: Digests): Promise<PutResult> {
    assertKey(name, from);
    const sha256 = normalizeSha256(name, d.sha256);
    const key = contentKey(sha256);
    const src = await headRaw(basePrefix + from);
    if (!src) throw new StoreError(name, 'not_found', `对象不存在 (no such object) ${from} [${where}]`);
    if (src.size !== d.size) throw new StoreError(name, 'size_mismatch', `对象长度不符 (object size differs): ${from} holds ${src.size} bytes, expected ${d.size} [${where}]`);
    const done = { key, size: d.size, sha256, sm3: d.sm3 };
    if ((await headRaw(basePrefix + key))?.size === d.size) {
      await deleteRaw(basePrefix + from);
      return { ...done, deduplicated: true };
    }
    await copy(basePrefix + from, basePrefix + key, { ...d, sha256 });
    await verifySize(basePrefix + key, d.size);
    await deleteRaw(basePrefix + from);
    return { ...done, deduplicated: false };
  }

  async function get(key: string, range?: ByteRange): Promise<Readable> {
    assertKey(name, key);
    if (range) assertRangeShape(name, range, key);
    const r = await send(`读取对象 (get) ${key}`, () =>
      client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: basePrefix + key,
          Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
        }),
      ),
    );
    const body = r.Body as Readable;
    if (!range) return body;
    // A server or proxy that ignores Range, or sends more than asked (s3rver answers 'bytes=0-0'
    // with the whole object), must not hand the caller wrong bytes: check, and trim any excess.
    const cr = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(r.ContentRange ?? '');
    const [first, last, total] = cr ? [Number(cr[1]), Number(cr[2]), Number(cr[3])] : [];
    const wantedLast = total === undefined ? undefined : Math.min(range.end ?? total - 1, total - 1);
    if (first !== range.start || last === undefined || wantedLast === undefined || last < wantedLast) {
      body.destroy();
      throw new StoreError(name, 'io', `服务器未按范围返回 (server ignored the range) ${key}: ${r.ContentRange ?? 'no Content-Range'} [${where}]`);
    }
    return last === wantedLast ? body : take(body, wantedLast - first + 1);
  }

  async function head(key: string): Promise<ObjectInfo | undefined> {
    assertKey(name, key);
    return headRaw(basePrefix + key);
  }

  /** Every raw object under a raw prefix (temporary ones included), page by page. */
  async function* rawObjects(rawPrefix: string, what: string): AsyncGenerator<{ Key?: string; Size?: number; LastModified?: Date }> {
    let token: string | undefined;
    do {
      const r = await send(what, () =>
        client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: rawPrefix, ContinuationToken: token, MaxKeys: opts.listPageSize })),
      );
      yield* r.Contents ?? [];
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }

  async function* list(prefix = ''): AsyncGenerator<ObjectInfo> {
    assertPrefix(name, prefix);
    const tempPrefix = `${TEMP_DIR}/`;
    for await (const o of rawObjects(basePrefix + prefix, `列出对象 (list) ${prefix}`)) {
      const key = (o.Key ?? '').slice(basePrefix.length);
      if (!key || key.startsWith(tempPrefix) || key.endsWith('/')) continue;
      yield { key, size: o.Size ?? 0, modified: o.LastModified };
    }
  }

  async function del(key: string): Promise<void> {
    assertKey(name, key);
    await deleteRaw(basePrefix + key);
  }

  async function check(): Promise<void> {
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
      return;
    } catch (e) {
      const m = mapError(e, '检查存储桶 (head bucket)');
      const missing = (e as SdkError).$metadata?.httpStatusCode === 404 || (e as SdkError).name === 'NoSuchBucket';
      if (!missing) throw new StoreError(name, 'unavailable', m.message.replace(/^存储「[^」]*」: /, ''), { cause: e });
      if (!opts.createIfMissing) {
        throw new StoreError(name, 'unavailable', `存储桶不存在, 请先创建 (bucket does not exist; create it first) [${where}]`, { cause: e });
      }
    }
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (e) {
      const n = (e as SdkError).name;
      if (n !== 'BucketAlreadyOwnedByYou' && n !== 'BucketAlreadyExists') {
        throw new StoreError(name, 'unavailable', `无法创建存储桶 (cannot create bucket: ${(e as Error).message}) [${where}]`, { cause: e });
      }
    }
  }

  return {
    name,
    location,
    put,
    get,
    head,
    moveToContentKey,
    removeStaleTemporary,
    list,
    delete: del,
    check,
    async close() {
      client.destroy();
    },
  };
}

/** The first `n` bytes of a stream; the rest is not read. */
function take(body: Readable, n: number): Readable {
  async function* limited(): AsyncGenerator<Buffer> {
    let left = n;
    for await (const c of body) {
      const chunk = c as Buffer;
      if (chunk.byteLength >= left) {
        yield chunk.subarray(0, left);
        return; // ends the loop, which destroys body
      }
      left -= chunk.byteLength;
      yield chunk;
    }
  }
  return Readable.from(limited(), { objectMode: false });
}
