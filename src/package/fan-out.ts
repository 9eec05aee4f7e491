// Hands every chunk of one read to several consumers (format sniffer, signature verifier, virus
// scanner…) with backpressure: the read advances when every active consumer has taken the chunk.

export type ChunkConsumer<T> = (chunks: AsyncIterable<Uint8Array>) => Promise<T>;

interface Channel {
  iterable: AsyncIterable<Uint8Array>;
  /** Resolves when the consumer took the chunk (or stopped listening). */
  put(chunk: Uint8Array): Promise<void>;
  end(err?: unknown): void;
  /** The consumer is gone: release a chunk it did not take, accept no more. */
  stop(): void;
  done: boolean;
}

function channel(): Channel {
  let pending: { chunk: Uint8Array; taken: () => void } | undefined;
  let waiting: ((r: IteratorResult<Uint8Array>) => void) | undefined;
  let waitingFail: ((e: unknown) => void) | undefined;
  let ended = false;
  let error: unknown;
  const ch: Channel = {
    done: false,
    put(chunk) {
      if (ch.done) return Promise.resolve();
      return new Promise<void>((taken) => {
        if (waiting) {
          const w = waiting;
          waiting = undefined;
          w({ value: chunk, done: false });
          taken();
        } else pending = { chunk, taken };
      });
    },
    stop() {
      ch.done = true;
      pending?.taken();
      pending = undefined;
    },
    end(err) {
      ended = true;
      error = err;
      if (waiting) {
        const w = waiting;
        const f = waitingFail!;
        waiting = undefined;
        if (err !== undefined) f(err);
        else w({ value: undefined, done: true });
      }
    },
    iterable: {
      [Symbol.asyncIterator]() {
        return {
          next(): Promise<IteratorResult<Uint8Array>> {
            if (pending) {
              const p = pending;
              pending = undefined;
              p.taken();
              return Promise.resolve({ value: p.chunk, done: false });
            }
            if (ended) return error !== undefined ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true });
            return new Promise((res, rej) => {
              waiting = res;
              waitingFail = rej;
            });
          },
          return(): Promise<IteratorResult<Uint8Array>> {
            // the consumer stopped early: it gets nothing more, and never holds the read up
            ch.stop();
            return Promise.resolve({ value: undefined, done: true });
          },
        };
      },
    },
  };
  return ch;
}

/**
 * Reads `source` once and gives each consumer its own async iterable of the same chunks. A
 * consumer may stop early; a read error reaches every consumer still listening. Never rejects:
 * each consumer's outcome is settled separately.
 */
export async function fanOut<T extends unknown[]>(
  source: AsyncIterable<Uint8Array>,
  consumers: { [K in keyof T]: ChunkConsumer<T[K]> },
): Promise<{ [K in keyof T]: PromiseSettledResult<T[K]> }> {
  const channels = consumers.map(() => channel());
  const outcomes = consumers.map((c, i) => {
    const p = Promise.resolve().then(() => c(channels[i].iterable));
    // a consumer that returns without draining must not stall the others
    void p.finally(() => channels[i].stop()).catch(() => {});
    return p;
  });
  try {
    for await (const chunk of source) {
      await Promise.all(channels.map((ch) => ch.put(chunk)));
    }
    for (const ch of channels) ch.end();
  } catch (err) {
    for (const ch of channels) ch.end(err);
  }
  return (await Promise.allSettled(outcomes)) as { [K in keyof T]: PromiseSettledResult<T[K]> };
}
