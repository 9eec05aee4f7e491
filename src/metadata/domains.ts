// Value domains of the package format (值域): the closed vocabularies checks and the XSDs share.

/** 聚合层次 of a record and of a volume. */
export const AGGREGATION_RECORD = '件';
export const AGGREGATION_VOLUME = '卷';

/** 保管期限 codes: 永久 (permanent), 定期30年, 定期10年. */
export const RETENTION_CODES = ['Y', 'D30', 'D10'] as const;
/** 保管期限 words accepted with a warning, and the code each stands for. */
export const RETENTION_WORDS: Readonly<Record<string, (typeof RETENTION_CODES)[number]>> = {
  永久: 'Y',
  定期30年: 'D30',
  定期10年: 'D10',
};

/** 密级 (GB/T 7156), least to most restricted. */
export const CLASSIFICATIONS = ['公开', '限制', '秘密', '机密', '绝密'] as const;

/** 文件组合类型: one main document, or a combined document. */
export const COMPOSITION_TYPES = ['单件', '组合文件'] as const;

/** 文档主从声明: main document or attachment. */
export const FILE_ROLES = ['主文档', '附属文档'] as const;
export const MAIN_DOCUMENT = '主文档';
export const ATTACHMENT = '附属文档';

/** 签名算法标识 of a file signature. */
export const SIGNATURE_ALGORITHMS = ['SM2-SM3', 'RSA-SHA256', 'ECDSA-SHA256'] as const;

/** 控制标识 of 权限管理: open or controlled. */
export const CONTROL_MARKS = ['开放', '控制'] as const;

/** 决策阶段 of a 重大行政决策 record, in the order a volume's records follow. */
export const DECISION_STAGES = [
  '决策启动',
  '公众参与',
  '专家论证',
  '风险评估',
  '合法性审查',
  '集体讨论决定',
  '决策公布',
  '决策执行',
  '其他',
] as const;
/** The five statutory procedures each decision volume must show (or explain with a 情况说明). */
export const STATUTORY_DECISION_STAGES = ['公众参与', '专家论证', '风险评估', '合法性审查', '集体讨论决定'] as const;

/** 材料类别 of a 政务服务 file. */
export const MATERIAL_CATEGORIES = ['申报材料', '过程材料', '结果材料', '电子证照'] as const;

/** 扫描色彩模式 of a digitised file. */
export const COLOUR_MODES = ['黑白二值', '灰度', '彩色'] as const;

/** 摘要算法 of 说明文件 as written (case-insensitive, '-' optional) → the digest name in code. */
export const DIGEST_ALGORITHM_NAMES: Readonly<Record<string, 'sm3' | 'sha256'>> = {
  SM3: 'sm3',
  SHA256: 'sha256',
  'SHA-256': 'sha256',
};
