// The catalogues of a set of records: each volume's 卷内目录 and 备考表, the 案卷目录 of the volumes,
// and the 归档文件目录 of records filed by item — built from parsed metadata, nothing else.
import {
  archivalCodeOf,
  archivalCodeParts,
  RETENTION_WORDS,
  type ContentDescription,
  type FormCharacteristics,
  type RecordMetadata,
  type VolumeMetadata,
} from '../metadata/index.ts';

/** What the catalogues read of a record's metadata (a whole RecordMetadata is one). */
export type CatalogueRecord = Pick<RecordMetadata, 'archivalCode'> & {
  description?: Pick<ContentDescription, 'title' | 'author' | 'date' | 'documentNumber' | 'annotation'>;
  form?: Pick<FormCharacteristics, 'pageCount'>;
  provenance?: { unitName?: string };
};

/** Only that, for keeping many records' worth while something else is done (a transfer being built). */
export function catalogueRecord(m: RecordMetadata): CatalogueRecord {
  const d = m.description;
  return {
    archivalCode: m.archivalCode,
    ...(d ? { description: { title: d.title, author: d.author, date: d.date, documentNumber: d.documentNumber, annotation: d.annotation } } : {}),
    ...(m.form ? { form: { pageCount: m.form.pageCount } } : {}),
    ...(m.provenance ? { provenance: { unitName: m.provenance.unitName } } : {}),
  };
}

export interface CatalogueInput {
  /** Records with their package folder and the folder of the volume holding them, if any. */
  records: { folder: string; volume?: string; record: CatalogueRecord }[];
  volumes: { folder: string; volume: VolumeMetadata }[];
}

/** What a catalogue row says of one record: 档号, 文号, 责任者, 题名, 日期, 备注 (from 附注). */
export interface RecordRow {
  sequence: string;
  archivalCode: string;
  documentNumber: string;
  author: string;
  title: string;
  date: string;
  remarks: string;
}

/** A row of a 卷内目录: 序号, 文号, 责任者, 题名, 日期, 页号, 备注. */
export interface VolumeContentsRow extends RecordRow {
  /** The first page; the last row shows first–last (the filing rule for 卷内目录). */
  pages: string;
}

/** 卷内目录 of one volume. */
export interface VolumeContents {
  archivalCode: string;
  title: string;
  rows: VolumeContentsRow[];
}

/** A row of the 案卷目录: 序号, 档号, 题名, 年度, 页数, 保管期限, 备注. */
export interface VolumeListRow {
  sequence: string;
  archivalCode: string;
  title: string;
  year: string;
  pageCount: string;
  retention: string;
  remarks: string;
}

/** 备考表 of one volume. */
export interface VolumeNote {
  archivalCode: string;
  title: string;
  recordCount: string;
  pageCount: string;
  /** 本卷情况说明 as written in 备考. */
  notes: string;
  compiler: string;
  checker: string;
  compiledOn: string;
}

/** A row of the 归档文件目录 of records filed by item (件). */
export interface ItemListRow extends RecordRow {
  retention: string;
  pageCount: string;
}

export interface Catalogues {
  unitName: string;
  fonds: string;
  volumeList: VolumeListRow[];
  volumes: VolumeContents[];
  notes: VolumeNote[];
  items: ItemListRow[];
}

/** 保管期限 codes as 案卷目录 prints them. */
export const RETENTION_LABEL: Record<string, string> = { Y: '永久', D30: '30年', D10: '10年' };

export function retentionLabel(v: string | undefined): string {
  const t = v?.trim() ?? '';
  return RETENTION_LABEL[RETENTION_WORDS[t] ?? t] ?? t;
}

