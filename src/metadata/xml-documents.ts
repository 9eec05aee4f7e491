// Parsers and writers of the XML metadata documents: 元数据.xml, 案卷元数据.xml and 目录文件.xml.
import type { ItemNumber } from '../checks/finding.ts';
import type { Catalogue, Draft, Leaf, ParseResult, RecordMetadata, VolumeMetadata } from './model.ts';
import { CATALOGUE_DEF, RECORD_DEF, VOLUME_DEF, type DocumentDef } from './scheme.ts';
import { readDocument, writeDocument, type ReadContext } from './scheme-io.ts';
import { IncrementalXmlMismatch, readXml, readXmlIncremental, type XmlNode, type XmlOptions } from './xml.ts';

function parseWith<T>(def: DocumentDef, structureItem: ItemNumber, bytes: Uint8Array, path: string, options: XmlOptions): ParseResult<T> {
  // A large document's root children are read and converted one batch at a time (readXmlIncremental)
  const xml = readXmlIncremental(bytes, path, options);
  if (!xml.ok) return { value: undefined, findings: xml.findings };
  try {
    return convert<T>(def, structureItem, xml.root, path);
  } catch (e) {
    if (!(e instanceof IncrementalXmlMismatch)) throw e;
  }
  // a batch was not as the scan foresaw: the whole reading decides what the document holds
  const whole = readXml(bytes, path, options);
  if (!whole.ok) return { value: undefined, findings: whole.findings };
  return convert<T>(def, structureItem, whole.doc.root, path);
}

function convert<T>(def: DocumentDef, structureItem: ItemNumber, root: XmlNode, path: string): ParseResult<T> {
  const leaves: Leaf[] = [];
  const ctx: ReadContext = { target: path, structureItem, findings: [], leaves, consume: true };
  const obj = readDocument(def, root, ctx);
  if (!obj) return { value: undefined, findings: ctx.findings };
  return { value: { file: path, ...obj, leaves } as T, findings: ctx.findings };
}

/** 元数据.xml → RecordMetadata. Structure problems are '3-1' findings; never throws on bad input. */
export function parseRecordMetadata(bytes: Uint8Array, path: string, options: XmlOptions = {}): ParseResult<RecordMetadata> {
  return parseWith<RecordMetadata>(RECORD_DEF, '3-1', bytes, path, options);
}

/** 案卷元数据.xml → VolumeMetadata. Structure problems are '3-1' findings. */
export function parseVolumeMetadata(bytes: Uint8Array, path: string, options: XmlOptions = {}): ParseResult<VolumeMetadata> {
  return parseWith<VolumeMetadata>(VOLUME_DEF, '3-1', bytes, path, options);
}

/** 目录文件.xml → Catalogue (its entries). Unreadable XML is '3-1'; structure problems are '1-12'. */
export function parseCatalogue(bytes: Uint8Array, path: string, options: XmlOptions = {}): ParseResult<Catalogue> {
  return parseWith<Catalogue>(CATALOGUE_DEF, '1-12', bytes, path, options);
}

/** RecordMetadata → 元数据.xml text (UTF-8, the scheme's element order). */
export function writeRecordMetadata(record: Draft<RecordMetadata>): string {
  return writeDocument(RECORD_DEF, record as unknown as Record<string, unknown>);
}

/** VolumeMetadata → 案卷元数据.xml text. */
export function writeVolumeMetadata(volume: Draft<VolumeMetadata>): string {
  return writeDocument(VOLUME_DEF, volume as unknown as Record<string, unknown>);
}

/** Catalogue (or just its entries) → 目录文件.xml text. */
export function writeCatalogue(catalogue: Draft<Catalogue> | Draft<Catalogue>['entries']): string {
  const entries = Array.isArray(catalogue) ? catalogue : catalogue.entries;
  return writeDocument(CATALOGUE_DEF, { entries });
}
