// A byte-rate limit shared by every parallel read of one audit pass: each chunk is charged before
// it is used, and the reader waits until the bytes so far fit the rate since the pass began.
import { setTimeout as sleep } from 'node:timers/promises';

export interface Throttle {
  /** Resolves when `bytes` more may be used without exceeding the rate. */
  take(bytes: number, signal?: AbortSignal): Promise<void>;
}

export function createThrottle(bytesPerSecond: number | undefined, clock: () => number = () => performance.now()): Throttle {
  if (!bytesPerSecond) return { take: async () => {} };
  let start: number | undefined;
  let total = 0;
  return {
    async take(bytes, signal) {
      start ??= clock();
      total += bytes;
      const wait = start + (total / bytesPerSecond) * 1000 - clock();
      if (wait > 1) await sleep(wait, undefined, { signal });
    },
  };
}
