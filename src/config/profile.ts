// Check profiles: which items run and how strictly, the format list, 档号 rules, required
// elements, lengths, refused 密级 and limits. Built-in profiles for the record kinds of the
// mission; an operator's YAML/JSON file may extend one of them and change what it needs.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_FORMATS } from '../formats/format-list.ts';

export type ProfileKind = 'document' | 'decision' | 'gov-service' | 'emergency' | 'digitized';
export type ItemMode = 'fail' | 'warn' | 'off';

export interface Limits {
  /** Most entries a package may hold. */
  maxEntries: number;
  /** Most bytes all entries may expand to. */
  maxTotalBytes: number;
  /** Highest compressed → uncompressed ratio of one zip entry. */
  maxCompressionRatio: number;
  /** Largest metadata XML or 说明文件 read. */
  maxMetadataBytes: number;
  /** Largest content file held in memory to open it (bigger ones are read in ranges). */
  maxBufferedFileBytes: number;
}

export interface Profile {
  name: string;
  /** 文书 default rules plus those of one record kind. */
  kind: ProfileKind;
  /** Item number ('1-7') or code ('GD-1-7') → mode; items not listed run and fail on findings. */
  items: Record<string, ItemMode>;
  /** Allowed detected formats (格式信息 names): executables, scripts and archives are never allowed. */
  formats: string[];
  archivalCode: { itemNumberWidth: number; volumeSequenceWidth: number; pattern?: string };
  /** Elements that must be present and not empty (GD-2-3, GD-2-4), by their Chinese names. */
  required: string[];
  /** Longest value per element, in characters (GD-1-2). */
  maxLengths: Record<string, number>;
  /** 密级 values refused (GD-4-7). */
  refusedSecrecy: string[];
  /** Earliest 日期 accepted, YYYYMMDD (GD-1-5). */
  earliestDate: string;
  requireSeal: boolean;
  requireFileSignatures: boolean;
  /** Process records (业务实体) are required on every record (GD-2-5). */
  requireProcessRecords: boolean;
  /** 'required': no reachable scanner fails GD-4-1; 'optional': it is skipped with the reason. */
  virusScan: 'required' | 'optional';
  /** Creating software refused (GD-3-5), matched case-insensitively as substrings. */
  deniedSoftware: string[];
  /** Lowest scan resolution for digitised records, dpi. */
  minScanDpi: number;
  limits: Limits;
}

/** Formats that are never acceptable, whatever a profile says (the format checks also refuse them by kind). */
export const NEVER_ALLOWED_FORMATS = ['EXE', 'ELF', 'MACHO', 'JAR', 'APK', 'SCRIPT', 'ZIP', 'RAR', '7Z', 'GZIP', 'TAR', 'BZIP2', 'XZ'];

export const DEFAULT_PROFILE: Profile = {
  name: 'default',
  kind: 'document',
  items: { '4-3': 'warn', '3-5': 'warn', '2-12': 'warn' },
  formats: [...DEFAULT_FORMATS],
  archivalCode: { itemNumberWidth: 4, volumeSequenceWidth: 3 },
  required: ['聚合层次', '立档单位名称', '全宗号', '门类代码', '年度', '保管期限', '件号', '题名', '责任者', '日期', '密级', '文件组合类型', '文档序号', '文档主从声明', '计算机文件名', '计算机文件大小', '格式信息', '数字摘要'],
  maxLengths: { 题名: 500, 责任者: 200, 文件编号: 100, 立档单位名称: 200, 电子文件号: 100, 计算机文件名: 255, 主题词: 200, 附注: 1000, 案卷题名: 500, 备考: 2000 },
  refusedSecrecy: ['秘密', '机密', '绝密'],
  earliestDate: '19000101',
  requireSeal: false,
  requireFileSignatures: false,
  requireProcessRecords: false,
  virusScan: 'optional',
  deniedSoftware: [],
  minScanDpi: 200,
  limits: {
    maxEntries: 200_000,
    maxTotalBytes: 64 * 1024 ** 3,
    maxCompressionRatio: 200,
    maxMetadataBytes: 8 * 1024 ** 2,
    maxBufferedFileBytes: 64 * 1024 ** 2,
  },
};

const BUILTIN: Record<string, { extends?: string; patch: ProfilePatch }> = {
  default: { patch: {} },
  // 决策阶段 on every record; the stage rules are in checks/rules/kinds/decision.ts.
  decision: { extends: 'default', patch: { name: 'decision', kind: 'decision', requireProcessRecords: false, required: [...DEFAULT_PROFILE.required, '决策阶段'] } },
  // 办件信息 on every record, 材料类别 on every file; 收件/受理/审核/办结 in kinds/gov-service.ts.
  'gov-service': { extends: 'default', patch: { name: 'gov-service', kind: 'gov-service', requireProcessRecords: true, required: [...DEFAULT_PROFILE.required, '办件信息', '材料类别'] } },
  // Photos, audio and video are expected: JPEG/TIFF/PNG, MP3/WAV, MP4 (besides documents).
  emergency: { extends: 'default', patch: { name: 'emergency', kind: 'emergency', formats: [...DEFAULT_FORMATS] } },
  // Scans: images, PDF and OFD (no audio or video); 数字化属性 on every file.
  digitized: { extends: 'default', patch: { name: 'digitized', kind: 'digitized', formats: DEFAULT_FORMATS.filter((f) => !['MP3', 'WAV', 'MP4'].includes(f)), required: [...DEFAULT_PROFILE.required, '数字化属性'] } },
};

