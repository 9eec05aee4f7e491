// The scanner capability's public face: build the configured scanner and ask whether it is ready.
import { createClamdScanner, type ClamdAddress, type ClamdOptions } from './clamd.ts';
import { createNoScanner } from './none.ts';
import type { Scanner } from './types.ts';

export type { ScanOptions, ScanResult, ScanSession, Scanner } from './types.ts';
export { ScannerUnavailableError } from './types.ts';
export type { ClamdAddress, ClamdOptions } from './clamd.ts';
export { createClamdScanner, parseInstreamReply } from './clamd.ts';
export { createNoScanner, NOT_CONFIGURED } from './none.ts';
export { scanningStream } from './stream.ts';

/** The scanner settings (the `clamd` field of the parsed config); no `clamd` means no scanner. */
export interface ScannerSettings {
  clamd?: ClamdAddress;
}

export function createScanner(settings: ScannerSettings, options: ClamdOptions = {}): Scanner {
  return settings.clamd ? createClamdScanner(settings.clamd, options) : createNoScanner();
}

/** What GD-4-1 (系统环境中是否安装杀毒软件) needs to know, as data. */
export type ScannerStatus =
  | { status: 'ready'; scanner: string; version?: string }
  | { status: 'not-configured'; scanner: string; reason: string }
  | { status: 'unreachable'; scanner: string; reason: string };

export async function probeScanner(scanner: Scanner): Promise<ScannerStatus> {
  try {
    await scanner.ping();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return scanner.configured ? { status: 'unreachable', scanner: scanner.name, reason } : { status: 'not-configured', scanner: scanner.name, reason };
  }
  const version = scanner.version ? await scanner.version().catch(() => undefined) : undefined;
  return version ? { status: 'ready', scanner: scanner.name, version } : { status: 'ready', scanner: scanner.name };
}
