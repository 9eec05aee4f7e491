// Tests the "no scanner configured" driver and how createScanner/probeScanner report it.
import { describe, expect, it } from 'vitest';
import { createScanner, NOT_CONFIGURED, probeScanner, ScannerUnavailableError } from './index.ts';

describe('no scanner configured', () => {
  it('never reports clean, says why, and fails ping', async () => {
    const s = createScanner({});
    expect(s.name).toBe('none');
    expect(s.configured).toBe(false);
    async function* one() {
      yield new Uint8Array([1, 2, 3]);
    }
    expect(await s.scan(one())).toEqual({ status: 'error', reason: NOT_CONFIGURED });
    const session = s.startScan();
    await session.write(new Uint8Array(10));
    expect(await session.finish()).toEqual({ status: 'error', reason: NOT_CONFIGURED });
    await expect(s.ping()).rejects.toBeInstanceOf(ScannerUnavailableError);
    expect(await probeScanner(s)).toEqual({ status: 'not-configured', scanner: 'none', reason: NOT_CONFIGURED });
  });
});
