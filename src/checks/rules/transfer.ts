// The transfer-stage (YJ) items of a transfer package: YJ-1-5 (the register's manifest digest and
// the seal), YJ-2-1 (counts and bytes against the register), YJ-2-4 (records listed vs present);
// and how the archiving-stage findings of 1-5, 2-1, 2-4 are reported at this stage.
import { XMLParser } from 'fast-xml-parser';
import { verifyDetachedCms, type TrustStore } from '../../crypto/index.ts';
import type { Digests } from '../../crypto/digest.ts';
import { archivalCodeOf } from '../../metadata/index.ts';
import { openPackage, type PackageLimits } from '../../package/index.ts';
import { finding, type Finding, type ItemNumber } from '../finding.ts';
import type { RecordEntry, RecordFacts } from './package.ts';

export const REGISTER_FILE = '移交登记表.xml';
/** Files a transfer package has at its root besides the native layout. */
export const TRANSFER_ROOT_FILES = ['移交登记表.xml', '移交登记表.html', '检测报告.json', '检测报告.html', '档案目录.xml', '档案目录.html'];
/** The register (and its page) state the manifest's digest, so the manifest cannot list them. */
export const UNLISTED_ROOT_FILES = ['移交登记表.xml', '移交登记表.html'];
/** The seal a transfer package must carry. */
export const TRANSFER_SEAL = '签名/manifest-sm3.txt.p7s';

export type PropertyResult = '通过' | '不通过' | '未检测';

export interface DigestEntry {
  /** The file the digest is of (a manifest of the package, or the package itself). */
  object: string;
  algorithm: 'SM3' | 'SHA256';
  value: string;
}

export interface TransferRegister {
  /** 交接工作名称 */
  title: string;
  /** 内容描述 */
  contentDescription: string;
  /** 移交单位 */
  transferringUnit: string;
  /** 接收单位 */
  receivingUnit: string;
  fonds: string;
  /** 档案数量 (件) */
  recordCount: number;
  /** 案卷数量 */
  volumeCount: number;
  /** 文件数量: content files */
  fileCount: number;
  /** 总字节数: content bytes */
  totalBytes: number;
  /** 移交数据量 in GB, 3 decimals, as written */
  dataVolumeGb: string;
  /** 载体类型: 在线 or 离线 */
  carrier: '在线' | '离线';
  /** 数字摘要: of manifest-sm3.txt and manifest-sha256.txt (and, out of band, of the package) */
  digests: DigestEntry[];
  /** 档号 of every record transferred (档案清单) */
  archivalCodes: string[];
  /** The four-property results at transfer (检测结果) */
  results: { authenticity: PropertyResult; integrity: PropertyResult; usability: PropertyResult; security: PropertyResult };
  /** 填表人, 审核人 */
  preparedBy: string;
  reviewedBy: string;
  /** 移交时间, ISO 8601 */
  transferredAt: string;
}


const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  processEntities: true,
  htmlEntities: true,
  trimValues: true,
  isArray: (name) => ['数字摘要', '档号', '信息包数字摘要'].includes(name),
});

export type ParsedRegister = { ok: true; register: TransferRegister } | { ok: false; problem: string };

const RESULT_VALUES = new Set(['通过', '不通过', '未检测']);

