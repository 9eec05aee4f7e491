// Generic, scheme-driven conversion between an XML element tree and the model, both ways.
// Reading checks element order, unknown and repeated elements against the scheme; writing emits
// the scheme's order. Absent/empty values are left for the checks (GD-2-3, GD-2-4).
import { finding, type Finding, type ItemNumber } from '../checks/finding.ts';
import type { Leaf } from './model.ts';
import { flatChildren, type ChildDef, type DocumentDef, type ElementDef } from './scheme.ts';
import type { XmlElement, XmlNode } from './xml.ts';

type Obj = Record<string, unknown>;

export interface ReadContext {
  /** Package-relative path of the document, the target of findings. */
  target: string;
  /** Item for structure problems (order, unknown or repeated elements, stray text). */
  structureItem: ItemNumber;
  findings: Finding[];
  leaves: Leaf[];
  /**
   * The tree is the reader's alone: each element is let go once read, so a large document (a
   * 目录文件 of 10,000 entries) is never held twice, as elements and as the model.
   */
  consume?: boolean;
}

/** Reads a document's root element per its definition into a plain model object (with `at`). */
export function readDocument(def: DocumentDef, root: XmlNode, ctx: ReadContext): Obj | undefined {
  if (root.name !== def.root) {
    ctx.findings.push(
      finding(ctx.structureItem, ctx.target, `根元素应为 <${def.root}>，实为 <${root.name}> (wrong root element)`, {
        expected: def.root,
        actual: root.name,
      }),
    );
    return undefined;
  }
  const obj = readGroup(def.children, root, def.root, ctx);
  for (const a of def.attributes) {
    const v = root.attributes[a.name];
    if (v !== undefined) obj[a.key] = v;
  }
  return obj;
}

interface GroupIndex {
  flat: ElementDef[];
  /** Element name → position in scheme order. */
  position: Map<string, number>;
  /** Element name → the 档号 branch it belongs to, for choices. */
  branchOf: Map<string, string>;
}

const indexes = new WeakMap<readonly ChildDef[], GroupIndex>();

function indexOf(defs: readonly ChildDef[]): GroupIndex {
  let ix = indexes.get(defs);
  if (!ix) {
    const flat = flatChildren(defs);
    ix = { flat, position: new Map(flat.map((d, i) => [d.name, i])), branchOf: choiceBranches(defs) };
    indexes.set(defs, ix);
  }
  return ix;
}

function readGroup(defs: readonly ChildDef[], el: XmlNode, at: string, ctx: ReadContext): Obj {
  const { flat, position, branchOf } = indexOf(defs);
  const obj: Obj = { at };
  for (const d of flat) if (d.kind === 'group' && d.repeated) obj[d.key] = [];
  const branchesSeen = new Set<string>();
  let last = -1;
  let lastName = '';
  const counts = new Map<string, number>();

  if (el.text.trim() !== '') {
    ctx.findings.push(finding(ctx.structureItem, ctx.target, `第 ${el.line} 行：元素 ${at} 中含有多余的文本 (line ${el.line}: unexpected text in a container element)`, { actual: el.text.trim().slice(0, 50) }));
  }

  // the children may come one at a time (an incremental reading's root): one pass, in order
  const children = el.children;
  const release = ctx.consume && Array.isArray(children) ? (children as (XmlElement | undefined)[]) : undefined;
  let ci = -1;
  for (const child of children) {
    ci++;
    if (release) release[ci] = undefined;
    const index = position.get(child.name) ?? -1;
    const def = flat[index];
    if (!def) {
      ctx.findings.push(
        finding(ctx.structureItem, ctx.target, `第 ${child.line} 行：未知元素 ${at}/${child.name}，已忽略 (line ${child.line}: element not in the scheme, ignored)`, { severity: 'warn' }),
      );
      continue;
    }
    const n = (counts.get(child.name) ?? 0) + 1;
    counts.set(child.name, n);
    const repeated = def.kind === 'group' && def.repeated;
    const path = repeated ? `${at}/${child.name}[${n}]` : `${at}/${child.name}`;
    if (index < last) {
      ctx.findings.push(
        finding(ctx.structureItem, ctx.target, `第 ${child.line} 行：元素顺序错误：${path} 应在 ${lastName} 之前 (line ${child.line}: element out of order)`),
      );
    }
    if (index > last) {
      last = index;
      lastName = path;
    }
    const branch = branchOf.get(child.name);
    if (branch !== undefined) branchesSeen.add(branch);
    if (!repeated && n > 1) {
      ctx.findings.push(finding(ctx.structureItem, ctx.target, `第 ${child.line} 行：元素 ${path} 重复出现，只读取第一个 (line ${child.line}: element repeated)`));
      continue;
    }
    if (def.kind === 'leaf') {
      if (child.children.length > 0) {
        ctx.findings.push(finding('1-6', ctx.target, `第 ${child.line} 行：${path} 的值中含有标记（子元素）(line ${child.line}: markup inside a value)`, { actual: child.children.map((c) => `<${c.name}>`).join('') }));
      }
      obj[def.key] = child.text;
      ctx.leaves.push({ path, value: child.text, line: child.line });
    } else {
      const value = readGroup(def.children, child, path, ctx);
      if (repeated) (obj[def.key] as Obj[]).push(value);
      else obj[def.key] = value;
    }
  }
  if (branchesSeen.size > 1) {
    ctx.findings.push(
      finding(ctx.structureItem, ctx.target, `${at} 混用了两种形式的元素（按件与卷内）(mixes the item form and the volume form)`),
    );
  }
  return obj;
}

function choiceBranches(defs: readonly ChildDef[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const d of defs) {
    if (d.kind !== 'choice') continue;
    for (const b of d.branches) for (const c of b.children) m.set(c.name, b.name);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Escapes text content (and attribute values when `attr`) for XML; CR and controls as references. */
export function escapeXml(s: string, attr = false): string {
  let out = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (attr) out = out.replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
  return out.replace(/\r/g, '&#13;');
}

/** Writes a model object as a UTF-8 XML document in the scheme's element order. */
export function writeDocument(def: DocumentDef, obj: Obj): string {
  const attrs = def.attributes
    .filter((a) => obj[a.key] !== undefined)
    .map((a) => ` ${a.name}="${escapeXml(String(obj[a.key]), true)}"`)
    .join('');
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<${def.root}${attrs}>`];
  writeChildren(def.children, obj, '  ', lines);
  lines.push(`</${def.root}>`, '');
  return lines.join('\n');
}

function writeChildren(defs: readonly ChildDef[], obj: Obj, indent: string, lines: string[]): void {
  for (const def of flatChildren(defs)) {
    const v = obj[def.key];
    if (v === undefined) continue;
    if (def.kind === 'group' && def.repeated) {
      for (const item of v as Obj[]) writeElement(def, item, indent, lines);
    } else {
      writeElement(def, v, indent, lines);
    }
  }
}

function writeElement(def: ElementDef, v: unknown, indent: string, lines: string[]): void {
  if (def.kind === 'leaf') {
    lines.push(`${indent}<${def.name}>${escapeXml(String(v))}</${def.name}>`);
    return;
  }
  lines.push(`${indent}<${def.name}>`);
  writeChildren(def.children, v as Obj, indent + '  ', lines);
  lines.push(`${indent}</${def.name}>`);
}
