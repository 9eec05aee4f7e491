// The part of a small-file check no faster reading can remove: pdf.js's readability and encryption
// check (src/formats) over `n` one-page PDFs like the bench package's, in-process, nothing else.
// Prints one JSON line: { files, seconds, cpuSeconds }.
import { assessContentFile } from '../../src/formats/index.ts';
import { sampleFromBytes } from '../../src/formats/sample.ts';
import { makePdf } from './packages.ts';

const n = Number(process.argv[2] ?? '1000');
const pdfBytes = Number(process.argv[3] ?? '2048');
const pdfs = Array.from({ length: Math.min(n, 500) }, (_, i) => makePdf(pdfBytes, String(i).padStart(4, '0')));
await assessContentFile(sampleFromBytes(pdfs[0]!), { target: 'warm-up.pdf', recordedFormat: 'PDF' });
const t0 = performance.now();
const c0 = process.cpuUsage();
for (let i = 0; i < n; i++) {
  const a = await assessContentFile(sampleFromBytes(pdfs[i % pdfs.length]!), { target: `${i}.pdf`, recordedFormat: 'PDF' });
  if (a.findings.length) throw new Error(`pdf-alone: unexpected finding ${JSON.stringify(a.findings[0])}`);
}
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ files: n, seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 }));
