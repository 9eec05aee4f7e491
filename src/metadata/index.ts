// The metadata module's public face: the record model, its parsers and writers, 档号, the scheme.
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
