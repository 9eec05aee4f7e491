// Sample models for tests and sample packages: one per form and profile, each a fresh object.
// Digests and sizes are placeholders; code that builds real packages sets them from the files.
import type { Catalogue, Draft, PackageDescription, RecordMetadata, VolumeMetadata } from './model.ts';

const PLACEHOLDER_DIGEST = '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0';

/** A 文书 record filed by item, with every optional element of the default scheme present. */
export function sampleItemRecord(): Draft<RecordMetadata> {
  return {
    version: '1.0',
    aggregationLevel: '件',
    provenance: { archiveName: '某某县档案馆', archiveCode: '433001', fondsName: '某某县人民政府办公室', unitName: '某某县人民政府办公室' },
    recordId: '3301-2024-000123',
    archivalCode: { fonds: 'J001', category: 'WS', year: '2024', retention: 'Y', division: 'BGS', itemNumber: '0001' },
    description: {
      title: '关于做好2024年春季防汛工作的通知',
      documentNumber: '某政办发〔2024〕5号',
      author: '某某县人民政府办公室',
      date: '20240315',
      classification: '公开',
      documentType: '通知',
      secrecyPeriod: '',
      subjectTerms: '防汛 通知',
      annotation: '',
    },
    form: { compositionType: '组合文件', pageCount: '3' },
    files: [
      {
        sequence: '1',
        role: '主文档',
        fileName: '正文.pdf',
        size: '48213',
        format: 'PDF/A-2b',
        digest: PLACEHOLDER_DIGEST,
        creatingApplication: 'WPS Office 12',
        signatures: [
          {
            algorithm: 'SM2-SM3',
            value: 'MEUCIQDexample/signature+base64==',
            certificate: 'MIIBexampleCertificateBase64==',
            signedAt: '2024-03-15T10:20:00+08:00',
            signer: '张三',
          },
        ],
      },
      { sequence: '2', role: '附属文档', fileName: '附件1.ofd', size: '1024', format: 'OFD', digest: PLACEHOLDER_DIGEST, signatures: [] },
    ],
    processes: [{ status: '历史行为', action: '签发', time: '2024-03-15T09:00:00+08:00', agentName: '李四' }],
    rights: { controlMark: '开放' },
  };
}

/** Only the required elements: 文书 record without 机构或问题. */
export function sampleMinimalRecord(): Draft<RecordMetadata> {
  return {
    aggregationLevel: '件',
    provenance: { unitName: '某某县人民政府办公室' },
    recordId: '3301-2024-000124',
    archivalCode: { fonds: 'J001', category: 'WS', year: '2024', retention: 'D30', itemNumber: '0002' },
    description: { title: '会议纪要', author: '某某县人民政府办公室', date: '20240316', classification: '公开' },
    form: { compositionType: '单件' },
    files: [{ sequence: '1', role: '主文档', fileName: '纪要.pdf', size: '2048', format: 'PDF', digest: PLACEHOLDER_DIGEST, signatures: [] }],
    processes: [],
  };
}

/** A 重大行政决策 record inside a volume (volume form of 档号, with 决策阶段). */
export function sampleDecisionRecord(): Draft<RecordMetadata> {
  return {
    version: '1.0',
    aggregationLevel: '件',
    provenance: { unitName: '某某县人民政府办公室' },
    recordId: '3301-2024-JC-0003',
    archivalCode: { fonds: 'J001', catalogueNumber: '001', volumeNumber: '0012', sequenceInVolume: '003', pageRange: '15/17' },
    description: {
      title: '关于城区停车收费调整的专家论证意见',
      author: '某某县发展和改革局',
      date: '20240220',
      classification: '公开',
      documentType: '意见',
      decisionStage: '专家论证',
    },
    form: { compositionType: '单件', pageCount: '3' },
    files: [{ sequence: '1', role: '主文档', fileName: '论证意见.ofd', size: '90210', format: 'OFD', digest: PLACEHOLDER_DIGEST, signatures: [] }],
    processes: [{ status: '历史行为', action: '论证', time: '2024-02-20T15:00:00+08:00', agentName: '专家组' }],
  };
}

