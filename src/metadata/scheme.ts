// The metadata scheme as data: element names, order, cardinality, value types and model keys.
// Parsers, writers, the runtime order check and the XSDs in schemas/ are all derived from it.
import {
  CLASSIFICATIONS,
  COLOUR_MODES,
  COMPOSITION_TYPES,
  CONTROL_MARKS,
  DECISION_STAGES,
  FILE_ROLES,
  MATERIAL_CATEGORIES,
  RETENTION_CODES,
  RETENTION_WORDS,
  SIGNATURE_ALGORITHMS,
} from './domains.ts';

/**
 * A simple value type. `pattern` is an XML Schema regular expression (implicitly anchored);
 * the runtime uses the same text with ^( … )$ (the patterns below use only the common subset).
 */
export interface ValueType {
  name: string;
  pattern?: string;
  enumeration?: readonly string[];
  /** Default maximum length in characters; a leaf may set its own. */
  maxLength?: number;
  doc: string;
}

export interface LeafDef {
  kind: 'leaf';
  /** Element name as the standard writes it. */
  name: string;
  /** Property in the model. */
  key: string;
  required: boolean;
  type: ValueType;
  /** Overrides the type's maximum length. */
  maxLength?: number;
}

export interface GroupDef {
  kind: 'group';
  name: string;
  key: string;
  required: boolean;
  /** Repeated elements become arrays in the model (always present, maybe empty). */
  repeated: boolean;
  /** At least one when repeated and required. */
  children: ChildDef[];
}

/** Exactly one of several sequences (档号: item form or volume form). */
export interface ChoiceDef {
  kind: 'choice';
  branches: { name: string; children: ElementDef[] }[];
}

export type ElementDef = LeafDef | GroupDef;
export type ChildDef = ElementDef | ChoiceDef;

export interface DocumentDef {
  root: string;
  /** Attributes of the root: XML name → model key. */
  attributes: { name: string; key: string; required: boolean }[];
  children: ChildDef[];
}

// ---------------------------------------------------------------------------------------------
// Value types

const TEXT_CHARS = '[^\\s<>]([^<>\\t\\n\\r]*[^\\s<>])?';
const retentionValues = [...RETENTION_CODES, ...Object.keys(RETENTION_WORDS)];

export const T = {
  text: { name: 'Text', pattern: `(${TEXT_CHARS})?`, maxLength: 200, doc: 'text: no markup, control characters, or leading/trailing spaces' },
  longText: {
    name: 'LongText',
    pattern: '([^\\s<>]([^<>\\t]*[^\\s<>])?)?',
    maxLength: 2000,
    doc: 'free text: like Text, but may span lines',
  },
  base64: { name: 'Base64', pattern: '[A-Za-z0-9+/=\\s]*', maxLength: 65536, doc: 'base64' },
  date: { name: 'Date', pattern: '\\d{8}|\\d{4}-\\d{2}-\\d{2}', doc: 'YYYYMMDD (YYYY-MM-DD accepted with a warning)' },
  dateTime: {
    name: 'DateTime',
    pattern: '\\d{8}|\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+\\-]\\d{2}:\\d{2})?)?',
    doc: 'ISO 8601 date-time (or YYYYMMDD)',
  },
  dateRange: { name: 'DateRange', pattern: '\\d{8}-\\d{8}', doc: 'YYYYMMDD-YYYYMMDD' },
  year: { name: 'Year', pattern: '\\d{4}', doc: 'four-digit year' },
  count: { name: 'Count', pattern: '\\d{1,18}', doc: 'non-negative integer' },
  fonds: { name: 'FondsCode', pattern: '[A-Za-z0-9]{1,16}', doc: '全宗号: 1–16 letters/digits' },
  category: { name: 'CategoryCode', pattern: '[A-Z]{2,4}', doc: '门类代码: 2–4 capital letters' },
  codeSegment: { name: 'CodeSegment', pattern: '[A-Za-z0-9]{1,16}', doc: '机构或问题, 目录号: 1–16 letters/digits' },
  serial: { name: 'Serial', pattern: '\\d{1,10}', doc: '件号, 案卷号, 卷内顺序号: digits, zero-padded' },
  pageRange: { name: 'PageRange', pattern: '\\d{1,6}(/\\d{1,6})?', doc: '页号: first/last page' },
  digest: { name: 'Digest', pattern: '[0-9a-f]{64}', doc: 'lowercase hex of SM3 or SHA-256' },
  retention: { name: 'Retention', enumeration: retentionValues, doc: '保管期限: Y, D30, D10 (words with a warning)' },
  classification: { name: 'Classification', enumeration: CLASSIFICATIONS, doc: '密级 (GB/T 7156)' },
  compositionType: { name: 'CompositionType', enumeration: COMPOSITION_TYPES, doc: '文件组合类型' },
  fileRole: { name: 'FileRole', enumeration: FILE_ROLES, doc: '文档主从声明' },
  signatureAlgorithm: { name: 'SignatureAlgorithm', enumeration: SIGNATURE_ALGORITHMS, doc: '签名算法标识' },
  controlMark: { name: 'ControlMark', enumeration: CONTROL_MARKS, doc: '控制标识' },
  decisionStage: { name: 'DecisionStage', enumeration: DECISION_STAGES, doc: '决策阶段' },
  materialCategory: { name: 'MaterialCategory', enumeration: MATERIAL_CATEGORIES, doc: '材料类别' },
  colourMode: { name: 'ColourMode', enumeration: COLOUR_MODES, doc: '扫描色彩模式' },
  recordLevel: { name: 'RecordLevel', enumeration: ['件'], doc: '聚合层次 of a record' },
  volumeLevel: { name: 'VolumeLevel', enumeration: ['卷'], doc: '聚合层次 of a volume' },
  archivalCode: {
    name: 'ArchivalCode',
    pattern:
      `[A-Za-z0-9]{1,16}-[A-Z]{2,4}\u00b7\\d{4}-(${retentionValues.join('|')})(-[A-Za-z0-9]{1,16})?-\\d{1,10}` +
      '|[A-Za-z0-9]{1,16}-[A-Za-z0-9]{1,16}-\\d{1,10}(-\\d{1,10})?',
    doc: '档号, item form or volume form',
  },
} as const satisfies Record<string, ValueType>;

