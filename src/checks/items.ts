// The check items of DA/T 70 as this service numbers them (checks.md): code, property and name.
// Codes are a public contract: reports, the API, the UI and profiles use them; never change one.
import type { ItemNumber } from './finding.ts';

export type Stage = 'archiving' | 'transfer' | 'preservation';
export type Property = 'authenticity' | 'integrity' | 'usability' | 'security';

export const STAGE_PREFIX: Record<Stage, 'GD' | 'YJ' | 'BC'> = { archiving: 'GD', transfer: 'YJ', preservation: 'BC' };
export const PROPERTY_NAMES: Record<Property, string> = {
  authenticity: '真实性',
  integrity: '完整性',
  usability: '可用性',
  security: '安全性',
};
export const PROPERTY_OF_GROUP: Record<string, Property> = { '1': 'authenticity', '2': 'integrity', '3': 'usability', '4': 'security' };

export interface ItemDefinition {
  number: ItemNumber;
  name: string;
  /** What fails it, in a few words (shown in the UI and the HTML report). */
  fails: string;
}

/** Items shared by the archiving (GD) and transfer (YJ) stages. */
export const PACKAGE_ITEMS: ItemDefinition[] = [
  { number: '1-1', name: '固化信息有效性检测', fails: '数字摘要或电子签名不符、证书不可信或签名时无效' },
  { number: '1-2', name: '元数据项数据长度检测', fails: '值的长度超出或不足' },
  { number: '1-3', name: '元数据项数据类型、格式检测', fails: '值的类型或格式不符（日期、年度、件号、大小、摘要）' },
  { number: '1-4', name: '设定值域的元数据项值域符合度检测', fails: '值不在值域内' },
  { number: '1-5', name: '元数据项数据值合理性检测', fails: '年度与日期不符、未来日期、页数不合理、案卷数据与卷内文件不符、扫描分辨率不符' },
  { number: '1-6', name: '元数据项数据包含特殊字符检测', fails: '控制字符、标记或首尾空格' },
  { number: '1-7', name: '档号规范性检测', fails: '档号不符合规则、与组成项不一致或与文件夹名不一致' },
  { number: '1-8', name: '元数据项数据重复性检测', fails: '档号或电子文件号重复' },
  { number: '1-9', name: '电子文件内容电子属性一致性检测', fails: '计算机文件名或大小与文件不符' },
  { number: '1-10', name: '电子文件格式一致性检测', fails: '格式信息与检测到的格式不符' },
  { number: '1-11', name: '元数据与内容关联一致性检测', fails: '元数据所列文件缺失' },
  { number: '1-12', name: '说明文件和目录文件规范性检测', fails: '说明文件或目录文件缺失、格式错误或与文件不符' },
  { number: '1-13', name: '信息包目录结构规范性检测', fails: '目录结构不符合规范或路径不安全' },
  { number: '1-14', name: '信息包一致性检测', fails: '清单摘要不符或信息包签名无效' },
  { number: '2-1', name: '总件数相符性检测', fails: '件数与说明文件或目录文件不符' },
  { number: '2-2', name: '总字节数相符性检测', fails: '字节数或文件数与说明文件不符' },
  { number: '2-3', name: '元数据项完整性检测', fails: '元数据项缺失' },
  { number: '2-4', name: '元数据必填著录项目检测', fails: '必填项为空' },
  { number: '2-5', name: '过程信息完整性检测', fails: '缺少业务实体（过程信息）' },
  { number: '2-6', name: '连续性元数据项检测', fails: '件号或卷内顺序号断号、重号或未接续馆藏' },
  { number: '2-7', name: '内容数据完整性检测', fails: '缺少主文档、空文件或文件不完整' },
  { number: '2-8', name: '附件数据完整性检测', fails: '附属文档缺失或为空' },
  { number: '2-9', name: '归档范围检测', fails: '不符合专题档案的归档范围规则' },
  { number: '2-11', name: '归档信息包内容数据完整性检测', fails: '信息包中有元数据未列出的文件' },
  { number: '2-12', name: '归档及时性检测', fails: '晚于规定期限归档' },
  { number: '3-1', name: '信息包中元数据的可读性检测', fails: '元数据无法读取、编码未声明或含DOCTYPE/实体声明' },
  { number: '3-2', name: '目标数据库中的元数据可访问性检测', fails: '目录数据库无法访问' },
  { number: '3-3', name: '内容数据格式检测', fails: '格式不在允许的格式清单内' },
  { number: '3-4', name: '内容数据的可读性检测', fails: '文件无法按其格式打开' },
  { number: '3-5', name: '软硬件环境合规性检测', fails: '形成软件在禁用清单内' },
  { number: '3-8', name: '信息包中包含的内容数据格式合规性检测', fails: '加密文件、非公开压缩算法或嵌套压缩包' },
  { number: '4-1', name: '系统环境中是否安装杀毒软件检测', fails: '要求病毒检测但无可用的杀毒软件' },
  { number: '4-2', name: '病毒感染检测', fails: '发现病毒或无法完成扫描' },
  { number: '4-3', name: '载体中多余文件检测', fails: '系统垃圾文件或非归档文件' },
  { number: '4-7', name: '归档过程安全性检测', fails: '未经认证、超出全宗授权或密级不允许' },
];

/** Items only the transfer (YJ) stage has. */
export const TRANSFER_ITEMS: ItemDefinition[] = [
  { number: '1-5', name: '移交信息包真实性检测', fails: '信息包摘要与移交登记不符或签名无效' },
  { number: '2-1', name: '电子档案数据总量检测', fails: '件数、文件数或字节数与移交登记表不符' },
  { number: '2-4', name: '移交信息包完整性检测', fails: '登记的档案缺失或有未登记的档案' },
];

/** Items of the preservation (BC) stage: what the service holds. */
export const PRESERVATION_ITEMS: ItemDefinition[] = [
  { number: '1-1', name: '固化信息有效性检测', fails: '重新计算的摘要与入库时不符' },
  { number: '1-5', name: '保存信息包真实性检测', fails: '保存的清单或签名不再有效' },
  { number: '2-1', name: '数据总量检测', fails: '对象缺失或数量、字节数与目录不符' },
  { number: '3-4', name: '备份数据可恢复性检测', fails: '备份缺失、与主副本不符或无法完整读回' },
  { number: '4-2', name: '病毒检测', fails: '用新病毒库重新扫描发现感染' },
];

/** The items that apply at a stage, keyed by item number; the transfer stage overrides three. */
export function itemsFor(stage: Stage): Map<ItemNumber, ItemDefinition> {
  const list = stage === 'preservation' ? PRESERVATION_ITEMS : stage === 'transfer' ? [...PACKAGE_ITEMS, ...TRANSFER_ITEMS] : PACKAGE_ITEMS;
  return new Map(list.map((i) => [i.number, i]));
}

export function itemCode(stage: Stage, n: ItemNumber): string {
  return `${STAGE_PREFIX[stage]}-${n}`;
}

export function propertyOf(n: ItemNumber): Property {
  return PROPERTY_OF_GROUP[n.split('-')[0]];
}

/** Parses 'GD-1-13' into its stage prefix and item number. */
export function parseItemCode(code: string): { prefix: 'GD' | 'YJ' | 'BC'; number: ItemNumber } | undefined {
  const m = /^(GD|YJ|BC)-([1-4]-\d{1,2})$/.exec(code);
  return m ? { prefix: m[1] as 'GD' | 'YJ' | 'BC', number: m[2] as ItemNumber } : undefined;
}
