// Safe XML for content files (XML documents, OFD parts, XMP packets): DOCTYPE/ENTITY refused
// before parsing, well-formedness from XMLValidator, typed-safe parsing with fast-xml-parser.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const DOCTYPE = /<!DOCTYPE|<!ENTITY/i;

export type XmlCheck = { ok: true } | { ok: false; reason: string };

/** Well-formed, and without DOCTYPE or entity declarations. */
export function checkXmlText(text: string): XmlCheck {
  if (DOCTYPE.test(text)) return { ok: false, reason: '含有 DOCTYPE 或 ENTITY 声明（DOCTYPE/ENTITY declarations are refused）' };
  const v = XMLValidator.validate(text, { allowBooleanAttributes: true });
  if (v === true) return { ok: true };
  return { ok: false, reason: `XML 格式不正确（not well-formed）: ${v.err.msg} (line ${v.err.line}, col ${v.err.col})` };
}

/** Parses XML already checked with checkXmlText; attributes under '@_', values as strings. */
export function parseXml(text: string, removeNSPrefix = false): Record<string, unknown> {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    removeNSPrefix,
    processEntities: true,
    htmlEntities: true,
    trimValues: true,
  });
  return parser.parse(text) as Record<string, unknown>;
}

/** Decodes XML bytes as UTF-8 (the encoding OFD and XMP use); a UTF-8 BOM is dropped. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The text of an element value as fast-xml-parser gives it (string, or object with '#text'). */
export function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (v && typeof v === 'object' && '#text' in v) return textOf((v as Record<string, unknown>)['#text']);
  return undefined;
}

export const asArray = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