export const VALUE_TYPES: readonly ValueType[] = Object.values(T);

const leaf = (name: string, key: string, type: ValueType, required = true, maxLength?: number): LeafDef => ({
  kind: 'leaf',
  name,
  key,
  required,
  type,
  ...(maxLength === undefined ? {} : { maxLength }),
});
const opt = (name: string, key: string, type: ValueType, maxLength?: number) => leaf(name, key, type, false, maxLength);
const group = (name: string, key: string, required: boolean, repeated: boolean, children: ChildDef[]): GroupDef => ({
  kind: 'group',
  name,
  key,
  required,
  repeated,
  children,
});

// ---------------------------------------------------------------------------------------------
// 档号 (elements)

const itemCodeBranch: ElementDef[] = [
  leaf('门类代码', 'category', T.category),
  leaf('年度', 'year', T.year),
  leaf('保管期限', 'retention', T.retention),
  opt('机构或问题', 'division', T.codeSegment),
  leaf('件号', 'itemNumber', T.serial),
];

export const ARCHIVAL_CODE_DEF: GroupDef = group('档号', 'archivalCode', true, false, [
  leaf('全宗号', 'fonds', T.fonds),
  {
    kind: 'choice',
    branches: [
      { name: 'item', children: itemCodeBranch },
      {
        name: 'volume',
        children: [
          leaf('目录号', 'catalogueNumber', T.codeSegment),
          leaf('案卷号', 'volumeNumber', T.serial),
          leaf('卷内顺序号', 'sequenceInVolume', T.serial),
          opt('页号', 'pageRange', T.pageRange),
        ],
      },
    ],
  },
]);

/** 档号 of a volume: 全宗号, 目录号, 案卷号 only. */
export const VOLUME_CODE_DEF: GroupDef = group('档号', 'archivalCode', true, false, [
  leaf('全宗号', 'fonds', T.fonds),
  leaf('目录号', 'catalogueNumber', T.codeSegment),
  leaf('案卷号', 'volumeNumber', T.serial),
]);

// ---------------------------------------------------------------------------------------------
// 元数据.xml