const s = (v: string | undefined) => v?.trim() ?? '';
const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : Number.MAX_SAFE_INTEGER);
const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function buildCatalogues(input: CatalogueInput): Catalogues {
  const volumes = [...input.volumes].sort((a, b) => byCode(archivalCodeOf(a.volume.archivalCode) ?? a.folder, archivalCodeOf(b.volume.archivalCode) ?? b.folder));
  const contents: VolumeContents[] = [];
  const notes: VolumeNote[] = [];
  const volumeList: VolumeListRow[] = [];
  volumes.forEach(({ folder, volume }, i) => {
    const code = archivalCodeOf(volume.archivalCode) ?? folder.slice(folder.lastIndexOf('/') + 1);
    const inside = input.records.filter((r) => r.volume === folder).map((r) => r.record).sort((a, b) => num(sequenceOf(a)) - num(sequenceOf(b)));
    contents.push({ archivalCode: code, title: s(volume.title), rows: volumeRows(inside) });
    const pageTotal = s(volume.pageCount) || sumPages(inside);
    const count = s(volume.recordCount) || String(inside.length);
    notes.push({ archivalCode: code, title: s(volume.title), recordCount: count, pageCount: pageTotal, notes: s(volume.notes), compiler: s(volume.compiler), checker: s(volume.checker), compiledOn: s(volume.compiledOn) });
    volumeList.push({ sequence: String(i + 1), archivalCode: code, title: s(volume.title), year: yearsOf(volume.dateRange, inside), pageCount: pageTotal, retention: s(volume.retention), remarks: '' });
  });
  const loose = input.records.filter((r) => r.volume === undefined).map((r) => r.record);
  loose.sort((a, b) => byCode(archivalCodeOf(a.archivalCode) ?? '', archivalCodeOf(b.archivalCode) ?? ''));
  const items = loose.map((r, i) => ({ ...recordRow(r, String(i + 1)), retention: s(r.archivalCode?.retention), pageCount: s(r.form?.pageCount) }));
  const first = input.records[0]?.record;
  return {
    unitName: s(first?.provenance?.unitName) || s(volumes[0]?.volume.unitName),
    fonds: s(first?.archivalCode?.fonds) || s(volumes[0]?.volume.archivalCode?.fonds),
    volumeList,
    volumes: contents,
    notes,
    items,
  };
}

function recordRow(r: CatalogueRecord, sequence: string): RecordRow {
  const d = r.description;
  return { sequence, archivalCode: archivalCodeOf(r.archivalCode) ?? '', documentNumber: s(d?.documentNumber), author: s(d?.author), title: s(d?.title), date: s(d?.date), remarks: s(d?.annotation) };
}

function sequenceOf(r: CatalogueRecord): string | undefined {
  const p = archivalCodeParts(r.archivalCode);
  return p?.form === 'volume' ? p.sequenceInVolume : undefined;
}

function sumPages(records: CatalogueRecord[]): string {
  const pages = records.map((r) => r.form?.pageCount?.trim());
  return pages.length > 0 && pages.every((p) => p && /^\d+$/.test(p)) ? String(pages.reduce((n, p) => n + Number(p), 0)) : '';
}

/** The records' pages: from 页号 where written, else counted on from 页数. */
function volumeRows(records: CatalogueRecord[]): VolumeContentsRow[] {
  let next: number | undefined = 1;
  const rows = records.map((r) => {
    const written = /^(\d+)(?:\/(\d+))?$/.exec(r.archivalCode?.pageRange?.trim() ?? '');
    let first: number | undefined;
    let last: number | undefined;
    if (written) {
      first = Number(written[1]);
      last = written[2] === undefined ? first : Number(written[2]);
    } else if (next !== undefined && /^\d+$/.test(r.form?.pageCount?.trim() ?? '')) {
      first = next;
      last = next + Number(r.form!.pageCount!.trim()) - 1;
    }
    next = last === undefined ? undefined : last + 1;
    return {
      row: { ...recordRow(r, num(sequenceOf(r)) === Number.MAX_SAFE_INTEGER ? '' : String(num(sequenceOf(r)))), pages: first === undefined ? '' : String(first) },
      first,
      last,
    };
  });
  const end = rows[rows.length - 1];
  if (end?.first !== undefined && end.last !== undefined && end.last !== end.first) end.row.pages = `${end.first}-${end.last}`;
  return rows.map((r) => r.row);
}

/** 年度 of a volume: the year of its dates, or first–last year when they span years. */
function yearsOf(range: string | undefined, records: CatalogueRecord[]): string {
  const m = /^(\d{4})\d{4}-(\d{4})\d{4}$/.exec(range?.trim() ?? '');
  let years: string[] = m ? [m[1], m[2]] : [];
  if (years.length === 0) {
    const ys = records.map((r) => r.description?.date?.trim().slice(0, 4) ?? '').filter((y) => /^\d{4}$/.test(y)).sort();
    years = ys.length ? [ys[0], ys[ys.length - 1]] : [];
  }
  if (years.length === 0) return '';
  return years[0] === years[1] ? years[0] : `${years[0]}-${years[1]}`;
}