/** The Chinese names of the built-in profiles. */
export const PROFILE_ALIASES: Record<string, string> = {
  文书: 'default',
  重大行政决策: 'decision',
  政务服务: 'gov-service',
  重特大事件: 'emergency',
  数字化: 'digitized',
};

const mode = z.enum(['fail', 'warn', 'off']);
const patchSchema = z
  .object({
    name: z.string().min(1),
    extends: z.string().min(1),
    kind: z.enum(['document', 'decision', 'gov-service', 'emergency', 'digitized']),
    items: z.record(z.string(), mode).superRefine((items, ctx) => {
      for (const key of Object.keys(items))
        if (!/^((GD|YJ|BC)-)?[1-4]-\d{1,2}$/.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'expected an item number like 1-7 or GD-1-7' });
    }),
    formats: z.array(z.string().min(1)),
    archivalCode: z
      .object({
        itemNumberWidth: z.number().int().min(1).max(10),
        volumeSequenceWidth: z.number().int().min(1).max(10),
        pattern: z.string().refine((p) => { try { new RegExp(p, 'u'); return true; } catch { return false; } }, 'expected a regular expression'),
      })
      .partial()
      .strict(),
    required: z.array(z.string().min(1)),
    maxLengths: z.record(z.string(), z.number().int().positive()),
    refusedSecrecy: z.array(z.enum(['公开', '限制', '秘密', '机密', '绝密'])),
    earliestDate: z.string().regex(/^\d{8}$/, 'expected YYYYMMDD'),
    requireSeal: z.boolean(),
    requireFileSignatures: z.boolean(),
    requireProcessRecords: z.boolean(),
    virusScan: z.enum(['required', 'optional']),
    deniedSoftware: z.array(z.string()),
    minScanDpi: z.number().positive(),
    limits: z
      .object({
        maxEntries: z.number().int().positive(),
        maxTotalBytes: z.number().int().positive(),
        maxCompressionRatio: z.number().positive(),
        maxMetadataBytes: z.number().int().positive(),
        maxBufferedFileBytes: z.number().int().positive(),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

export type ProfilePatch = z.infer<typeof patchSchema>;

export class ProfileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileError';
  }
}

export function isBuiltinProfile(name: string): boolean {
  return name in BUILTIN || name in PROFILE_ALIASES;
}

/** A built-in profile by its English or Chinese name. */
export function builtinProfile(name: string): Profile {
  const key = PROFILE_ALIASES[name] ?? name;
  const b = BUILTIN[key];
  if (!b) throw new ProfileError(`没有名为 ${JSON.stringify(name)} 的内置检测方案 (no built-in profile; known: ${Object.keys(BUILTIN).join(', ')}, ${Object.keys(PROFILE_ALIASES).join(', ')})`);
  return applyPatch(b.extends ? builtinProfile(b.extends) : DEFAULT_PROFILE, b.patch);
}

/** Applies an operator's changes: objects merge, lists and values replace. */
export function applyPatch(base: Profile, patch: ProfilePatch): Profile {
  const { extends: _ignored, archivalCode, limits, items, maxLengths, ...rest } = patch;
  const normalisedItems: Record<string, ItemMode> = {};
  for (const [k, v] of Object.entries(items ?? {})) normalisedItems[k.replace(/^(GD|YJ|BC)-/, '')] = v;
  return {
    ...base,
    ...rest,
    items: { ...base.items, ...normalisedItems },
    maxLengths: { ...base.maxLengths, ...maxLengths },
    archivalCode: { ...base.archivalCode, ...archivalCode },
    limits: { ...base.limits, ...limits },
    formats: (rest.formats ?? base.formats).filter((f) => !NEVER_ALLOWED_FORMATS.includes(f.toUpperCase())),
  };
}

/** Parses an operator's profile text (YAML or JSON); `extends` names a built-in profile. */
export function parseProfile(text: string, source: string): Profile {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw new ProfileError(`检测方案 ${source} 不是有效的 YAML/JSON (not valid YAML or JSON): ${(e as Error).message.split('\n')[0]}`);
  }
  const parsed = patchSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new ProfileError(`检测方案 ${source} 有误 (invalid profile):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  const patch = parsed.data;
  const base = builtinProfile(patch.extends ?? 'default');
  return applyPatch(base, { name: basename(source).replace(/\.(ya?ml|json)$/i, ''), ...patch });
}

/** A built-in name, or a file to read. */
export async function loadProfile(nameOrFile: string | undefined): Promise<Profile> {
  if (!nameOrFile) return builtinProfile('default');
  if (isBuiltinProfile(nameOrFile)) return builtinProfile(nameOrFile);
  let text: string;
  try {
    text = await readFile(nameOrFile, 'utf8');
  } catch (e) {
    throw new ProfileError(`无法读取检测方案 ${nameOrFile} (cannot read profile): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseProfile(text, nameOrFile);
}

/** How the profile treats an item number. */
export function itemMode(profile: Profile, item: string): ItemMode {
  return profile.items[item] ?? 'fail';
}
