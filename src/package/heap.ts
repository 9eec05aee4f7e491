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

let open = 0;
/** The process's own setting (bin/dangan.js sets it through setHeapGrowth); 0 is V8's default, its own heuristic. */
let baseline = 0;

/** Sets the old generation's growth for the process (bin/dangan.js, before any work); readers tighten it for a while. */
export function setHeapGrowth(percent: number): void {
  baseline = percent;
  if (open === 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * Lets the old generation grow to at most 1.5x its live set while a package of MANY_ENTRIES or more
 * is open (V8 reads the flag at each collection; the flag is process-wide, so the setting holds
 * while any such reader is open, and the process's own is back once the last one closes: a
 * long-running service that read a many-file package is not left tuned for it). Returns the release.
 */
export function tightenHeapGrowth(): () => void {
  if (open++ === 0) v8.setFlagsFromString(`--heap-growing-percent=${TIGHT_GROWING_PERCENT}`);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--open === 0) v8.setFlagsFromString(`--heap-growing-percent=${baseline}`);
  };
}
