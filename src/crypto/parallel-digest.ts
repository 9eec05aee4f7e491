// SM3 and SHA-256 of large files on worker threads (one digest each, or both on one worker on a
// machine with two cores or fewer), so hashing runs beside the reading and checking on the main
// thread instead of after it. Small files are hashed inline: for them a round trip to the workers
// costs more than the hashing.
//
// Bytes travel through a ring of shared-memory slots: the main thread copies a block into a free
// slot and posts its number to the workers; a slot is free again when every worker has hashed it.
import { createHash, type Hash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Digests } from './digest.ts';

export interface AsyncDigester {
  /** Feeds bytes; await it when it returns a promise (the ring is full: back-pressure). */
  update(chunk: Uint8Array): void | Promise<void>;
  /** Both digests and the size, once every block is hashed. Call once. */
  digest(): Promise<Digests>;
  /** Gives up (the read failed): frees the slots and the workers' state. */
  abort(): void;
}

export interface DigestPoolOptions {
  /** Bytes per shared slot (default 1 MiB). */
  blockSize?: number;
  /** Slots in the ring (default 8). */
  slots?: number;
  /** Files smaller than this are hashed inline on the calling thread (default 1 MiB). */
  inlineBelow?: number;
  /**
   * Worker threads: 2 (SM3 and SHA-256 each on its own) or 1 (both on one: SHA-256 is several times
   * faster than SM3, so this costs little and leaves the other core to the main thread). Default: 1
   * with two cores or fewer, else 2.
   */
  workers?: 1 | 2;
  /**
   * How two workers share the work: `algorithms` (default: SM3 on one, SHA-256 on the other, for
   * one stream at a time) or `files` (each file whole on the less busy worker, both digests: for
   * several streams at once, where SM3 of two files runs on two cores).
   */
  share?: 'algorithms' | 'files';
}

export interface CreateOptions {
  /** Hash on the calling thread whatever the size. */
  inline?: boolean;
  /** Only this digest (the other is returned as ''): a zip's SHA-256 on its way to the stores. */
  only?: 'sha256' | 'sm3';
}

