// 档号 as a string and as components: item form `J001-WS·2024-Y-BGS-0001`, volume form `J001-001-0012[-003]`.
import type { ArchivalCodeElements, ArchivalCodeParts } from './model.ts';

/** The separator between 门类代码 and 年度 (U+00B7 MIDDLE DOT). */
export const MIDDLE_DOT = '\u00b7';

/** A segment: letters and digits of any script (保管期限 may be written 永久). */
const SEGMENT = /^[\p{L}\p{N}]+$/u;

/** Composes the string form of a 档号 from its parts (no validation of the values themselves). */
export function composeArchivalCode(parts: ArchivalCodeParts): string {
  if (parts.form === 'item') {
    const division = parts.division === undefined || parts.division === '' ? '' : `-${parts.division}`;
    return `${parts.fonds}-${parts.category}${MIDDLE_DOT}${parts.year}-${parts.retention}${division}-${parts.itemNumber}`;
  }
  const seq = parts.sequenceInVolume === undefined || parts.sequenceInVolume === '' ? '' : `-${parts.sequenceInVolume}`;
  return `${parts.fonds}-${parts.catalogueNumber}-${parts.volumeNumber}${seq}`;
}

/**
 * Splits a 档号 string into its parts; undefined when it has neither form's shape. Only the shape
 * is checked (non-empty segments of letters and digits); value rules are the checks' job.
 */
export function parseArchivalCode(code: string): ArchivalCodeParts | undefined {
  const dots = code.split(MIDDLE_DOT);
  if (dots.length === 2) {
    const left = dots[0]!.split('-');
    const right = dots[1]!.split('-');
    if (left.length !== 2 || (right.length !== 3 && right.length !== 4)) return undefined;
    if (![...left, ...right].every((s) => SEGMENT.test(s))) return undefined;
    const [fonds, category] = left as [string, string];
    if (right.length === 3) {
      const [year, retention, itemNumber] = right as [string, string, string];
      return { form: 'item', fonds, category, year, retention, itemNumber };
    }
    const [year, retention, division, itemNumber] = right as [string, string, string, string];
    return { form: 'item', fonds, category, year, retention, division, itemNumber };
  }
  if (dots.length !== 1) return undefined;
  const segs = code.split('-');
  if ((segs.length !== 3 && segs.length !== 4) || !segs.every((s) => SEGMENT.test(s))) return undefined;
  const [fonds, catalogueNumber, volumeNumber, sequenceInVolume] = segs as [string, string, string, string | undefined];
  return sequenceInVolume === undefined
    ? { form: 'volume', fonds, catalogueNumber, volumeNumber }
    : { form: 'volume', fonds, catalogueNumber, volumeNumber, sequenceInVolume };
}

/**
 * The parts written in a record's or volume's <档号> element, when complete enough to compose:
 * item form needs 全宗号, 门类代码, 年度, 保管期限, 件号; volume form 全宗号, 目录号, 案卷号.
 * Undefined when parts are missing or both forms are mixed.
 */
export function archivalCodeParts(el: ArchivalCodeElements | undefined): ArchivalCodeParts | undefined {
  if (!el || el.fonds === undefined) return undefined;
  const item = [el.category, el.year, el.retention, el.division, el.itemNumber].some((v) => v !== undefined);
  const volume = [el.catalogueNumber, el.volumeNumber, el.sequenceInVolume, el.pageRange].some((v) => v !== undefined);
  if (item && !volume) {
    const { fonds, category, year, retention, division, itemNumber } = el;
    if (category === undefined || year === undefined || retention === undefined || itemNumber === undefined) return undefined;
    return division === undefined
      ? { form: 'item', fonds, category, year, retention, itemNumber }
      : { form: 'item', fonds, category, year, retention, division, itemNumber };
  }
  if (volume && !item) {
    const { fonds, catalogueNumber, volumeNumber, sequenceInVolume } = el;
    if (catalogueNumber === undefined || volumeNumber === undefined) return undefined;
    return sequenceInVolume === undefined
      ? { form: 'volume', fonds, catalogueNumber, volumeNumber }
      : { form: 'volume', fonds, catalogueNumber, volumeNumber, sequenceInVolume };
  }
  return undefined;
}

/** The string 档号 of a <档号> element (what its folder must be named), when it can be composed. */
export function archivalCodeOf(el: ArchivalCodeElements | undefined): string | undefined {
  const parts = archivalCodeParts(el);
  return parts && composeArchivalCode(parts);
}
