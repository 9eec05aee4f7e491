// The record model: typed views of 说明文件, 目录文件, 元数据.xml and 案卷元数据.xml, values kept as written.
//
// Conventions (every check relies on them):
// - every value is the string exactly as written (件号 '0001' stays '0001'); nothing is trimmed;
// - an element that is absent is `undefined`; present but empty (`<附注/>`) is `''`;
// - every parsed object carries `at`, its element path in the document (e.g.
//   `电子文件元数据/电子文件[2]/电子签名[1]`, 1-based like XPath), so a finding can name it:
//   the path of a field is `${obj.at}/<element name>` (see ELEMENT names in scheme.ts);
// - every parsed document carries `file` (its package-relative path) and `leaves` (every leaf
//   element in document order with its path and value) for checks that scan all values.
import type { DigestAlgorithm } from '../crypto/digest.ts';
import type { Finding } from '../checks/finding.ts';

export type { DigestAlgorithm };

/** One leaf element of a document: its element path and its text exactly as written. */
export interface Leaf {
  path: string;
  value: string;
  /** 1-based line of the element in the file. */
  line: number;
}

/** What every parsed document carries besides its fields. */
export interface Located {
  /** Package-relative path of the file the document was read from. */
  file: string;
  /** Every leaf element in document order. */
  leaves: Leaf[];
}

/** A parser's answer: the model (undefined when the file could not be read at all) and findings. */
export interface ParseResult<T> {
  value: T | undefined;
  findings: Finding[];
}

// ---------------------------------------------------------------------------------------------
// 说明文件.txt — package description

export interface DescriptionLine {
  /** 1-based line number. */
  line: number;
  key: string;
  value: string;
}

export interface PackageDescription {
  file: string;
  /** How the bytes were decoded. */
  encoding: 'utf-8' | 'gb18030';
  /** 立档单位名称 (also read from the alias 移交单位) — the unit whose records these are. */
  unitName?: string;
  /** 全宗号 — fonds code. */
  fonds?: string;
  /** 档案数量 — number of records (件), as written. */
  recordCount?: string;
  /** 文件数量 — number of content files, as written. */
  fileCount?: string;
  /** 总字节数 — sum of content file sizes, as written. */
  totalBytes?: string;
  /** 摘要算法 as written (e.g. 'SM3'). */
  digestAlgorithmText?: string;
  /** 摘要算法 understood: 'sm3' or 'sha256'; undefined when missing or unknown. */
  digestAlgorithm?: DigestAlgorithm;
  /** 起止档号 as written. */
  codeRange?: string;
  /** 起止档号 split at ～, ~ or 至 into first and last 档号. */
  codeRangeParts?: { first: string; last: string };
  /** 内容描述 — free text. */
  contentDescription?: string;
  /** 软硬件环境 — free text. */
  environment?: string;
  /** 形成时间 — when the package was made (ISO 8601, as written). */
  createdAt?: string;
  /** 来源系统 — the business system that made the package. */
  sourceSystem?: string;
  /** 应对结束日期 — end of an emergency response, YYYYMMDD (重特大事件 profile). */
  responseEndDate?: string;
  /** Keys this model does not know, as written (last one wins). */
  extra: Record<string, string>;
  /** Every `key：value` line as read, known or not, in order. */
  lines: DescriptionLine[];
}

// ---------------------------------------------------------------------------------------------
// 目录文件.xml — catalogue

/** 文件 — one catalogue entry. */
export interface CatalogueEntry {
  at: string;
  /** 顺序号 — sequence number. */
  sequence?: string;
  /** 档号 — archival code, the string form. */
  archivalCode?: string;
  /** 题名 — title. */
  title?: string;
  /** 责任者 — author (responsible party). */
  author?: string;
  /** 日期 — date, YYYYMMDD. */
  date?: string;
  /** 保管期限 — retention period code. */
  retention?: string;
  /** 密级 — security classification. */
  classification?: string;
  /** 页数 — page count (optional). */
  pageCount?: string;
  /** 备注 — remarks (optional). */
  remarks?: string;
}

/** 文件目录 — the catalogue file. */
export interface Catalogue extends Located {
  at: string;
  entries: CatalogueEntry[];
}

// ---------------------------------------------------------------------------------------------
// 档号 — archival code components (元素 <档号>)

/**
 * 档号 components as elements of 元数据.xml. Item form (按件): 全宗号, 门类代码, 年度, 保管期限,
 * 机构或问题?, 件号. Volume form (卷内文件): 全宗号, 目录号, 案卷号, 卷内顺序号, 页号?.
 * One type for both so that a mixed or broken one can still be read and reported.
 */
