// The virus-scanner port: what the check engine (GD-4-1, GD-4-2) and rescans (BC-4-2) call.

/**
 * The outcome of scanning one byte stream. Anything that is not a positive "no virus found" —
 * a daemon error, a size-limit skip, a dead or silent daemon — is `error`, never `clean`.
 */
export type ScanResult =
  | { status: 'clean' }
  | { status: 'infected'; signature: string }
  | { status: 'error'; reason: string };

export interface ScanOptions {
  /** Aborting ends the scan with an `error` result (and stops reading the source). */
  signal?: AbortSignal;
}

/**
 * A scan fed chunk by chunk, for callers that read each file once and hand the same chunks to
 * several consumers (digests, format sniffing, the scanner).
 */
export interface ScanSession {
  /**
   * Sends a chunk. The promise resolves when the scanner can take more (backpressure); it never
   * rejects. Once the scan has ended early (daemon closed the connection, size limit, timeout)
   * further chunks are dropped and `finish()` reports why.
   */
  write(chunk: Uint8Array): Promise<void>;
  /** Ends the stream and resolves with the verdict; never rejects. */
  finish(): Promise<ScanResult>;
  /** Gives up: closes the connection; `finish()` then resolves with an `error` result. */
  abort(reason?: string): void;
  /** True once a verdict is known (usually only after `finish()`, earlier on failure). */
  readonly ended: boolean;
}

export interface Scanner {
  /** 'clamd' or 'none'. */
  readonly name: string;
  /** False for the `none` driver: no scanner is configured at all (GD-4-1 skips or fails per profile). */
  readonly configured: boolean;
  /** Scans a whole stream. Never rejects for scanner trouble (that is an `error` result); rethrows the source's own errors. */
  scan(source: AsyncIterable<Uint8Array>, opts?: ScanOptions): Promise<ScanResult>;
  /** Starts a scan to be fed with `write()`; see ScanSession. */
  startScan(opts?: ScanOptions): ScanSession;
  /** Resolves when the scanner answers; rejects with ScannerUnavailableError otherwise. */
  ping(): Promise<void>;
  /** The engine and signature version, e.g. `ClamAV 1.4.6/27000/Sun Nov 22 …`. */
  version?(): Promise<string>;
}

/** The scanner cannot be reached or is not configured; the message says which and where. */
export class ScannerUnavailableError extends Error {
  readonly scanner: string;
  constructor(scanner: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScannerUnavailableError';
    this.scanner = scanner;
  }
}