export const RECORD_DEF: DocumentDef = {
  root: '电子文件元数据',
  attributes: [{ name: '版本', key: 'version', required: false }],
  children: [
    leaf('聚合层次', 'aggregationLevel', T.recordLevel),
    group('来源', 'provenance', true, false, [
      opt('档案馆名称', 'archiveName', T.text),
      opt('档案馆代码', 'archiveCode', T.text, 32),
      opt('全宗名称', 'fondsName', T.text),
      leaf('立档单位名称', 'unitName', T.text),
    ]),
    leaf('电子文件号', 'recordId', T.text, true, 64),
    ARCHIVAL_CODE_DEF,
    group('内容描述', 'description', true, false, [
      leaf('题名', 'title', T.text, true, 500),
      opt('文件编号', 'documentNumber', T.text, 100),
      leaf('责任者', 'author', T.text),
      leaf('日期', 'date', T.date),
      leaf('密级', 'classification', T.classification),
      opt('文种', 'documentType', T.text, 20),
      opt('保密期限', 'secrecyPeriod', T.text, 20),
      opt('主题词', 'subjectTerms', T.text),
      opt('附注', 'annotation', T.longText),
      opt('决策阶段', 'decisionStage', T.decisionStage),
    ]),
    group('形式特征', 'form', true, false, [
      leaf('文件组合类型', 'compositionType', T.compositionType),
      opt('页数', 'pageCount', T.count),
    ]),
    group('办件信息', 'serviceCase', false, false, [
      leaf('事项编码', 'serviceItemCode', T.text, true, 64),
      leaf('事项名称', 'serviceItemName', T.text, true, 500),
      leaf('办件编号', 'caseNumber', T.text, true, 64),
      leaf('受理时间', 'acceptedAt', T.dateTime),
      leaf('办结时间', 'concludedAt', T.dateTime),
      leaf('办理结果', 'outcome', T.text),
      leaf('行政相对人名称', 'applicantName', T.text),
    ]),
    group('电子文件', 'files', true, true, [
      leaf('文档序号', 'sequence', T.serial),
      leaf('文档主从声明', 'role', T.fileRole),
      leaf('计算机文件名', 'fileName', T.text, true, 255),
      leaf('计算机文件大小', 'size', T.count),
      leaf('格式信息', 'format', T.text, true, 50),
      leaf('数字摘要', 'digest', T.digest),
      opt('文档创建程序', 'creatingApplication', T.text),
      opt('材料类别', 'materialCategory', T.materialCategory),
      opt('证照编号', 'licenceNumber', T.text, 100),
      opt('证照类型', 'licenceType', T.text, 100),
      group('数字化属性', 'digitization', false, false, [
        leaf('扫描分辨率', 'resolution', T.count),
        leaf('扫描色彩模式', 'colourMode', T.colourMode),
      ]),
      group('电子签名', 'signatures', false, true, [
        leaf('签名算法标识', 'algorithm', T.signatureAlgorithm),
        leaf('签名结果', 'value', T.base64),
        leaf('证书', 'certificate', T.base64),
        opt('签名时间', 'signedAt', T.dateTime),
        opt('签名人', 'signer', T.text),
      ]),
    ]),
    group('业务实体', 'processes', false, true, [
      leaf('业务状态', 'status', T.text, true, 50),
      leaf('业务行为', 'action', T.text, true, 50),
      leaf('行为时间', 'time', T.dateTime),
      leaf('机构人员名称', 'agentName', T.text),
    ]),
    group('权限管理', 'rights', false, false, [leaf('控制标识', 'controlMark', T.controlMark)]),
  ],
};

// ---------------------------------------------------------------------------------------------
// 案卷元数据.xml

export const VOLUME_DEF: DocumentDef = {
  root: '案卷元数据',
  attributes: [{ name: '版本', key: 'version', required: false }],
  children: [
    leaf('聚合层次', 'aggregationLevel', T.volumeLevel),
    VOLUME_CODE_DEF,
    leaf('案卷题名', 'title', T.text, true, 500),
    leaf('立档单位名称', 'unitName', T.text),
    leaf('起止日期', 'dateRange', T.dateRange),
    leaf('件数', 'recordCount', T.count),
    leaf('页数', 'pageCount', T.count),
    leaf('保管期限', 'retention', T.retention),
    leaf('立卷人', 'compiler', T.text, true, 50),
    leaf('检查人', 'checker', T.text, true, 50),
    leaf('立卷时间', 'compiledOn', T.date),
    opt('备考', 'notes', T.longText),
  ],
};

// ---------------------------------------------------------------------------------------------
// 目录文件.xml