export interface ArchivalCodeElements {
  at: string;
  /** 全宗号 — fonds code. */
  fonds?: string;
  /** 门类代码 — record category code (WS 文书, KJ 科技, …). Item form. */
  category?: string;
  /** 年度 — year. Item form. */
  year?: string;
  /** 保管期限 — retention period code (Y, D30, D10). Item form. */
  retention?: string;
  /** 机构或问题 — organisational unit or subject code (optional). Item form. */
  division?: string;
  /** 件号 — item number within its group. Item form. */
  itemNumber?: string;
  /** 目录号 — catalogue number. Volume form. */
  catalogueNumber?: string;
  /** 案卷号 — volume (file) number. Volume form. */
  volumeNumber?: string;
  /** 卷内顺序号 — position of the record within its volume. Volume form (records). */
  sequenceInVolume?: string;
  /** 页号 — the record's first/last page in the volume, e.g. '15/17' (optional). */
  pageRange?: string;
}

/** 档号 of a record filed by item (件): `{全宗号}-{门类代码}·{年度}-{保管期限}[-{机构或问题}]-{件号}`. */
export interface ItemArchivalCode {
  form: 'item';
  fonds: string;
  category: string;
  year: string;
  retention: string;
  division?: string;
  itemNumber: string;
}

/** 档号 of a volume `J001-001-0012`, or of a record in it `J001-001-0012-003`. */
export interface VolumeArchivalCode {
  form: 'volume';
  fonds: string;
  catalogueNumber: string;
  volumeNumber: string;
  /** 卷内顺序号; absent for the volume itself. */
  sequenceInVolume?: string;
}

export type ArchivalCodeParts = ItemArchivalCode | VolumeArchivalCode;

// ---------------------------------------------------------------------------------------------
// 元数据.xml — one record (件)

/** 来源 — provenance. */
export interface Provenance {
  at: string;
  /** 档案馆名称 — archive name (optional). */
  archiveName?: string;
  /** 档案馆代码 — archive code (optional). */
  archiveCode?: string;
  /** 全宗名称 — fonds name (optional). */
  fondsName?: string;
  /** 立档单位名称 — the unit that formed the records. */
  unitName?: string;
}

/** 内容描述 — content description. */
export interface ContentDescription {
  at: string;
  /** 题名 — title. */
  title?: string;
  /** 文件编号 — document number (文号), optional. */
  documentNumber?: string;
  /** 责任者 — author (responsible party). */
  author?: string;
  /** 日期 — date, YYYYMMDD. */
  date?: string;
  /** 密级 — security classification. */
  classification?: string;
  /** 文种 — document type (通知, 纪要, 情况说明, 工作日志 …), optional. */
  documentType?: string;
  /** 保密期限 — secrecy period, optional. */
  secrecyPeriod?: string;
  /** 主题词 — subject terms, optional. */
  subjectTerms?: string;
  /** 附注 — annotation, optional. */
  annotation?: string;
  /** 决策阶段 — decision stage (重大行政决策 profile), last in 内容描述. */
  decisionStage?: string;
}

/** 形式特征 — form characteristics. */
export interface FormCharacteristics {
  at: string;
  /** 文件组合类型 — 单件 or 组合文件. */
  compositionType?: string;
  /** 页数 — page count, optional. */
  pageCount?: string;
}

/** 办件信息 — government-service case (政务服务 profile), after 形式特征. */
export interface ServiceCase {
  at: string;
  /** 事项编码 — service item code. */
  serviceItemCode?: string;
  /** 事项名称 — service item name. */
  serviceItemName?: string;
  /** 办件编号 — case number. */
  caseNumber?: string;
  /** 受理时间 — when the case was accepted. */
  acceptedAt?: string;
  /** 办结时间 — when the case was concluded. */
  concludedAt?: string;
  /** 办理结果 — outcome. */
  outcome?: string;
  /** 行政相对人名称 — the applicant (administrative counterpart). */
  applicantName?: string;
}

/** 数字化属性 — digitisation properties (数字化 profile). */
export interface DigitizationProperties {
  at: string;
  /** 扫描分辨率 — scan resolution in dpi. */
  resolution?: string;
  /** 扫描色彩模式 — 黑白二值, 灰度 or 彩色. */
  colourMode?: string;
}

/** 电子签名 — a signature over the exact bytes of a content file. */
export interface FileSignature {
  at: string;
  /** 签名算法标识 — SM2-SM3, RSA-SHA256 or ECDSA-SHA256. */
  algorithm?: string;
  /** 签名结果 — base64 of the signature. */
  value?: string;
  /** 证书 — base64 of the signer's DER certificate. */
  certificate?: string;
  /** 签名时间 — signing time, optional. */
  signedAt?: string;
  /** 签名人 — signer, optional. */
  signer?: string;
}

