// Rules over the package as a whole: 说明文件 and 目录文件 against the records (GD-1-12), counts
// and bytes (GD-2-1, 2-2), duplicates (GD-1-8) and continuity of 件号 and 卷内顺序号 (GD-2-6).
import {
  archivalCodeOf,
  archivalCodeParts,
  type Catalogue,
  type ContentDescription,
  type FormCharacteristics,
  type PackageDescription,
  type RecordMetadata,
} from '../../metadata/index.ts';
import { finding, type Finding } from '../finding.ts';

/**
 * What the rules over the whole package (this file, volume.ts, transfer.ts) read of a record. The
 * engine keeps only this of each record once its own items ran (a whole model is ~2 KB): the record
 * kinds' rules read more, and get whole records (RecordEntry<RecordMetadata>).
 */
export type RecordFacts = Pick<RecordMetadata, 'at' | 'file' | 'recordId' | 'archivalCode'> & {
  description?: Pick<ContentDescription, 'at' | 'title' | 'author' | 'date' | 'classification'>;
  form?: Pick<FormCharacteristics, 'at' | 'pageCount'>;
};

/** The facts of a record (see RecordFacts), nothing else of its model. */
export function recordFacts(r: RecordMetadata): RecordFacts {
  const facts: RecordFacts = { at: r.at, file: r.file, recordId: r.recordId, archivalCode: r.archivalCode };
  const d = r.description;
  if (d) facts.description = { at: d.at, title: d.title, author: d.author, date: d.date, classification: d.classification };
  if (r.form) facts.form = { at: r.form.at, pageCount: r.form.pageCount };
  return facts;
}

export interface RecordEntry<R extends RecordFacts = RecordMetadata> {
  /** Package-relative folder path: the target of findings. */
  target: string;
  record?: R;
  /** The volume folder holding this record, if any. */
  volume?: string;
}

/** What the service already holds, for continuity (GD-2-6) and duplicates (GD-1-8). */
export interface HeldCatalogue {
  /** Highest 件号 held per group key (see groupKey). */
  maxItemNumber: Map<string, number>;
  archivalCodes: Set<string>;
  recordIds: Set<string>;
}

export interface PackageRuleInput {
  description?: PackageDescription;
  descriptionPath: string;
  catalogue?: Catalogue;
  cataloguePath: string;
  records: RecordEntry<RecordFacts>[];
  /** Content files found in record folders and their total size. */
  contentFiles: number;
  contentBytes: number;
  held?: HeldCatalogue;
}

/** The group of 件号 continuity: 全宗号, 门类代码, 年度, 保管期限, 机构或问题. */
export function groupKey(p: { fonds: string; category: string; year: string; retention: string; division?: string }): string {
  return [p.fonds, p.category, p.year, p.retention, p.division ?? ''].join('|');
}

export function checkPackage(input: PackageRuleInput): Finding[] {
  const out: Finding[] = [];
  const { description: d, catalogue } = input;
  const codes = input.records.map((e) => ({ entry: e, code: e.record && archivalCodeOf(e.record.archivalCode) }));

  // GD-2-1 record count; GD-2-2 files and bytes; GD-1-12 fonds and the code range
  if (d) {
    compareCount(out, '2-1', input.descriptionPath, '档案数量', d.recordCount, input.records.length, '件');
    compareCount(out, '2-2', input.descriptionPath, '文件数量', d.fileCount, input.contentFiles, '个文件');
    compareCount(out, '2-2', input.descriptionPath, '总字节数', d.totalBytes, input.contentBytes, '字节');
    if (d.fonds !== undefined) {
      for (const { entry } of codes) {
        const f = entry.record?.archivalCode?.fonds;
        if (f !== undefined && f !== d.fonds) {
          out.push(finding('1-12', entry.target, `全宗号 ${f} 与说明文件的全宗号 ${d.fonds} 不一致 (fonds differs from 说明文件)`, { expected: d.fonds, actual: f }));
        }
      }
    }
    if (d.codeRangeParts) {
      const present = new Set(codes.map((c) => c.code).filter(Boolean));
      for (const end of [d.codeRangeParts.first, d.codeRangeParts.last]) {
        if (!present.has(end)) out.push(finding('1-12', input.descriptionPath, `起止档号中的 ${end} 不在本信息包中 (code range names a record not in the package)`, { actual: end }));
      }
    }
  }

  // GD-1-12 catalogue ↔ record folders, and the catalogue's fields equal the metadata's
  if (catalogue) {
    if (catalogue.entries.length !== input.records.length) {
      out.push(finding('2-1', input.cataloguePath, `目录文件列出 ${catalogue.entries.length} 件，信息包中有 ${input.records.length} 件 (catalogue count differs)`, { expected: String(catalogue.entries.length), actual: String(input.records.length) }));
    }
    const byCode = new Map<string, RecordEntry<RecordFacts>>();
    for (const c of codes) if (c.code) byCode.set(c.code, c.entry);
    const listed = new Set<string>();
    catalogue.entries.forEach((e, i) => {
      const code = e.archivalCode?.trim();
      if (!code) return; // GD-2-3/2-4 report it
      if (listed.has(code)) out.push(finding('1-12', input.cataloguePath, `目录文件重复列出 ${code} (listed twice)`, { actual: code }));
      listed.add(code);
      const rec = byCode.get(code);
      if (!rec?.record) {
        out.push(finding('1-12', input.cataloguePath, `目录文件列出的 ${code} 没有对应的档案文件夹 (catalogued but no record folder)`, { actual: code }));
        return;
      }
      const r = rec.record;
      const pairs: [string, string | undefined, string | undefined][] = [
        ['题名', e.title, r.description?.title],
        ['责任者', e.author, r.description?.author],
        ['日期', e.date, r.description?.date],
        ['保管期限', e.retention, r.archivalCode?.retention],
        ['密级', e.classification, r.description?.classification],
        ['页数', e.pageCount, r.form?.pageCount],
      ];
      for (const [name, inCatalogue, inRecord] of pairs) {
        if (inCatalogue === undefined || (name === '页数' && inRecord === undefined)) continue;
        if (name === '保管期限' && r.archivalCode?.retention === undefined) continue; // volume form records carry it on the volume
        if (inCatalogue !== inRecord) {
          out.push(finding('1-12', `${input.cataloguePath}#${i + 1}`, `目录文件中 ${code} 的${name}与元数据不一致 (catalogue differs from metadata)`, { expected: inRecord ?? '(无)', actual: inCatalogue }));
        }
      }
    });
    for (const c of codes) {
      if (c.code && !listed.has(c.code)) out.push(finding('1-12', c.entry.target, `档案 ${c.code} 未列入目录文件 (record folder not in the catalogue)`, { actual: c.code }));
    }
  }

  // GD-1-8 duplicates within the package and against what is held
  const seenCodes = new Map<string, string>();
  const seenIds = new Map<string, string>();
  for (const { entry, code } of codes) {
    if (code) {
      const first = seenCodes.get(code);
      if (first) out.push(finding('1-8', entry.target, `档号 ${code} 重复（另见 ${first}）(repeated 档号)`, { actual: code }));
      else seenCodes.set(code, entry.target);
      if (input.held?.archivalCodes.has(code)) out.push(finding('1-8', entry.target, `档号 ${code} 已在馆藏中 (already held)`, { actual: code }));
    }
    const id = entry.record?.recordId?.trim();
    if (id) {
      const first = seenIds.get(id);
      if (first) out.push(finding('1-8', entry.target, `电子文件号 ${id} 重复（另见 ${first}）(repeated 电子文件号)`, { actual: id }));
      else seenIds.set(id, entry.target);
      if (input.held?.recordIds.has(id)) out.push(finding('1-8', entry.target, `电子文件号 ${id} 已在馆藏中 (already held)`, { actual: id }));
    }
  }

  out.push(...checkContinuity(input.records, input.held));
  return out;
}

