// A pdf.js worker thread of the pool (pdf-pool.ts): analyses the PDFs it is handed, one at a time,
// with its own pdf.js, and answers with the plain-data PdfAnalysis.
//
// It never renders, so it does without @napi-rs/canvas (~20 MB of native code and memory): pdf.js
// requires it only to polyfill DOMMatrix, ImageData and Path2D for drawing. Here they are inert
// stand-ins, defined before pdf.js loads, and the require gets an empty module. Opening a document,
// loading its pages and their text, and reading its metadata do not draw.
//
// It loads pdf.js's minified build (the same code, shipped beside it): ~4.5 MB less source and
// bytecode in this isolate. pdf-pool.test.ts holds its answers to those of pdf.js on the main thread.
import module from 'node:module';
module.enableCompileCache?.(); // as bin/dangan.js does: pdf.js compiled once, not at every start
import { parentPort } from 'node:worker_threads';
import type { PdfAnalysis } from './pdf.ts';

const NO_CANVAS = 'dangan:no-canvas';
const MINIFIED: Record<string, string> = {
  'pdfjs-dist/legacy/build/pdf.mjs': 'pdfjs-dist/legacy/build/pdf.min.mjs',
  './pdf.worker.mjs': './pdf.worker.min.mjs', // pdf.js's own import of its core (the in-thread "fake" worker)
};
module.registerHooks({
  resolve(specifier, context, next) {
    if (specifier === '@napi-rs/canvas') return { url: NO_CANVAS, format: 'commonjs', shortCircuit: true };
    return next(MINIFIED[specifier] ?? specifier, context);
  },
  load(url, context, next) {
    if (url === NO_CANVAS) return { format: 'commonjs', source: 'module.exports = {};', shortCircuit: true };
    return next(url, context);
  },
});
class NoRendering {
  constructor() {
    // constructed by pdf.js at load time (a constant matrix); any drawing use fails loudly
  }
}
const g = globalThis as Record<string, unknown>;
for (const name of ['DOMMatrix', 'ImageData', 'Path2D']) g[name] ??= class extends NoRendering {};

const { analyzeOwnedPdf } = await import('./pdf.ts');
const { errorText } = await import('./source.ts');

interface Job {
  id: number;
  bytes: Uint8Array;
  maxPages: number;
  timeoutMs: number;
}

parentPort!.on('message', (job: Job) => {
  analyzeOwnedPdf(job.bytes, job.maxPages, job.timeoutMs).then(
    (analysis) => parentPort!.postMessage({ id: job.id, analysis }),
    (err: unknown) => {
      // runPdfjs turns pdf.js's failures into data; this is for anything else
      const analysis: PdfAnalysis = { opened: false, reason: `PDF 无法打开（pdf.js）: ${errorText(err)}`, passwordRequired: false, tooLarge: false, encrypted: false };
      parentPort!.postMessage({ id: job.id, analysis });
    },
  );
});
