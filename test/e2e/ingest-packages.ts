// Makes valid packages for the ingest tests and bench: `count` records of one PDF each, in the 件号
// group (fonds, WS, year, Y, division) from `first` on, as a stored zip — each package in its own
// group (or continuing one) so that many can be archived side by side.
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { dirname } from 'node:path';
import yazl from 'yazl';
import { writeCatalogue, writeDescription, writeRecordMetadata, type CatalogueEntry, type Draft, type RecordMetadata } from '../../src/metadata/index.ts';
import { makePdf } from '../../scripts/bench/packages.ts';

export interface PackageSpec {
  fonds?: string;
  year?: string;
  /** 机构或问题: the group; give each package its own to archive them independently. */
  division: string;
  /** First 件号 (default 1). */
  first?: number;
  count?: number;
  /** Image payload bytes per PDF. */
  pdfBytes?: number;
}

const sm3 = (b: Uint8Array) => createHash('sm3').update(b).digest('hex');

export function codeOf(spec: PackageSpec, n: number): string {
  return `${spec.fonds ?? 'J001'}-WS·${spec.year ?? '2024'}-Y-${spec.division}-${String(n).padStart(4, '0')}`;
}

/** Writes the package; returns its record codes. */
export async function writeIngestPackage(zipPath: string, spec: PackageSpec): Promise<string[]> {
  const fonds = spec.fonds ?? 'J001';
  const year = spec.year ?? '2024';
  const first = spec.first ?? 1;
  const count = spec.count ?? 2;
  mkdirSync(dirname(zipPath), { recursive: true });
  const zip = new yazl.ZipFile();
  const out = createWriteStream(zipPath);
  zip.outputStream.pipe(out);
  const manifest: string[] = [];
  const catalogue: Draft<CatalogueEntry>[] = [];
  const codes: string[] = [];
  let bytes = 0;
  const unit = '某某县人民政府办公室';
  const add = async (path: string, data: Buffer) => {
    manifest.push(`${sm3(data)}  ${path}`);
    zip.addBuffer(data, path, { compress: false, mtime: new Date('2024-07-01T00:00:00Z') });
    if (out.writableLength > 64 * 1024 * 1024) await once(out, 'drain');
    await new Promise((r) => setImmediate(r));
  };
  for (let i = first; i < first + count; i++) {
    const n = String(i).padStart(4, '0');
    const code = codeOf(spec, i);
    codes.push(code);
    const pdf = makePdf(spec.pdfBytes ?? 2000, `${spec.division}-${n}`);
    bytes += pdf.length;
    const date = `${year}${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}`;
    const record: Draft<RecordMetadata> = {
      version: '1.0',
      aggregationLevel: '件',
      provenance: { unitName: unit },
      recordId: `${fonds}-${year}-${spec.division}-${n}`,
      archivalCode: { fonds, category: 'WS', year, retention: 'Y', division: spec.division, itemNumber: n },
      description: { title: `测试文件 ${spec.division} 第${i}件`, author: unit, date, classification: '公开' },
      form: { compositionType: '单件', pageCount: '1' },
      files: [{ sequence: '1', role: '主文档', fileName: '正文.pdf', size: String(pdf.length), format: 'PDF', digest: sm3(pdf), signatures: [] }],
      processes: [],
    };
    catalogue.push({ sequence: String(i - first + 1), archivalCode: code, title: record.description!.title, author: unit, date, retention: 'Y', classification: '公开', pageCount: '1' });
    await add(`${code}/元数据.xml`, Buffer.from(writeRecordMetadata(record)));
    await add(`${code}/正文.pdf`, pdf);
  }
  await add('目录文件.xml', Buffer.from(writeCatalogue(catalogue)));
  await add(
    '说明文件.txt',
    Buffer.from(writeDescription({ unitName: unit, fonds, recordCount: String(count), fileCount: String(count), totalBytes: String(bytes), digestAlgorithmText: 'SM3', digestAlgorithm: 'sm3', extra: {} })),
  );
  zip.addBuffer(Buffer.from(manifest.join('\n') + '\n'), 'manifest-sm3.txt', { compress: false });
  zip.end();
  await once(out, 'close');
  return codes;
}