/** 电子文件 — one content file of the record. */
export interface ElectronicFile {
  at: string;
  /** 文档序号 — document sequence number. */
  sequence?: string;
  /** 文档主从声明 — 主文档 (main) or 附属文档 (attachment). */
  role?: string;
  /** 计算机文件名 — file name in the record folder. */
  fileName?: string;
  /** 计算机文件大小 — size in bytes. */
  size?: string;
  /** 格式信息 — format (PDF, PDF/A-2b, OFD, JPEG …). */
  format?: string;
  /** 数字摘要 — lowercase hex digest, algorithm per 说明文件. */
  digest?: string;
  /** 文档创建程序 — creating application, optional. */
  creatingApplication?: string;
  /** 材料类别 — material category: 申报材料, 过程材料, 结果材料, 电子证照 (政务服务). */
  materialCategory?: string;
  /** 证照编号 — licence number (电子证照). */
  licenceNumber?: string;
  /** 证照类型 — licence type (电子证照). */
  licenceType?: string;
  /** 数字化属性 — digitisation properties (数字化). */
  digitization?: DigitizationProperties;
  /** 电子签名 — signatures, 0..n. */
  signatures: FileSignature[];
}

/** 业务实体 — a process record (who did what when). */
export interface ProcessRecord {
  at: string;
  /** 业务状态 — business status (历史行为 …). */
  status?: string;
  /** 业务行为 — business action (签发, 收件, 受理, 审核, 办结 …). */
  action?: string;
  /** 行为时间 — when. */
  time?: string;
  /** 机构人员名称 — the agent. */
  agentName?: string;
}

/** 权限管理 — rights management. */
export interface RightsManagement {
  at: string;
  /** 控制标识 — 开放 or 控制. */
  controlMark?: string;
}

/** 电子文件元数据 — the metadata of one record (件). */
export interface RecordMetadata extends Located {
  at: string;
  /** @版本 — scheme version attribute. */
  version?: string;
  /** 聚合层次 — aggregation level, '件'. */
  aggregationLevel?: string;
  /** 来源 — provenance. */
  provenance?: Provenance;
  /** 电子文件号 — electronic record identifier. */
  recordId?: string;
  /** 档号 — archival code components. */
  archivalCode?: ArchivalCodeElements;
  /** 内容描述 — content description. */
  description?: ContentDescription;
  /** 形式特征 — form characteristics. */
  form?: FormCharacteristics;
  /** 办件信息 — government-service case. */
  serviceCase?: ServiceCase;
  /** 电子文件 — content files, 1..n. */
  files: ElectronicFile[];
  /** 业务实体 — process records, 0..n. */
  processes: ProcessRecord[];
  /** 权限管理 — rights management. */
  rights?: RightsManagement;
}

// ---------------------------------------------------------------------------------------------
// 案卷元数据.xml — one volume (卷)

/** 案卷元数据 — the metadata of a volume. */
export interface VolumeMetadata extends Located {
  at: string;
  /** @版本 — scheme version attribute. */
  version?: string;
  /** 聚合层次 — '卷'. */
  aggregationLevel?: string;
  /** 档号 — 全宗号, 目录号, 案卷号. */
  archivalCode?: ArchivalCodeElements;
  /** 案卷题名 — volume title. */
  title?: string;
  /** 立档单位名称 — the unit. */
  unitName?: string;
  /** 起止日期 — earliest and latest date of its records, `YYYYMMDD-YYYYMMDD`. */
  dateRange?: string;
  /** 件数 — number of records. */
  recordCount?: string;
  /** 页数 — number of pages. */
  pageCount?: string;
  /** 保管期限 — retention period code. */
  retention?: string;
  /** 立卷人 — who compiled the volume. */
  compiler?: string;
  /** 检查人 — who checked it. */
  checker?: string;
  /** 立卷时间 — when it was compiled, YYYYMMDD. */
  compiledOn?: string;
  /** 备考 — the volume's notes (本卷情况说明), optional, may be empty. */
  notes?: string;
}

// ---------------------------------------------------------------------------------------------

/** Writer input: a model without the locations a parser adds (`at`, `file`, `leaves`). */
export type Draft<T> = T extends readonly (infer U)[]
  ? Draft<U>[]
  : T extends object
    ? { [K in keyof T as K extends 'at' | 'file' | 'leaves' ? never : K]: Draft<T[K]> }
    : T;