export interface DigestPool {
  /** A digester (both digests unless `only`). */
  create(options?: CreateOptions): AsyncDigester;
  /** Stops the workers; pending digests reject. */
  close(): Promise<void>;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const ring = new Uint8Array(workerData.ring);
const { algorithms, blockSize } = workerData;
const hashes = new Map();
// a file's hashes: this worker's algorithms, or those of them the file asks for (m.a)
const start = (only) => (only ? algorithms.filter((a) => only.includes(a)) : algorithms).map((a) => [a, createHash(a)]);
parentPort.on('message', (m) => {
  if (m.t === 'b') {
    let hs = hashes.get(m.f);
    if (!hs) { hs = start(m.a); hashes.set(m.f, hs); }
    const block = ring.subarray(m.s * blockSize, m.s * blockSize + m.n);
    for (const [, h] of hs) h.update(block);
    parentPort.postMessage({ t: 'free', s: m.s });
  } else if (m.t === 'x') {
    hashes.delete(m.f);
  } else if (m.t === 'e') {
    const hs = hashes.get(m.f) ?? start(m.a);
    hashes.delete(m.f);
    parentPort.postMessage({ t: 'd', f: m.f, hex: Object.fromEntries(hs.map(([a, h]) => [a, h.digest('hex')])) });
  }
});
`;

type Pending = { sha256?: string; sm3?: string; resolve: (d: { sha256: string; sm3: string }) => void; reject: (e: Error) => void };

export function createDigestPool(options: DigestPoolOptions = {}): DigestPool {
  const blockSize = options.blockSize ?? 1024 * 1024;
  const slotCount = options.slots ?? 8;
  const inlineBelow = options.inlineBelow ?? blockSize;
  const split = (options.workers ?? (availableParallelism() > 2 ? 2 : 1)) === 2;
  const byFile = split && options.share === 'files';
  /** Files being hashed on each worker (share: files). */
  const load: number[] = [0, 0];
  let workers: Worker[] | undefined;
  let ring: Uint8Array;
  const refs = new Int8Array(slotCount);
  const free: number[] = [];
  const waiting: (() => void)[] = [];
  const pending = new Map<number, Pending>();
  let nextFile = 1;
  let closed = false;
  let busy = 0; // digesters that use the workers, so idle workers do not keep the process alive

  function start() {
    if (workers) return workers;
    const shared = new SharedArrayBuffer(blockSize * slotCount);
    ring = new Uint8Array(shared);
    for (let s = 0; s < slotCount; s++) free.push(s);
    const make = (algorithms: ('sha256' | 'sm3')[]) => {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { ring: shared, algorithms, blockSize } });
      w.on('message', (m: { t: string; s: number; f: number; hex: { sha256?: string; sm3?: string } }) => {
        if (m.t === 'free') {
          if (--refs[m.s] === 0) {
            free.push(m.s);
            waiting.shift()?.();
          }
        } else if (m.t === 'd') {
          const p = pending.get(m.f);
          if (!p) return;
          for (const a of algorithms) if (m.hex[a] !== undefined) p[a] = m.hex[a];
          if (p.sha256 !== undefined && p.sm3 !== undefined) {
            pending.delete(m.f);
            p.resolve({ sha256: p.sha256, sm3: p.sm3 });
          }
        }
      });
      w.on('error', (e) => {
        for (const p of pending.values()) p.reject(e);
        pending.clear();
      });
      w.unref();
      return w;
    };
    workers = byFile ? [make(['sha256', 'sm3']), make(['sha256', 'sm3'])] : split ? [make(['sha256']), make(['sm3'])] : [make(['sha256', 'sm3'])];
    return workers;
  }

  function ref(on: boolean) {
    busy += on ? 1 : -1;
    if (!workers) return;
    for (const w of workers) (busy > 0 ? w.ref() : w.unref());
  }

  async function slot(): Promise<number> {
    for (;;) {
      const s = free.pop();
      if (s !== undefined) return s;
      await new Promise<void>((r) => waiting.push(r));
    }
  }

  function create(createOptions: CreateOptions = {}): AsyncDigester {
    if (closed) throw new Error('digest pool: closed');
    const only = createOptions.only;
    if (createOptions.inline) return inlineDigester(only);
    let size = 0;
    // Inline until the file proves large: the first bytes wait here, unhashed.
    let head: Uint8Array[] = [];
    let headBytes = 0;
    let file = 0; // 0: still inline
    let target: Worker[] = []; // the workers hashing this file
    let lane = -1; // share: files — which worker
    let block: Uint8Array | undefined; // the slot being filled
    let blockSlot = -1;
    let blockFill = 0;
    let finished = false;

    async function post(bytes: Uint8Array) {
      let off = 0;
      while (off < bytes.byteLength) {
        if (blockSlot < 0) {
          blockSlot = await slot();
          block = ring.subarray(blockSlot * blockSize, (blockSlot + 1) * blockSize);
          blockFill = 0;
        }
        const n = Math.min(blockSize - blockFill, bytes.byteLength - off);
        block!.set(bytes.subarray(off, off + n), blockFill);
        blockFill += n;
        off += n;
        if (blockFill === blockSize) send();
      }
    }
    function send() {
      if (blockSlot < 0 || blockFill === 0) return;
      refs[blockSlot] = target.length;
      const m = { t: 'b', f: file, s: blockSlot, n: blockFill, a: only && [only] };
      for (const w of target) w.postMessage(m);
      blockSlot = -1;
      blockFill = 0;
    }

    function release() {
      if (lane >= 0) load[lane]--;
      lane = -1;
    }

    return {
      update(chunk) {
        if (finished) throw new Error('digest: update after digest()');
        size += chunk.byteLength;
        if (file === 0) {
          head.push(chunk);
          headBytes += chunk.byteLength;
          if (headBytes < inlineBelow) return;
          const all = start();
          file = nextFile++;
          if (byFile) {
            lane = load[0] <= load[1] ? 0 : 1;
            load[lane]++;
            target = [all[lane]];
          } else if (split && only) target = [all[only === 'sha256' ? 0 : 1]];
          else target = all;
          ref(true);
          const first = head;
          head = [];
          return (async () => {
            for (const c of first) await post(c);
          })();
        }
        return post(chunk);
      },
      abort() {
        if (finished) return;
        finished = true;
        head = [];
        if (file === 0) return;
        if (blockSlot >= 0) {
          free.push(blockSlot);
          blockSlot = -1;
          waiting.shift()?.();
        }
        for (const w of target) w.postMessage({ t: 'x', f: file });
        release();
        ref(false);
      },
      async digest() {
        if (finished) throw new Error('digest: digest() called twice');
        finished = true;
        if (file === 0) {
          const d = inlineDigester(only);
          for (const c of head) d.update(c);
          return await d.digest();
        }
        send();
        const id = file;
        try {
          const d = await new Promise<{ sha256: string; sm3: string }>((resolve, reject) => {
            pending.set(id, { resolve, reject, ...(only ? { [only === 'sha256' ? 'sm3' : 'sha256']: '' } : {}) });
            for (const w of target) w.postMessage({ t: 'e', f: id, a: only && [only] });
          });
          return { ...d, size };
        } finally {
          release();
          ref(false);
        }
      },
    };
  }

  return {
    create,
    async close() {
      closed = true;
      if (!workers) return;
      const w = workers;
      workers = undefined;
      for (const p of pending.values()) p.reject(new Error('digest pool: closed'));
      pending.clear();
      await Promise.all(w.map((x) => x.terminate()));
    },
  };
}

/** Both digests (or the one asked for) on the calling thread, chunk by chunk (nothing kept). */
function inlineDigester(only?: 'sha256' | 'sm3'): AsyncDigester {
  const sha256: Hash | undefined = only === 'sm3' ? undefined : createHash('sha256');
  const sm3: Hash | undefined = only === 'sha256' ? undefined : createHash('sm3');
  let size = 0;
  let finished = false;
  return {
    update(chunk) {
      if (finished) throw new Error('digest: update after digest()');
      sha256?.update(chunk);
      sm3?.update(chunk);
      size += chunk.byteLength;
    },
    abort() {
      finished = true;
    },
    async digest() {
      if (finished) throw new Error('digest: digest() called twice');
      finished = true;
      return { sha256: sha256?.digest('hex') ?? '', sm3: sm3?.digest('hex') ?? '', size };
    },
  };
}

let shared: DigestPool | undefined;
/** The process-wide pool (its worker threads start on first use of a large file). */
export function digestPool(): DigestPool {
  shared ??= createDigestPool();
  return shared;
}

let split: DigestPool | undefined;
/**
 * A pool with SM3 and SHA-256 each on its own worker, for hashing streams while the calling thread
 * mostly waits on I/O (an upload arriving, a stored copy read back by an audit): both digests are
 * done as soon as SM3 alone is, ~1.7x sooner than one worker doing both. The reader keeps the shared
 * pool (one worker on two cores), where the main thread is busy checking.
 */
export function splitDigestPool(): DigestPool {
  split ??= createDigestPool({ workers: 2 });
  return split;
}

let byFiles: DigestPool | undefined;
/**
 * A pool of two workers that each hash whole files (both digests), for several streams read at
 * once while the calling thread mostly waits (a fixity audit's parallel reads): the SM3 of two
 * files runs on two cores.
 */
export function fileDigestPool(): DigestPool {
  byFiles ??= createDigestPool({ workers: 2, share: 'files' });
  return byFiles;
}