/** Reads a 移交登记表.xml; a missing or malformed field is a problem (YJ-1-5/2-1 decide what it means). */
export function parseTransferRegister(bytes: Uint8Array): ParsedRegister {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return { ok: false, problem: '移交登记表不是 UTF-8 (not UTF-8)' };
  }
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return { ok: false, problem: '移交登记表含 DOCTYPE/实体声明 (DOCTYPE or ENTITY not allowed)' };
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(text, true) as Record<string, unknown>;
  } catch (e) {
    return { ok: false, problem: `移交登记表无法解析 (malformed XML): ${(e as Error).message.slice(0, 200)}` };
  }
  const root = doc['移交登记表'] as Record<string, unknown> | undefined;
  if (!root || typeof root !== 'object') return { ok: false, problem: '根元素应为 <移交登记表> (wrong root element)' };
  const str = (k: string) => (typeof root[k] === 'string' ? (root[k] as string) : undefined);
  const num = (k: string) => {
    const v = str(k);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const missing = ['档案数量', '文件数量', '总字节数'].filter((k) => num(k) === undefined);
  if (missing.length) return { ok: false, problem: `移交登记表缺少或无效的项 (missing or not a number): ${missing.join('、')}` };
  const digests: DigestEntry[] = [];
  for (const d of (root['数字摘要'] as Record<string, unknown>[] | undefined) ?? []) {
    const alg = String(d['算法'] ?? '').toUpperCase().replace('-', '');
    if ((alg === 'SM3' || alg === 'SHA256') && typeof d['对象'] === 'string' && typeof d['摘要值'] === 'string') {
      digests.push({ object: d['对象'], algorithm: alg, value: d['摘要值'].toLowerCase() });
    }
  }
  const list = root['档案清单'] as Record<string, unknown> | undefined;
  const codes = list && typeof list === 'object' ? ((list['档号'] as unknown[] | undefined) ?? []).map(String) : [];
  const res = (root['检测结果'] ?? {}) as Record<string, unknown>;
  const result = (k: string): PropertyResult => (RESULT_VALUES.has(String(res[k])) ? (String(res[k]) as PropertyResult) : '未检测');
  return {
    ok: true,
    register: {
      title: str('交接工作名称') ?? '',
      contentDescription: str('内容描述') ?? '',
      transferringUnit: str('移交单位') ?? '',
      receivingUnit: str('接收单位') ?? '',
      fonds: str('全宗号') ?? '',
      recordCount: num('档案数量')!,
      volumeCount: num('案卷数量') ?? 0,
      fileCount: num('文件数量')!,
      totalBytes: num('总字节数')!,
      dataVolumeGb: str('移交数据量') ?? '',
      carrier: str('载体类型') === '离线' ? '离线' : '在线',
      digests,
      archivalCodes: codes,
      results: { authenticity: result('真实性'), integrity: result('完整性'), usability: result('可用性'), security: result('安全性') },
      preparedBy: str('填表人') ?? '',
      reviewedBy: str('审核人') ?? '',
      transferredAt: str('移交时间') ?? '',
    },
  };
}

export interface TransferCheckInput {
  /** The package, to read the register from when none is handed in. */
  path: string;
  native: boolean;
  /** The register delivered with (or apart from) the package; default: 移交登记表.xml inside it. */
  register?: Uint8Array;
  /** Checking a package being built: the register and seal do not exist yet. */
  building?: boolean;
  /** Every finding so far (remapped here). */
  findings: Finding[];
  records: RecordEntry<RecordFacts>[];
  volumes: number;
  contentFiles: number;
  contentBytes: number;
  /** Manifests read whole, by path. */
  wholeFiles: Map<string, { bytes?: Uint8Array; digests?: Digests }>;
  seals: { path: string; signedPath: string; bytes?: Uint8Array }[];
  trust: TrustStore;
  now: Date;
  limits?: Partial<PackageLimits>;
}

/**
 * At stage transfer the numbers 1-5, 2-1 and 2-4 name the transfer items. The archiving findings
 * filed under them keep their meaning under the closest transfer item: reasonableness (GD-1-5)
 * under YJ-1-3 (数据类型、格式), required-but-empty (GD-2-4) under YJ-2-3 (元数据项完整性); the
 * count against 说明文件 (GD-2-1) stays under YJ-2-1, which is about the same totals. The message
 * says which archiving item found it.
 */
const REMAP: Partial<Record<ItemNumber, { to: ItemNumber; label: string }>> = {
  '1-5': { to: '1-3', label: 'GD-1-5 元数据项数据值合理性' },
  '2-4': { to: '2-3', label: 'GD-2-4 元数据必填著录项目' },
};

