// The one pass over an entry's bytes: counts them against the declared size and the limits,
// checks a ZIP entry's CRC-32, and hashes (SM3, SHA-256, plus what a bag's manifests ask for).
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { finding, type Finding } from '../checks/finding.ts';
import { digestPool } from '../crypto/parallel-digest.ts';
import type { PackageLimits } from './limits.ts';
import { EntryReadError, type EntryDigests, type EntryReadResult, type EntryStream, type ExtraAlgorithm } from './types.ts';

/** Bytes streamed so far over the whole package (shared by all entries of one source). */
export interface ReadTotals {
  bytes: number;
}

export interface GuardOptions {
  path: string;
  declaredSize: number;
  /** CRC-32 the ZIP central directory records; undefined for directories. */
  crc32?: number;
  extraAlgorithms?: readonly ExtraAlgorithm[];
  /** Hash on this thread whatever the size (see OpenOptions.inlineDigest). */
  inlineDigest?: boolean;
  limits: PackageLimits;
  totals: ReadTotals;
  /** Where the finding of a failed read is recorded (the source's findings). */
  sink: Finding[];
  /** Turns an error of the underlying stream into a finding. */
  describeError?: (err: Error) => Finding;
}

/** Pipes `raw` through the guard; the returned stream is what a consumer reads. */
export function guardedStream(raw: Readable, o: GuardOptions): EntryStream {
  // Large entries are hashed on two worker threads beside the reading (src/crypto/parallel-digest.ts).
  const digester = digestPool().create({ inline: o.inlineDigest === true });
  const extras = new Map<ExtraAlgorithm, Hash>((o.extraAlgorithms ?? []).map((a) => [a, createHash(a)]));
  let count = 0;
  let crc = 0;
  let settled = false;
  let resolve!: (r: EntryReadResult) => void;
  const result = new Promise<EntryReadResult>((res) => (resolve = res));

  const fail = (f: Finding): EntryReadError => {
    if (!settled) {
      settled = true;
      digester.abort();
      o.sink.push(f);
      resolve({ ok: false, finding: f });
    }
    return new EntryReadError(f);
  };

  const t = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      count += chunk.length;
      o.totals.bytes += chunk.length;
      if (count > o.declaredSize) {
        return cb(fail(finding('2-7', o.path, `文件内容比声明的大小长 (more bytes than the declared ${o.declaredSize})`, { expected: String(o.declaredSize), actual: `>${o.declaredSize}` })));
      }
      if (o.totals.bytes > o.limits.maxTotalBytes) {
        return cb(fail(finding('3-8', o.path, `信息包解压总量超过上限 ${o.limits.maxTotalBytes} 字节 (package expands beyond the limit: zip bomb?)`, { expected: `<=${o.limits.maxTotalBytes}` })));
      }
      if (o.crc32 !== undefined) crc = crc32(chunk, crc);
      for (const h of extras.values()) h.update(chunk);
      const wait = digester.update(chunk);
      if (wait) wait.then(() => cb(null, chunk), (e: Error) => cb(e));
      else cb(null, chunk);
    },
    flush(cb) {
      if (count < o.declaredSize) {
        return cb(fail(finding('2-7', o.path, `文件内容被截短 (cut short: ${count} of ${o.declaredSize} bytes)`, { expected: String(o.declaredSize), actual: String(count) })));
      }
      if (o.crc32 !== undefined && crc >>> 0 !== o.crc32 >>> 0) {
        return cb(fail(finding('2-7', o.path, 'CRC-32 校验不符，文件已损坏 (CRC-32 mismatch: corrupt entry)', { expected: hex8(o.crc32), actual: hex8(crc) })));
      }
      digester.digest().then(
        (d) => {
          const digests: EntryDigests = { ...d };
          for (const [a, h] of extras) digests[a] = h.digest('hex');
          settled = true;
          resolve({ ok: true, digests });
          cb();
        },
        (e: Error) => cb(e),
      );
    },
  });

  raw.once('error', (err: Error) => {
    const f = err instanceof EntryReadError ? err.finding : (o.describeError?.(err) ?? finding('2-7', o.path, `读取文件失败 (read error): ${err.message}`));
    t.destroy(fail(f));
  });
  t.once('close', () => {
    raw.destroy();
    if (!settled) {
      // the reader gave up (not the package's fault): no finding is recorded
      settled = true;
      digester.abort();
      resolve({ ok: false, finding: finding('2-7', o.path, '读取在结束前被中止 (read aborted by the reader)') });
    }
  });
  // `result` reports every failure; an unlistened 'error' event must not bring the process down
  t.on('error', () => {});
  raw.pipe(t);
  return Object.assign(t, { result });
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
