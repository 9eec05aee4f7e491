// The "no scanner configured" driver: every scan is an error saying so, and ping fails, so GD-4-1 can skip or fail per profile.
import { ScannerUnavailableError, type ScanResult, type ScanSession, type Scanner } from './types.ts';

export const NOT_CONFIGURED = '未配置病毒扫描程序 (no virus scanner configured: set CLAMD_HOST/CLAMD_PORT or CLAMD_SOCKET)';

export function createNoScanner(): Scanner {
  const result: ScanResult = { status: 'error', reason: NOT_CONFIGURED };
  return {
    name: 'none',
    configured: false,
    async scan() {
      return result;
    },
    startScan(): ScanSession {
      return {
        ended: true,
        async write() {},
        async finish() {
          return result;
        },
        abort() {},
      };
    },
    async ping() {
      throw new ScannerUnavailableError('none', NOT_CONFIGURED);
    },
  };
}
