// Rules over volumes (案卷, 一事一卷): the volume's 档号 and folder (GD-1-7), and 件数, 页数 and
// 起止日期 agreeing with its records, and the records' 页号 running 1… to the volume's 页数 (GD-1-5).
// 卷内顺序号 continuity is in package.ts (GD-2-6).
import type { Profile } from '../../config/profile.ts';
import { archivalCodeOf, archivalCodeParts, type VolumeMetadata } from '../../metadata/index.ts';
import { finding, type Finding } from '../finding.ts';
import type { RecordEntry, RecordFacts } from './package.ts';
import { compactDate } from './values.ts';

export function checkVolumes(volumes: { folder: string; volume?: VolumeMetadata }[], records: RecordEntry<RecordFacts>[], _profile: Profile): Finding[] {
  const out: Finding[] = [];
  for (const { folder, volume } of volumes) {
    if (!volume) continue;
    const name = folder.slice(folder.lastIndexOf('/') + 1);
    const code = archivalCodeOf(volume.archivalCode);
    if (code !== undefined && code.normalize('NFC') !== name.normalize('NFC')) {
      out.push(finding('1-7', folder, `案卷文件夹名与案卷档号不一致 (folder name differs from the volume's 档号)`, { expected: code, actual: name }));
    }
    const inside = records.filter((r) => r.volume === folder);
    const vparts = archivalCodeParts(volume.archivalCode);
    for (const r of inside) {
      const p = r.record && archivalCodeParts(r.record.archivalCode);
      if (!p || !vparts || vparts.form !== 'volume') continue;
      if (p.form !== 'volume' || p.fonds !== vparts.fonds || p.catalogueNumber !== vparts.catalogueNumber || p.volumeNumber !== vparts.volumeNumber) {
        out.push(finding('1-7', r.target, `卷内文件的档号应为案卷档号 ${code} 加卷内顺序号 (a record's 档号 must extend its volume's)`, { expected: `${code}-…`, actual: r.record && archivalCodeOf(r.record.archivalCode) }));
      }
    }
    const count = volume.recordCount?.trim();
    if (count && /^\d+$/.test(count) && Number(count) !== inside.length) {
      out.push(finding('1-5', folder, `案卷件数记为 ${count}，卷内实有 ${inside.length} 件 (件数 differs from the records)`, { expected: count, actual: String(inside.length) }));
    }
    const pages = inside.map((r) => r.record?.form?.pageCount?.trim());
    const pageTotal = volume.pageCount?.trim();
    if (pageTotal && /^\d+$/.test(pageTotal) && inside.length > 0 && pages.every((p) => p && /^\d+$/.test(p))) {
      const sum = pages.reduce((n, p) => n + Number(p), 0);
      if (sum !== Number(pageTotal)) out.push(finding('1-5', folder, `案卷页数记为 ${pageTotal}，卷内文件页数合计 ${sum} (页数 differs from the records)`, { expected: pageTotal, actual: String(sum) }));
    }
    const dates = inside.map((r) => compactDate(r.record?.description?.date)).filter((d): d is string => d !== undefined).sort();
    const range = volume.dateRange?.trim();
    if (range && /^\d{8}-\d{8}$/.test(range) && dates.length > 0) {
      const span = `${dates[0]}-${dates[dates.length - 1]}`;
      if (span !== range) out.push(finding('1-5', folder, `案卷起止日期记为 ${range}，卷内文件日期为 ${span} (起止日期 differs from the records)`, { expected: span, actual: range }));
    }
    out.push(...checkPageRanges(folder, volume, inside));
  }
  return out;
}

/**
 * 页号 (`first/last`, or `first` for one page) of a volume's records: first ≤ last, last − first + 1
 * equals the record's 页数, and in 卷内顺序号 order they run from 1 without gaps or overlaps to the
 * volume's 页数.
 */
function checkPageRanges(folder: string, volume: VolumeMetadata, inside: RecordEntry<RecordFacts>[]): Finding[] {
  const out: Finding[] = [];
  const seq = (r: RecordEntry<RecordFacts>) => {
    const p = r.record && archivalCodeParts(r.record.archivalCode);
    return p?.form === 'volume' && p.sequenceInVolume !== undefined && /^\d+$/.test(p.sequenceInVolume) ? Number(p.sequenceInVolume) : Number.MAX_SAFE_INTEGER;
  };
  const ranges: { target: string; first: number; last: number }[] = [];
  for (const r of [...inside].sort((a, b) => seq(a) - seq(b))) {
    const written = r.record?.archivalCode?.pageRange?.trim();
    const m = written ? /^(\d+)(?:\/(\d+))?$/.exec(written) : null;
    if (!m) continue; // absent, or GD-1-3
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (first < 1 || last < first) {
      out.push(finding('1-5', r.target, `页号 ${written} 不合理：起始页应不小于 1 且不大于终止页 (page range runs backwards)`, { actual: written }));
      continue;
    }
    const pages = r.record?.form?.pageCount?.trim();
    if (pages && /^\d+$/.test(pages) && Number(pages) !== last - first + 1) {
      out.push(finding('1-5', r.target, `页号 ${written} 含 ${last - first + 1} 页，页数记为 ${pages} (page range differs from 页数)`, { expected: pages, actual: String(last - first + 1) }));
    }
    ranges.push({ target: r.target, first, last });
  }
  if (ranges.length === 0 || ranges.length !== inside.length) return out; // continuity only when every record has one
  let next = 1;
  for (const r of ranges) {
    if (r.first !== next) {
      out.push(finding('1-5', r.target, `页号应从第 ${next} 页开始，实为第 ${r.first} 页（${r.first > next ? '漏页' : '重页'}）(page numbers not continuous in the volume)`, { expected: String(next), actual: String(r.first) }));
    }
    next = r.last + 1;
  }
  const total = volume.pageCount?.trim();
  if (total && /^\d+$/.test(total) && Number(total) !== next - 1) {
    out.push(finding('1-5', folder, `案卷页数记为 ${total}，卷内文件页号止于第 ${next - 1} 页 (页数 differs from the last page)`, { expected: String(next - 1), actual: total }));
  }
  return out;
}