export async function checkTransfer(input: TransferCheckInput): Promise<{ findings: Finding[]; skipped: Map<ItemNumber, string> }> {
  const skipped = new Map<ItemNumber, string>();
  const out: Finding[] = [];
  for (const f of input.findings) {
    // the register, report and catalogues at the root are part of a transfer package
    if (f.item === '4-3' && TRANSFER_ROOT_FILES.includes(f.target)) continue;
    if (f.item === '1-14' && UNLISTED_ROOT_FILES.includes(f.target) && /manifest/.test(f.message)) continue;
    const m = REMAP[f.item];
    out.push(m ? { ...f, item: m.to, message: `〔${m.label}〕${f.message}` } : f);
  }
  if (input.building) {
    const why = '移交登记表和签名在此检测之后编制，由接收方检测 (the register and seal are made after this check; the receiving archive checks this item)';
    for (const n of ['1-5', '2-1', '2-4'] as const) skipped.set(n, why);
    return { findings: out, skipped };
  }
  if (!input.native) {
    out.push(finding('1-5', 'package', '移交信息包无法按规定结构读取（可能传输不完整），无法与移交登记表核对 (the package is unreadable or cut short: it cannot be matched to its register)'));
    return { findings: out, skipped };
  }

  let bytes = input.register;
  if (!bytes) bytes = await readRegister(input.path, input.limits);
  if (!bytes) {
    out.push(finding('1-5', REGISTER_FILE, '缺少移交登记表 (移交登记表.xml missing)'));
    for (const n of ['2-1', '2-4'] as const) skipped.set(n, '没有移交登记表，无法核对 (no register to compare with)');
    return { findings: out, skipped };
  }
  const parsed = parseTransferRegister(bytes);
  if (!parsed.ok) {
    out.push(finding('1-5', REGISTER_FILE, parsed.problem));
    for (const n of ['2-1', '2-4'] as const) skipped.set(n, '移交登记表无法读取，无法核对 (the register is unreadable)');
    return { findings: out, skipped };
  }
  const reg = parsed.register;

  // YJ-1-5: the manifests are the ones registered, they hold every file, and the seal verifies
  const manifestDigests = reg.digests.filter((d) => d.object.startsWith('manifest-'));
  if (manifestDigests.length === 0) out.push(finding('1-5', REGISTER_FILE, '移交登记表未登记信息包清单的数字摘要 (the register states no manifest digest)'));
  for (const d of manifestDigests) {
    const got = input.wholeFiles.get(d.object)?.digests;
    const actual = got ? (d.algorithm === 'SM3' ? got.sm3 : got.sha256) : undefined;
    if (actual === undefined) out.push(finding('1-5', d.object, `移交登记表登记的 ${d.object} 不在信息包中 (the registered manifest is missing)`));
    else if (actual !== d.value) out.push(finding('1-5', d.object, `${d.object} 的 ${d.algorithm} 摘要与移交登记表不符：信息包已被改动 (the manifest differs from the digest the transferring side registered)`, { expected: d.value, actual }));
  }
  if (out.some((f) => f.item === '1-14' && /manifest/.test(f.message))) {
    out.push(finding('1-5', 'package', '信息包内容与已登记、已签名的清单不符：移交后有文件被改动、增加或删除 (files differ from the registered and sealed manifest)'));
  }
  const seal = input.seals.find((s) => s.path === TRANSFER_SEAL);
  const manifest = input.wholeFiles.get('manifest-sm3.txt')?.bytes;
  if (!seal?.bytes) out.push(finding('1-5', TRANSFER_SEAL, '缺少移交信息包签名 (the transfer package carries no seal over manifest-sm3.txt)'));
  else if (manifest) {
    const r = verifyDetachedCms(seal.bytes, manifest, input.trust, { now: input.now });
    if (!r.ok) {
      const hint = input.trust.anchors.length === 0 && r.status === 'untrusted' ? '（未配置信任的 CA 证书：DANGAN_TRUST_DIR）' : '';
      out.push(finding('1-5', TRANSFER_SEAL, `移交信息包签名无效：${r.message}${hint}`, { actual: r.status }));
    }
  }

  // YJ-2-1: totals against the register
  const totals: [string, number, number][] = [
    ['档案数量', reg.recordCount, input.records.length],
    ['文件数量', reg.fileCount, input.contentFiles],
    ['总字节数', reg.totalBytes, input.contentBytes],
  ];
  if (reg.volumeCount || input.volumes) totals.push(['案卷数量', reg.volumeCount, input.volumes]);
  for (const [name, want, got] of totals) {
    if (want !== got) out.push(finding('2-1', REGISTER_FILE, `移交登记表的${name}为 ${want}，信息包中为 ${got} (differs from the register)`, { expected: String(want), actual: String(got) }));
  }

  // YJ-2-4: the records listed are the records present
  const present = new Map<string, string>();
  for (const r of input.records) present.set(archivalCodeOf(r.record?.archivalCode) ?? r.target.slice(r.target.lastIndexOf('/') + 1), r.target);
  const listed = new Set(reg.archivalCodes);
  for (const code of listed) if (!present.has(code)) out.push(finding('2-4', code, '移交登记表列出的档案不在信息包中 (listed in the register, missing from the package)'));
  for (const [code, target] of present) if (!listed.has(code)) out.push(finding('2-4', target, `档案 ${code} 未列入移交登记表 (present but not listed in the register)`));
  return { findings: out, skipped };
}

async function readRegister(path: string, limits?: Partial<PackageLimits>): Promise<Uint8Array | undefined> {
  const source = await openPackage(path, { limits });
  try {
    const e = source.entry(REGISTER_FILE);
    if (!e?.readable || e.size > 16 * 1024 * 1024) return undefined;
    const s = await source.open(REGISTER_FILE);
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    const r = await s.result;
    return r.ok ? Buffer.concat(chunks) : undefined;
  } finally {
    await source.close();
  }
}
