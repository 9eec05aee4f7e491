// Generates the benchmark packages on disk, streaming (nothing package-sized in memory): many
// PDFs of a given size, stored (not deflated) in a zip, with correct metadata, 说明文件, 目录文件
// and manifest-sm3.txt — a package `dangan check` accepts.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import yazl from 'yazl';
import { writeCatalogue, writeDescription, writeRecordMetadata, type CatalogueEntry, type Draft, type RecordMetadata } from '../../src/metadata/index.ts';

/** A valid one-page PDF whose page carries an image XObject of `payload` random bytes. */
export function makePdf(payload: number, seed: string): Buffer {
  const image = randomBytes(payload);
  const side = Math.max(1, Math.floor(Math.sqrt(payload / 3)));
  const text = `BT /F1 12 Tf 72 720 Td (dangan bench ${seed}) Tj ET q 100 0 0 100 72 500 cm /Im1 Do Q`;
  const objects: Buffer[] = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>'),
    Buffer.from('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>'),
    Buffer.from(`<< /Length ${text.length} >>\nstream\n${text}\nendstream`),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'),
    Buffer.concat([
      Buffer.from(`<< /Type /XObject /Subtype /Image /Width ${side} /Height ${side} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length ${image.length} >>\nstream\n`),
      image,
      Buffer.from('\nendstream'),
    ]),
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  const offsets: number[] = [];
  let pos = parts[0].length;
  objects.forEach((body, i) => {
    const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')]);
    offsets.push(pos);
    parts.push(obj);
    pos += obj.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${pos}\n%%EOF\n`));
  return Buffer.concat(parts);
}

export interface BenchPackage {
  zip: string;
  records: number;
  files: number;
  bytes: number;
}

const sm3 = (b: Uint8Array) => createHash('sm3').update(b).digest('hex');

/**
 * Writes `records` records of one PDF each (`pdfBytes` of image payload) as a stored zip at `zipPath`.
 * Metadata is kept small; each PDF is made, hashed and handed to the zip writer one at a time.
 */
export async function writeBenchPackage(zipPath: string, records: number, pdfBytes: number): Promise<BenchPackage> {
  mkdirSync(dirname(zipPath), { recursive: true });
  const zip = new yazl.ZipFile();
  const out = createWriteStream(zipPath);
  zip.outputStream.pipe(out);
  const manifest: string[] = [];
  const catalogue: Draft<CatalogueEntry>[] = [];
  let bytes = 0;
  const unit = '某某县人民政府办公室';
  const add = async (path: string, data: Buffer) => {
    manifest.push(`${sm3(data)}  ${path}`);
    zip.addBuffer(data, path, { compress: false, mtime: new Date('2024-07-01T00:00:00Z') });
    // let the zip writer drain before making the next file, so memory stays flat
    if (out.writableLength > 64 * 1024 * 1024) await once(out, 'drain');
    await new Promise((r) => setImmediate(r));
  };
  for (let i = 1; i <= records; i++) {
    // 件号 are four digits and run from 1 in each group (机构或问题): 5,000 records per group.
    const group = `B${Math.ceil(i / 5000)}`;
    const n = String(((i - 1) % 5000) + 1).padStart(4, '0');
    const code = `J001-WS·2024-Y-${group}-${n}`;
    const pdf = makePdf(pdfBytes, n);
    bytes += pdf.length;
    const date = `2024${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}`;
    const record: Draft<RecordMetadata> = {
      version: '1.0',
      aggregationLevel: '件',
      provenance: { unitName: unit },
      recordId: `3301-2024-${String(i).padStart(6, '0')}`,
      archivalCode: { fonds: 'J001', category: 'WS', year: '2024', retention: 'Y', division: group, itemNumber: n },
      description: { title: `基准测试文件 ${n}`, author: unit, date, classification: '公开' },
      form: { compositionType: '单件', pageCount: '1' },
      files: [{ sequence: '1', role: '主文档', fileName: '正文.pdf', size: String(pdf.length), format: 'PDF', digest: sm3(pdf), signatures: [] }],
      processes: [],
    };
    catalogue.push({ sequence: String(i), archivalCode: code, title: record.description!.title, author: unit, date, retention: 'Y', classification: '公开', pageCount: '1' });
    await add(`${code}/元数据.xml`, Buffer.from(writeRecordMetadata(record)));
    await add(`${code}/正文.pdf`, pdf);
  }
  await add('目录文件.xml', Buffer.from(writeCatalogue(catalogue)));
  await add(
    '说明文件.txt',
    Buffer.from(writeDescription({ unitName: unit, fonds: 'J001', recordCount: String(records), fileCount: String(records), totalBytes: String(bytes), digestAlgorithmText: 'SM3', digestAlgorithm: 'sm3', extra: {} })),
  );
  zip.addBuffer(Buffer.from(manifest.join('\n') + '\n'), 'manifest-sm3.txt', { compress: false });
  zip.end();
  await once(out, 'close');
  return { zip: zipPath, records, files: records * 2 + 3, bytes };
}

/** The same package unpacked into a folder (for `zip -0 -r` style baselines). */
export function writeFile(path: string, data: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}
export { join };
