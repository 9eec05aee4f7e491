// Renders the XSDs in schemas/ from the scheme, so the published schema and the runtime never drift.
// Regenerate with: npx node src/metadata/xsd.ts   (a test fails when schemas/ is out of date)
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { escapeXml } from './scheme-io.ts';
import {
  CATALOGUE_DEF,
  RECORD_DEF,
  VALUE_TYPES,
  VOLUME_DEF,
  flatChildren,
  maxLengthOf,
  type ChildDef,
  type DocumentDef,
  type LeafDef,
  type ValueType,
} from './scheme.ts';

/** The published schema files: file name in schemas/ → the document it describes. */
export const XSD_FILES: readonly { file: string; def: DocumentDef; title: string }[] = [
  { file: 'record-metadata.xsd', def: RECORD_DEF, title: '元数据.xml (电子文件元数据, one record 件)' },
  { file: 'volume-metadata.xsd', def: VOLUME_DEF, title: '案卷元数据.xml (one volume 卷)' },
  { file: 'catalogue.xsd', def: CATALOGUE_DEF, title: '目录文件.xml (文件目录, the package catalogue)' },
];

const attr = (s: string) => escapeXml(s, true);

function usedTypes(def: DocumentDef): ValueType[] {
  const names = new Set<string>();
  const walk = (children: readonly ChildDef[]) => {
    for (const c of flatChildren(children)) {
      if (c.kind === 'leaf') names.add(c.type.name);
      else walk(c.children);
    }
  };
  walk(def.children);
  return VALUE_TYPES.filter((t) => names.has(t.name));
}

function simpleType(t: ValueType, indent: string): string[] {
  const facets = t.enumeration
    ? t.enumeration.map((v) => `${indent}    <xs:enumeration value="${attr(v)}"/>`)
    : t.pattern
      ? [`${indent}    <xs:pattern value="${attr(t.pattern)}"/>`]
      : [];
  return [
    `${indent}<xs:simpleType name="${t.name}">`,
    `${indent}  <xs:annotation><xs:documentation>${escapeXml(t.doc)}</xs:documentation></xs:annotation>`,
    `${indent}  <xs:restriction base="xs:string">`,
    ...facets,
    `${indent}  </xs:restriction>`,
    `${indent}</xs:simpleType>`,
  ];
}

function occurs(min: boolean, repeated: boolean): string {
  return `${min ? '' : ' minOccurs="0"'}${repeated ? ' maxOccurs="unbounded"' : ''}`;
}

function leafElement(l: LeafDef, indent: string): string[] {
  const facets: string[] = [];
  const emptyFits = !l.type.enumeration && new RegExp(`^(?:${l.type.pattern ?? ''})$`, 'u').test('');
  if (l.required && emptyFits) facets.push('<xs:minLength value="1"/>');
  const max = maxLengthOf(l);
  if (max !== undefined && !l.type.enumeration) facets.push(`<xs:maxLength value="${max}"/>`);
  if (facets.length === 0) return [`${indent}<xs:element name="${l.name}" type="${l.type.name}"${occurs(l.required, false)}/>`];
  return [
    `${indent}<xs:element name="${l.name}"${occurs(l.required, false)}>`,
    `${indent}  <xs:simpleType><xs:restriction base="${l.type.name}">${facets.join('')}</xs:restriction></xs:simpleType>`,
    `${indent}</xs:element>`,
  ];
}

function sequence(children: readonly ChildDef[], indent: string): string[] {
  const out = [`${indent}<xs:sequence>`];
  for (const c of children) {
    if (c.kind === 'leaf') out.push(...leafElement(c, indent + '  '));
    else if (c.kind === 'group') {
      out.push(
        `${indent}  <xs:element name="${c.name}"${occurs(c.required, c.repeated)}>`,
        `${indent}    <xs:complexType>`,
        ...sequence(c.children, indent + '      '),
        `${indent}    </xs:complexType>`,
        `${indent}  </xs:element>`,
      );
    } else {
      out.push(`${indent}  <xs:choice>`);
      for (const b of c.branches) out.push(...sequence(b.children, indent + '    '));
      out.push(`${indent}  </xs:choice>`);
    }
  }
  out.push(`${indent}</xs:sequence>`);
  return out;
}

/** The XSD text of one document definition. */
export function renderXsd(def: DocumentDef, title: string): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<!-- dangan: ${escapeXml(title)}. Generated from src/metadata/scheme.ts; do not edit by hand. -->`,
    '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">',
    ...usedTypes(def).flatMap((t) => simpleType(t, '  ')),
    `  <xs:element name="${def.root}">`,
    '    <xs:complexType>',
    ...sequence(def.children, '      '),
    ...def.attributes.map((a) => `      <xs:attribute name="${a.name}" type="xs:string" use="${a.required ? 'required' : 'optional'}"/>`),
    '    </xs:complexType>',
    '  </xs:element>',
    '</xs:schema>',
    '',
  ];
  return lines.join('\n');
}

/** The schemas/ folder of this checkout. */
export const SCHEMAS_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));

if (import.meta.main) {
  for (const x of XSD_FILES) writeFileSync(SCHEMAS_DIR + x.file, renderXsd(x.def, x.title));
  console.log(`wrote ${XSD_FILES.map((x) => x.file).join(', ')} to ${SCHEMAS_DIR}`);
}
