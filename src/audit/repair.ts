// Repair: a bad or missing copy is rewritten from another store's copy whose bytes prove to have the
// catalogue's digests (put refuses anything else), then read back in full; a bad copy is replaced
// only once a good source has been proven, so nothing is ever dropped or "fixed" from a bad copy.
import { Readable } from 'node:stream';
import type { ObjectStore } from '../store/index.ts';
import type { Throttle } from './throttle.ts';
import { verifyCopy, type Expected } from './verify-copy.ts';

export type RepairResult = { repaired: true; from: string } | { repaired: false; reasons: string[] };

async function* throttled(body: Readable, throttle: Throttle, signal?: AbortSignal): AsyncGenerator<Buffer> {
  for await (const chunk of body as AsyncIterable<Buffer>) {
    await throttle.take(chunk.byteLength, signal);
    yield chunk;
  }
}

export async function repairCopy(
  target: ObjectStore,
  sources: ObjectStore[],
  key: string,
  want: Expected,
  o: { throttle: Throttle; signal?: AbortSignal },
): Promise<RepairResult> {
  const reasons: string[] = [];
  const put = async (source: ObjectStore) =>
    target.put(throttled(await source.get(key), o.throttle, o.signal), { expectedSha256: want.sha256, expectedSize: want.size, signal: o.signal });
  for (const source of sources) {
    try {
      let r = await put(source);
      if (r.sm3 !== want.sm3) {
        reasons.push(`${source.name}: SM3 与目录不符 (SM3 differs from the catalogue)`);
        continue;
      }
      // Same size under the content key: put proved the source but kept the bad bytes. Replace them
      // now that a good source is known.
      if (r.deduplicated) {
        await target.delete(key);
        r = await put(source);
      }
      const back = await verifyCopy(target, key, want, { full: true, digests: ['sha256', 'sm3'], throttle: o.throttle, signal: o.signal });
      if (back.state === 'ok') return { repaired: true, from: source.name };
      reasons.push(`${target.name}: 修复后读回校验失败 (read-back after repair failed: ${back.state})`);
    } catch (e) {
      if (o.signal?.aborted) throw e;
      reasons.push((e as Error).message);
    }
  }
  if (sources.length === 0) reasons.push('没有其他副本 (no other copy)');
  return { repaired: false, reasons };
}
