// V8's heap growth while a package of many small files is read. bin/dangan.js lets the old
// generation grow to 2x what is live before a full collection: 1.5x cost +20% CPU on a package of
// few large PDFs (pdf.js on the main thread makes garbage fast). A package of many files makes its
// garbage in the reader and the metadata parsers (pdf.js goes to worker threads there, see
// src/checks/engine.ts), where 1.5x costs no measurable CPU and cuts the peak: `dangan check` of
// 20,000 files 306 -> 246 MB RSS (40.0 vs 40.3 s CPU), reading 50,000 files 165-185 -> 145 MB.
import v8 from 'node:v8';

/** Entries from which a package counts as many small files (as the check's pdf.js pool does). */
export const MANY_ENTRIES = 2000;
const TIGHT_GROWING_PERCENT = 50;

let tightened = false;

/**
 * Lets the old generation grow to at most 1.5x its live set from now on (process-wide, once: V8
 * reads the flag at each collection). Called by readPackage for a package of MANY_ENTRIES or more.
 */
export function tightenHeapGrowth(): void {
  if (tightened) return;
  tightened = true;
  v8.setFlagsFromString(`--heap-growing-percent=${TIGHT_GROWING_PERCENT}`);
}