function compareCount(out: Finding[], item: '2-1' | '2-2', target: string, key: string, declared: string | undefined, actual: number, unit: string) {
  if (declared === undefined || !/^\d+$/.test(declared.trim())) return; // the parser reports it (GD-1-12)
  if (Number(declared.trim()) !== actual) {
    out.push(finding(item, target, `说明文件的${key}为 ${declared.trim()}，实有 ${actual} ${unit} (${key} differs)`, { expected: declared.trim(), actual: String(actual) }));
  }
}

/** GD-2-6: 件号 of a group, and 卷内顺序号 of a volume, run 1, 2, 3 … (or on from what is held). */
function checkContinuity(records: RecordEntry<RecordFacts>[], held: HeldCatalogue | undefined): Finding[] {
  const out: Finding[] = [];
  const groups = new Map<string, { n: number; target: string }[]>();
  const volumes = new Map<string, { n: number; target: string }[]>();
  for (const e of records) {
    const parts = e.record && archivalCodeParts(e.record.archivalCode);
    if (!parts) continue;
    if (parts.form === 'item' && /^\d+$/.test(parts.itemNumber)) {
      const k = groupKey(parts);
      groups.set(k, [...(groups.get(k) ?? []), { n: Number(parts.itemNumber), target: e.target }]);
    } else if (parts.form === 'volume' && parts.sequenceInVolume !== undefined && /^\d+$/.test(parts.sequenceInVolume)) {
      const k = `${parts.fonds}-${parts.catalogueNumber}-${parts.volumeNumber}`;
      volumes.set(k, [...(volumes.get(k) ?? []), { n: Number(parts.sequenceInVolume), target: e.target }]);
    }
  }
  for (const [k, list] of groups) {
    const label = k.split('|').filter(Boolean).join('-');
    const heldMax = held?.maxItemNumber.get(k);
    run(out, list, heldMax === undefined ? 1 : heldMax + 1, `件号（${label}）`, heldMax === undefined ? undefined : `馆藏已有至 ${heldMax}`, held === undefined);
  }
  for (const [k, list] of volumes) run(out, list, 1, `卷内顺序号（案卷 ${k}）`, undefined, false);
  return out;
}

function run(out: Finding[], list: { n: number; target: string }[], start: number, label: string, heldNote: string | undefined, offline: boolean) {
  const sorted = [...list].sort((a, b) => a.n - b.n);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].n === sorted[i - 1].n) out.push(finding('2-6', sorted[i].target, `${label} ${sorted[i].n} 重号 (repeated)`, { actual: String(sorted[i].n) }));
    else if (sorted[i].n !== sorted[i - 1].n + 1) {
      out.push(finding('2-6', sorted[i].target, `${label}在 ${sorted[i - 1].n} 与 ${sorted[i].n} 之间断号 (gap)`, { expected: String(sorted[i - 1].n + 1), actual: String(sorted[i].n) }));
    }
  }
  const first = sorted[0];
  if (first && first.n !== start) {
    if (offline && first.n > start) {
      // Checked without the catalogue: a later batch of a group legitimately starts above 1.
      out.push(finding('2-6', first.target, `${label}从 ${first.n} 开始；未连接馆藏目录，无法确认是否接续已归档的件号 (cannot confirm continuation without the catalogue)`, { severity: 'warn', expected: String(start), actual: String(first.n) }));
    } else {
      out.push(finding('2-6', first.target, `${label}应从 ${start} 开始${heldNote ? `（${heldNote}）` : ''}，实为 ${first.n} (does not continue)`, { expected: String(start), actual: String(first.n) }));
    }
  }
}
