// A pass-through stream that feeds what flows through it to the scanner, so a file read once is also scanned.
import { Transform, type TransformCallback } from 'node:stream';
import type { ScanOptions, ScanResult, Scanner } from './types.ts';

/**
 * Bytes pass through unchanged while being sent to the scanner; the stream waits for the scanner
 * (backpressure). `result` resolves with the verdict when the stream ends, and with an `error`
 * result if the stream is destroyed first; it never rejects.
 */
export function scanningStream(scanner: Scanner, opts?: ScanOptions): Transform & { result: Promise<ScanResult> } {
  const session = scanner.startScan(opts);
  let settle!: (r: ScanResult) => void;
  const result = new Promise<ScanResult>((r) => (settle = r));
  let flushed = false;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      session.write(chunk).then(() => cb(null, chunk), cb);
    },
    flush(cb) {
      flushed = true;
      session.finish().then((r) => {
        settle(r);
        cb();
      }, cb);
    },
  });
  t.once('close', () => {
    if (flushed) return;
    session.abort('数据流未读完即关闭 (stream closed before its end)');
    void session.finish().then(settle);
  });
  return Object.assign(t, { result });
}