export const CATALOGUE_ENTRY_DEF: GroupDef = group('文件', 'entries', false, true, [
  leaf('顺序号', 'sequence', T.serial),
  leaf('档号', 'archivalCode', T.archivalCode, true, 100),
  leaf('题名', 'title', T.text, true, 500),
  leaf('责任者', 'author', T.text),
  leaf('日期', 'date', T.date),
  leaf('保管期限', 'retention', T.retention),
  leaf('密级', 'classification', T.classification),
  opt('页数', 'pageCount', T.count),
  opt('备注', 'remarks', T.longText),
]);

export const CATALOGUE_DEF: DocumentDef = {
  root: '文件目录',
  attributes: [],
  children: [CATALOGUE_ENTRY_DEF],
};

// ---------------------------------------------------------------------------------------------
// Helpers

/** The element children of a group or document in document order, choice branches flattened. */
export function flatChildren(children: readonly ChildDef[]): ElementDef[] {
  return children.flatMap((c) => (c.kind === 'choice' ? c.branches.flatMap((b) => b.children) : [c]));
}

/** The maximum length of a leaf's value, if any. */
export function maxLengthOf(def: LeafDef): number | undefined {
  return def.maxLength ?? def.type.maxLength;
}

/**
 * What is wrong with a non-empty value for its leaf, if anything: 'length' (GD-1-2), 'domain' (a
 * closed vocabulary, GD-1-4) or 'format' (pattern, GD-1-3). Lengths count characters (code points).
 */
export function valueProblem(def: LeafDef, value: string): 'length' | 'domain' | 'format' | undefined {
  const max = maxLengthOf(def);
  if (max !== undefined && [...value].length > max) return 'length';
  if (def.type.enumeration) return def.type.enumeration.includes(value) ? undefined : 'domain';
  if (def.type.pattern && !new RegExp(`^(?:${def.type.pattern})$`, 'u').test(value)) return 'format';
  return undefined;
}

/** Whether a value fits a leaf's type (pattern, enumeration, length). */
export function valueFits(def: LeafDef, value: string): boolean {
  return valueProblem(def, value) === undefined;
}

/** One element of the scheme as found (or not) in a parsed document. */
export interface ElementVisit {
  /** Element path as the parser writes it (`电子文件元数据/电子文件[2]/数字摘要`). */
  path: string;
  def: ElementDef;
  present: boolean;
  /** A leaf's value as written; undefined for groups and absent leaves. */
  value?: string;
  /** The line of a present leaf, when the model came from a parser (it has `leaves`). */
  line?: number;
}

/**
 * Every element the scheme defines, in scheme order, as present or absent in a parsed (or draft)
 * model; the children of absent groups are not listed. For 档号 only the branch in use (item or
 * volume form; item when neither) is listed. Checks derive GD-2-3 (required and absent), GD-2-4
 * (required and '') and value rules (valueProblem) from this.
 */
export function visitElements(def: DocumentDef, doc: object): ElementVisit[] {
  const out: ElementVisit[] = [];
  visitGroup(def.children, doc as Record<string, unknown>, def.root, out);
  const leaves = (doc as { leaves?: { path: string; line: number }[] }).leaves;
  if (leaves) {
    const lines = new Map(leaves.map((l) => [l.path, l.line]));
    for (const v of out) {
      const line = v.present && v.def.kind === 'leaf' ? lines.get(v.path) : undefined;
      if (line !== undefined) v.line = line;
    }
  }
  return out;
}

function visitGroup(children: readonly ChildDef[], obj: Record<string, unknown>, at: string, out: ElementVisit[]): void {
  for (const c of children) {
    if (c.kind === 'choice') {
      const inUse = c.branches.find((b) => b.children.some((d) => obj[d.key] !== undefined)) ?? c.branches[0]!;
      visitGroup(inUse.children, obj, at, out);
      continue;
    }
    const v = obj[c.key];
    const path = `${at}/${c.name}`;
    if (c.kind === 'leaf') {
      out.push(v === undefined ? { path, def: c, present: false } : { path, def: c, present: true, value: String(v) });
    } else if (c.repeated) {
      const items = (v ?? []) as Record<string, unknown>[];
      if (items.length === 0) out.push({ path, def: c, present: false });
      items.forEach((item, i) => {
        out.push({ path: `${path}[${i + 1}]`, def: c, present: true });
        visitGroup(c.children, item, `${path}[${i + 1}]`, out);
      });
    } else {
      out.push({ path, def: c, present: v !== undefined });
      if (v !== undefined) visitGroup(c.children, v as Record<string, unknown>, path, out);
    }
  }
}