/** A 政务服务 办件 with 办件信息 and 材料类别 (one 电子证照). */
export function sampleServiceRecord(): Draft<RecordMetadata> {
  return {
    version: '1.0',
    aggregationLevel: '件',
    provenance: { unitName: '某某县行政审批局' },
    recordId: '3301-2024-BJ-000077',
    archivalCode: { fonds: 'J009', category: 'ZW', year: '2024', retention: 'D30', itemNumber: '0077' },
    description: { title: '某某公司食品经营许可办件', author: '某某县行政审批局', date: '20240410', classification: '公开' },
    form: { compositionType: '组合文件' },
    serviceCase: {
      serviceItemCode: '11330100MB0000000X4000117001000',
      serviceItemName: '食品经营许可',
      caseNumber: 'BJ20240401000077',
      acceptedAt: '2024-04-01T09:30:00+08:00',
      concludedAt: '2024-04-10T16:00:00+08:00',
      outcome: '准予许可',
      applicantName: '某某餐饮有限公司',
    },
    files: [
      { sequence: '1', role: '主文档', fileName: '申请书.pdf', size: '30000', format: 'PDF', digest: PLACEHOLDER_DIGEST, materialCategory: '申报材料', signatures: [] },
      {
        sequence: '2',
        role: '附属文档',
        fileName: '许可证.ofd',
        size: '20000',
        format: 'OFD',
        digest: PLACEHOLDER_DIGEST,
        materialCategory: '电子证照',
        licenceNumber: 'JY13301000000077',
        licenceType: '食品经营许可证',
        signatures: [],
      },
    ],
    processes: ['收件', '受理', '审核', '办结'].map((action, i) => ({
      status: '历史行为',
      action,
      time: `2024-04-0${i + 1}T10:00:00+08:00`,
      agentName: '窗口人员王某',
    })),
    rights: { controlMark: '控制' },
  };
}

/** A digitised paper record: 数字化属性 on its image file. */
export function sampleDigitizedRecord(): Draft<RecordMetadata> {
  return {
    aggregationLevel: '件',
    provenance: { unitName: '某某县人民政府办公室' },
    recordId: '3301-1998-SM-000001',
    archivalCode: { fonds: 'J001', category: 'WS', year: '1998', retention: 'Y', division: 'BGS', itemNumber: '0001' },
    description: { title: '关于成立县档案局的通知', author: '某某县人民政府', date: '19980601', classification: '公开' },
    form: { compositionType: '单件', pageCount: '1' },
    files: [
      {
        sequence: '1',
        role: '主文档',
        fileName: '0001.jpg',
        size: '512000',
        format: 'JPEG',
        digest: PLACEHOLDER_DIGEST,
        creatingApplication: '扫描软件 3.0',
        digitization: { resolution: '300', colourMode: '彩色' },
        signatures: [],
      },
    ],
    processes: [],
  };
}

/** A 重大行政决策 volume. */
export function sampleVolume(): Draft<VolumeMetadata> {
  return {
    version: '1.0',
    aggregationLevel: '卷',
    archivalCode: { fonds: 'J001', catalogueNumber: '001', volumeNumber: '0012' },
    title: '关于城区停车收费调整的重大行政决策',
    unitName: '某某县人民政府办公室',
    dateRange: '20240105-20240620',
    recordCount: '14',
    pageCount: '212',
    retention: 'Y',
    compiler: '王五',
    checker: '赵六',
    compiledOn: '20240701',
    notes: '',
  };
}

/** A catalogue of two item-form records. */
export function sampleCatalogue(): Draft<Catalogue> {
  return {
    entries: [
      {
        sequence: '1',
        archivalCode: 'J001-WS·2024-Y-BGS-0001',
        title: '关于做好2024年春季防汛工作的通知',
        author: '某某县人民政府办公室',
        date: '20240315',
        retention: 'Y',
        classification: '公开',
        pageCount: '3',
        remarks: '',
      },
      {
        sequence: '2',
        archivalCode: 'J001-WS·2024-D30-0002',
        title: '会议纪要',
        author: '某某县人民政府办公室',
        date: '20240316',
        retention: 'D30',
        classification: '公开',
      },
    ],
  };
}

/** A 说明文件 for the sample catalogue. */
export function sampleDescription(): Omit<Draft<PackageDescription>, 'encoding' | 'lines'> {
  return {
    unitName: '某某县人民政府办公室',
    fonds: 'J001',
    recordCount: '2',
    fileCount: '3',
    totalBytes: '51285',
    digestAlgorithmText: 'SM3',
    digestAlgorithm: 'sm3',
    codeRange: 'J001-WS·2024-Y-BGS-0001～J001-WS·2024-D30-0002',
    codeRangeParts: { first: 'J001-WS·2024-Y-BGS-0001', last: 'J001-WS·2024-D30-0002' },
    contentDescription: '2024年3月文书档案',
    environment: 'Windows 10; WPS Office 12',
    createdAt: '2024-03-20T10:00:00+08:00',
    sourceSystem: 'OA 办公系统',
    extra: {},
  };
}
