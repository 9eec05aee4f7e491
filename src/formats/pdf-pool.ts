// pdf.js on worker threads: the check of a PDF kept whole (opens, pages load, /Encrypt, XMP) runs
// on one of a few workers, each with its own pdf.js, so it runs beside the reading, hashing and
// metadata rules of the main thread instead of after them. The bytes are handed over (transferred,
// not copied again): the main thread has already hashed them, and keeps its own sample.
//
// A worker that dies or hangs past the time limit is replaced; its file is reported unreadable
// with the reason, as an in-thread failure of pdf.js would be.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { hasTrailerEncrypt, type PdfAnalysis, type PdfRunner } from './pdf.ts';

export interface PdfPool extends PdfRunner {
  readonly size: number;
  close(): Promise<void>;
}

interface Job {
  id: number;
  bytes: Uint8Array;
  maxPages: number;
  timeoutMs: number;
  /** /Encrypt in the trailer: what a failure reports, as pdf.ts does when pdf.js fails. */
  rawEncrypt: boolean;
  resolve: (a: PdfAnalysis) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  timer?: NodeJS.Timeout;
}

/** Threads for pdf.js: DANGAN_PDF_WORKERS if set, else one fewer than the cores (at least 1, at most 4). */
export function defaultPdfWorkers(env: NodeJS.ProcessEnv = process.env): number {
  const set = env.DANGAN_PDF_WORKERS;
  if (set !== undefined && /^\d+$/.test(set)) return Math.min(16, Number(set));
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

const WORKER_URL = new URL('./pdf-worker.ts', import.meta.url);
const YOUNG_GENERATION_MB = 8;

export function createPdfPool(size = defaultPdfWorkers()): PdfPool {
  if (size < 1) throw new Error('pdf pool: size must be at least 1');
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;

  function spawn(): Slot {
    // A small young generation: left alone, V8 grows a busy isolate's to 128 MB (pdf.js makes
    // garbage fast), which made a pool of one worker cost ~120 MB of RSS instead of ~40.
    const slot: Slot = { worker: new Worker(WORKER_URL, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } }) };
    slot.worker.on('message', (m: { id: number; analysis: PdfAnalysis }) => {
      const job = slot.job;
      if (!job || job.id !== m.id) return;
      finish(slot, m.analysis);
    });
    const died = (why: string) => {
      const i = slots.indexOf(slot);
      if (i >= 0) slots.splice(i, 1);
      const job = slot.job;
      slot.job = undefined;
      clearTimeout(slot.timer);
      if (job) job.resolve(failed(`PDF 检查进程异常结束（the pdf.js worker ${why}）`, job.rawEncrypt));
      if (!closed) pump();
    };
    slot.worker.on('error', (e) => died(`failed: ${e.message}`));
    slot.worker.on('exit', (code) => died(`exited with code ${code}`));
    slot.worker.unref();
    slots.push(slot);
    return slot;
  }

  function finish(slot: Slot, analysis: PdfAnalysis) {
    const job = slot.job!;
    slot.job = undefined;
    clearTimeout(slot.timer);
    slot.worker.unref();
    job.resolve(analysis);
    pump();
  }

  function pump() {
    while (queue.length > 0) {
      let slot = slots.find((s) => !s.job);
      if (!slot && slots.length < size) slot = spawn();
      if (!slot) return;
      const job = queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      // pdf.js gives up at timeoutMs itself; this catches a worker stuck in a loop that never yields
      const s = slot;
      s.timer = setTimeout(() => {
        if (s.job !== job) return;
        s.job = undefined;
        job.resolve(failed(`PDF 无法打开（pdf.js）: PDF 解析超时（timed out after ${job.timeoutMs} ms）`, job.rawEncrypt));
        void s.worker.terminate();
      }, job.timeoutMs + 5_000);
      s.worker.postMessage({ id: job.id, bytes: job.bytes, maxPages: job.maxPages, timeoutMs: job.timeoutMs }, [job.bytes.buffer as ArrayBuffer]);
    }
  }

  return {
    size,
    analyze(bytes, options) {
      if (closed) return Promise.reject(new Error('pdf pool: closed'));
      // a private copy, handed over whole: the caller keeps its bytes (its sample still needs them)
      const own = new Uint8Array(bytes.byteLength);
      own.set(bytes);
      const rawEncrypt = hasTrailerEncrypt(bytes.subarray(Math.max(0, bytes.byteLength - 128 * 1024)));
      return new Promise<PdfAnalysis>((resolve) => {
        queue.push({ id: nextId++, bytes: own, maxPages: options.maxPages, timeoutMs: options.timeoutMs, rawEncrypt, resolve });
        pump();
      });
    },
    async close() {
      closed = true;
      for (const j of queue.splice(0)) j.resolve(failed('PDF 检查已停止（the pdf.js pool was closed）', j.rawEncrypt));
      await Promise.all(slots.splice(0).map((s) => s.worker.terminate()));
    },
  };
}

function failed(reason: string, encrypted: boolean): PdfAnalysis {
  return { opened: false, reason, passwordRequired: false, tooLarge: false, encrypted };
}

let shared: PdfPool | undefined;
/**
 * The process-wide pool (threads start on first use, idle ones do not keep the process alive);
 * undefined when DANGAN_PDF_WORKERS=0 (pdf.js then runs on the calling thread).
 */
export function pdfPool(): PdfPool | undefined {
  const size = defaultPdfWorkers();
  if (size === 0) return undefined;
  shared ??= createPdfPool(size);
  return shared;
}
