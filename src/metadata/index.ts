// The metadata module's public face: the record model, its parsers and writers, 档号, the scheme.
//
// Parsers take the file's bytes and its package-relative path, never throw on bad input, and
// return { value, findings }. The findings they make:
//   3-1   unreadable: too large, undeclared or unsupported encoding, DOCTYPE/ENTITY, characters XML
//         forbids, malformed XML (with line and column); for 元数据.xml and 案卷元数据.xml also a
//         wrong root, elements out of the scheme's order, repeated or unknown (warn) elements
//   1-12  目录文件.xml structure (root, order, repeats, unknown elements); 说明文件.txt lines that
//         are not key：value, missing/empty required keys, non-numeric counts, unknown 摘要算法
//   1-6   markup (child elements) inside a value
// Absent (undefined) and empty ('') values are left to the checks (GD-2-3, GD-2-4).
export type * from './model.ts';
export { parseRecordMetadata, parseVolumeMetadata, parseCatalogue, writeRecordMetadata, writeVolumeMetadata, writeCatalogue } from './xml-documents.ts';
export { parseDescription, writeDescription, DESCRIPTION_KEYS, DESCRIPTION_KEY_ALIASES, type DescriptionOptions } from './description.ts';
export { composeArchivalCode, parseArchivalCode, archivalCodeParts, archivalCodeOf, MIDDLE_DOT } from './archival-code.ts';
export { readXml, declaredEncoding, DEFAULT_MAX_XML_BYTES, type XmlOptions, type XmlElement, type XmlDocument, type XmlResult } from './xml.ts';
export { decodeText, decodePlainText, type TextEncodingName } from './text-encoding.ts';
export * from './domains.ts';
export {
  RECORD_DEF,
  VOLUME_DEF,
  CATALOGUE_DEF,
  CATALOGUE_ENTRY_DEF,
  ARCHIVAL_CODE_DEF,
  VOLUME_CODE_DEF,
  VALUE_TYPES,
  T as VALUE_TYPE,
  flatChildren,
  maxLengthOf,
  valueFits,
  valueProblem,
  visitElements,
  type ElementVisit,
  type DocumentDef,
  type ElementDef,
  type LeafDef,
  type GroupDef,
  type ChoiceDef,
  type ChildDef,
  type ValueType,
} from './scheme.ts';
export { renderXsd, XSD_FILES, SCHEMAS_DIR } from './xsd.ts';
export * from './samples.ts';
