// Reads only the metadata a catalogue needs (元数据.xml and 案卷元数据.xml) from a package — zip,
// folder or bag — without reading its content files.
import type { Finding } from '../checks/finding.ts';
import { finding } from '../checks/finding.ts';
import { parseRecordMetadata, parseVolumeMetadata } from '../metadata/index.ts';
import { isLitter, openPackage, resolveLimits, type PackageLimits, type PackageSource } from '../package/index.ts';
import type { CatalogueInput } from './model.ts';

const RECORD = '元数据.xml';
const VOLUME = '案卷元数据.xml';
const parent = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
const name = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** What the catalogue of a package is made of, and what could not be read (as findings). */
export async function readCatalogueInput(path: string, options: { limits?: Partial<PackageLimits> } = {}): Promise<{ input: CatalogueInput; problems: Finding[] }> {
  const limits = resolveLimits(options.limits);
  const source = await openPackage(path, { limits });
  const problems: Finding[] = [];
  const input: CatalogueInput = { records: [], volumes: [] };
  try {
    const entries = source.entries.filter((e) => !isLitter(e.path) && (name(e.path) === RECORD || name(e.path) === VOLUME));
    const volumeFolders = entries.filter((e) => name(e.path) === VOLUME).map((e) => parent(e.path));
    for (const e of entries) {
      const bytes = await readSmall(source, e.path, e.size, limits.maxMetadataBytes, problems);
      if (!bytes) continue;
      const folder = parent(e.path);
      if (name(e.path) === VOLUME) {
        const r = parseVolumeMetadata(bytes, e.path);
        problems.push(...r.findings.filter((f) => f.item === '3-1' && f.severity !== 'warn'));
        if (r.value) input.volumes.push({ folder, volume: r.value });
      } else {
        const r = parseRecordMetadata(bytes, e.path);
        problems.push(...r.findings.filter((f) => f.item === '3-1' && f.severity !== 'warn'));
        const volume = volumeFolders.filter((v) => folder.startsWith(`${v}/`)).sort((a, b) => b.length - a.length)[0];
        if (r.value) input.records.push({ folder, record: r.value, ...(volume === undefined ? {} : { volume }) });
      }
    }
    if (source.layout === 'unknown' || source.layout === 'bagit') problems.push(finding('1-13', 'package', '不是规定的信息包结构，没有可编目的档案 (not the package layout: nothing to catalogue)'));
  } finally {
    await source.close();
  }
  return { input, problems };
}

async function readSmall(source: PackageSource, path: string, size: number, max: number, problems: Finding[]): Promise<Uint8Array | undefined> {
  const entry = source.entry(path);
  if (!entry?.readable) {
    problems.push(finding('1-13', path, '无法读取 (entry not readable)'));
    return undefined;
  }
  if (size > max) {
    problems.push(finding('3-1', path, `文件超过 ${max} 字节，未解析 (file too large to parse)`, { actual: String(size) }));
    return undefined;
  }
  const stream = await source.open(path);
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const result = await stream.result;
  if (!result.ok) {
    problems.push(result.finding);
    return undefined;
  }
  return Buffer.concat(chunks);
}
