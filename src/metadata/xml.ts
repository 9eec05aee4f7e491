// Safe XML reading for untrusted metadata: size cap, declared encodings only, no DOCTYPE/ENTITY, and
// an element tree that keeps order, text exactly as written and each element's path.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { finding, type Finding } from '../checks/finding.ts';
import { decodeText, type TextEncodingName } from './text-encoding.ts';

export const DEFAULT_MAX_XML_BYTES = 8 * 1024 * 1024;

export interface XmlOptions {
  /** Refuse documents larger than this many bytes before parsing (default 8 MiB). */
  maxBytes?: number;
  /**
   * Documents longer than this many characters are parsed a batch of the root's children at a
   * time (default 256 Ki): the parser's own tree of a whole 目录文件 of 10,000 entries is ~55 MB.
   * The result is the same element tree.
   */
  chunkAbove?: number;
}

/** One element: its name, attributes, element children in order, and its own text as written. */
export interface XmlElement {
  name: string;
  /** Element path, 1-based per name among siblings: `电子文件元数据/电子文件[2]/数字摘要`. */
  path: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text and CDATA directly inside this element (not its children's), untrimmed. */
  text: string;
  /** 1-based line and column of the element's start tag in the decoded text. */
  line: number;
  column: number;
}

export interface XmlDocument {
  root: XmlElement;
  encoding: TextEncodingName;
}

export type XmlResult = { ok: true; doc: XmlDocument } | { ok: false; findings: Finding[] };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  // DOCTYPE is refused before parsing; these limits are a second line of defence.
  maxNestedTags: 64,
  captureMetaData: true,
} as ConstructorParameters<typeof XMLParser>[0]);

/** Reads an XML document safely. Never throws for bad input: problems come back as '3-1' findings. */
export function readXml(bytes: Uint8Array, target: string, options: XmlOptions = {}): XmlResult {
  const p = prepare(bytes, target, options);
  return p.ok ? tree(p, target, options) : p;
}

/** The element tree, batch by batch when large (see XmlOptions.chunkAbove) and the scan allows it. */
function tree(p: Prepared & { ok: true }, target: string, options: XmlOptions, plan = planFor(p.text, options)): XmlResult {
  const { text, lines, encoding } = p;
  const root = plan && treeInBatches(text, lines, plan);
  if (root) return { ok: true, doc: { root, encoding } };
  // small documents, and anything the scan does not expect: the whole-document parse decides
  return parseWhole(text, lines, encoding, target);
}

/** An element whose children may be produced one at a time (the root of an incremental reading). */
export type XmlNode = Omit<XmlElement, 'children'> & { children: Iterable<XmlElement> };

export type IncrementalXmlResult = { ok: true; root: XmlNode; encoding: TextEncodingName } | { ok: false; findings: Finding[] };

/**
 * Thrown while iterating an incremental root's children when a batch does not parse as the scan
 * foresaw; the caller then reads the document with readXml, which decides what is wrong with it.
 */
export class IncrementalXmlMismatch extends Error {}

/**
 * As readXml, but a large document's root children are parsed a batch at a time as they are
 * iterated (once), so the element tree of a whole 目录文件 (28 MB for 10,000 entries) is never
 * held at once: a reader that converts each child and lets it go holds only its own model. The
 * elements are those readXml would build. A root with text of its own (not whitespace) is read
 * whole, as readXml does. Iteration may throw IncrementalXmlMismatch (see there).
 */
export function readXmlIncremental(bytes: Uint8Array, target: string, options: XmlOptions = {}): IncrementalXmlResult {
  const p = prepare(bytes, target, options);
  if (!p.ok) return p;
  const { text, lines, encoding } = p;
  const plan = planFor(text, options);
  if (plan?.blankText) {
    const { rootName, attributes, rootStart } = plan;
    const children: Iterable<XmlElement> = {
      [Symbol.iterator]: () =>
        batchChildren(text, lines, plan, (t) => {
          if (t.trim() !== '') throw new IncrementalXmlMismatch('root text');
        }),
    };
    return { ok: true, root: { name: rootName, path: rootName, attributes, children, text: '', ...position(lines, rootStart) }, encoding };
  }
  const whole = tree(p, target, options, plan);
  return whole.ok ? { ok: true, root: whole.doc.root, encoding: whole.doc.encoding } : whole;
}

function planFor(text: string, options: XmlOptions): BatchPlan | undefined {
  return text.length > (options.chunkAbove ?? DEFAULT_CHUNK_ABOVE) ? planBatches(text) : undefined;
}

type Prepared = { ok: true; text: string; lines: number[]; encoding: TextEncodingName } | { ok: false; findings: Finding[] };

/** Size cap, encoding, DOCTYPE/ENTITY, forbidden characters and well-formedness: everything before building a tree. */
function prepare(bytes: Uint8Array, target: string, options: XmlOptions): Prepared {
  const fail = (message: string, extra: Partial<Finding> = {}): Prepared => ({
    ok: false,
    findings: [finding('3-1', target, message, extra)],
  });
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_XML_BYTES;
  if (bytes.byteLength > maxBytes) {
    return fail(`XML 文件过大，未解析 (file too large: ${bytes.byteLength} bytes > ${maxBytes})`, {
      expected: `≤ ${maxBytes}`,
      actual: String(bytes.byteLength),
    });
  }

  const declared = declaredEncoding(bytes);
  const decoded = decodeText(bytes, declared);
  if (!decoded.ok) return fail(decoded.message);
  const text = decoded.text;
  const lines = lineStarts(text);

  const dtd = /<!(DOCTYPE|ENTITY)\b/i.exec(text);
  if (dtd) {
    const { line, column } = position(lines, dtd.index);
    return fail(`XML 含有 ${dtd[1]!.toUpperCase()} 声明，拒绝解析 (DOCTYPE/ENTITY declarations are not allowed; line ${line}, column ${column})`);
  }

  const badChar = forbiddenCharacter(text);
  if (badChar) {
    const { line, column } = position(lines, badChar.index);
    return fail(
      `XML 第 ${line} 行第 ${column} 列含有 XML 不允许的字符 ${badChar.what} (a character XML 1.0 forbids, e.g. a control character, at line ${line}, column ${column})`,
      { actual: badChar.what },
    );
  }

  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    return fail(`XML 格式错误：第 ${line} 行第 ${col} 列 (malformed XML at line ${line}, column ${col}): ${msg}`);
  }
  return { ok: true, text, lines, encoding: decoded.encoding };
}

function parseWhole(text: string, lines: number[], encoding: TextEncodingName, target: string): XmlResult {
  const fail = (message: string): XmlResult => ({ ok: false, findings: [finding('3-1', target, message)] });
  let nodes: unknown;
  try {
    nodes = parser.parse(text);
  } catch (e) {
    return fail(`XML 无法解析 (cannot parse): ${(e as Error).message}`);
  }
  const roots = (nodes as OrderedNode[]).filter((n) => elementName(n) !== undefined);
  if (roots.length !== 1) return fail(`XML 应有且仅有一个根元素 (expected one root element, found ${roots.length})`);
  const root = roots[0]!;
  const name = elementName(root)!;
  return { ok: true, doc: { root: toElement(root, name, name, lines), encoding } };
}

/** The encoding named in the XML declaration, lower-cased, if any. */
export function declaredEncoding(bytes: Uint8Array): string | undefined {
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  const head = new TextDecoder('latin1').decode(bytes.subarray(start, start + 256));
  const m = /^<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head);
  return m ? m[1]!.toLowerCase() : undefined;
}

/** XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/**
 * The first character XML 1.0 forbids, written literally or as a numeric reference. The parser
 * would drop such references silently, hiding control characters from the checks.
 */
function forbiddenCharacter(text: string): { index: number; what: string } | undefined {
  const raw = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.exec(text);
  const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  let found = raw ? { index: raw.index, what: hex(raw[0].codePointAt(0)!) } : undefined;
  for (const m of text.matchAll(/&#(x[0-9a-fA-F]+|[0-9]+);/g)) {
    if (found && m.index > found.index) break;
    const digits = m[1]!;
    const cp = digits.startsWith('x') ? Number.parseInt(digits.slice(1), 16) : Number.parseInt(digits, 10);
    if (!isXmlChar(cp)) {
      found = { index: m.index, what: m[0] };
      break;
    }
  }
  return found;
}

type OrderedNode = Record<string, unknown>;

function elementName(node: OrderedNode): string | undefined {
  for (const k in node) {
    if (k === ':@' || k === '#text' || k.startsWith('?')) continue;
    return k;
  }
  return undefined;
}

const META = XMLParser.getMetaDataSymbol() as unknown as string;

/** Offsets at which each line starts. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function position(lines: number[], index: number): { line: number; column: number } {
  let lo = 0;
  let hi = lines.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lines[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: index - lines[lo]! + 1 };
}

/**
 * Converts one parser node. Children are indexed per name (XPath style, 1-based) only where a name
 * occurs more than once among its siblings, so single elements read `…/内容描述/题名`.
 */
function toElement(node: OrderedNode, name: string, path: string, lines: number[], offset = 0): XmlElement {
  const raw = (node[name] ?? []) as OrderedNode[];
  const named: [OrderedNode, string][] = [];
  const counts = new Map<string, number>();
  let text = '';
  for (const n of raw) {
    const cn = elementName(n);
    if (cn === undefined) {
      if ('#text' in n) text += String(n['#text']);
      continue;
    }
    named.push([n, cn]);
    counts.set(cn, (counts.get(cn) ?? 0) + 1);
  }
  const seen = new Map<string, number>();
  const children: XmlElement[] = [];
  for (const [c, cn] of named) {
    const i = (seen.get(cn) ?? 0) + 1;
    seen.set(cn, i);
    children.push(toElement(c, cn, counts.get(cn) === 1 ? `${path}/${cn}` : `${path}/${cn}[${i}]`, lines, offset));
  }
  const attributes: Record<string, string> = {};
  const attrs = node[':@'] as Record<string, unknown> | undefined;
  if (attrs) for (const k in attrs) attributes[k] = String(attrs[k]);
  const start = (node[META] as { startIndex?: number } | undefined)?.startIndex ?? 0;
  return { name, path, attributes, children, text, ...position(lines, start + offset) };
}

const DEFAULT_CHUNK_ABOVE = 256 * 1024;
/** Characters of the root's content parsed at once. */
const BATCH = 64 * 1024;

/** Index just after the `>` ending the tag that starts at `lt`, quotes respected; -1 if none. */
function tagEnd(text: string, lt: number): number {
  let quote = 0;
  for (let j = lt + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x3e) return j + 1;
  }
  return -1;
}

/** Skips a comment, CDATA section or processing instruction at `lt`: the index after it, -1 if unterminated, undefined if none is there. */
function skipSpecial(text: string, lt: number): number | undefined {
  const skip = (open: string, close: string) => {
    if (!text.startsWith(open, lt)) return undefined;
    const e = text.indexOf(close, lt + open.length);
    return e < 0 ? -1 : e + close.length;
  };
  return skip('<!--', '-->') ?? skip('<![CDATA[', ']]>') ?? skip('<?', '?>');
}

/** Where a large document's root and its children are, from a scan of the already validated text. */
interface BatchPlan {
  rootName: string;
  attributes: Record<string, string>;
  rootStart: number;
  rootOpenEnd: number;
  rootCloseStart: number;
  /** Start offset and name of each child of the root. */
  starts: number[];
  names: string[];
  /** The root's own text (between its children) is whitespace only, with no CDATA. */
  blankText: boolean;
}

/** Undefined when the scan meets anything it does not expect (the caller then parses the whole document). */
function planBatches(text: string): BatchPlan | undefined {
  // the root's start tag, after the prolog
  let i = 0;
  let rootStart = -1;
  while (rootStart < 0) {
    const lt = text.indexOf('<', i);
    if (lt < 0) return undefined;
    const after = skipSpecial(text, lt);
    if (after === -1 || text[lt + 1] === '!' && after === undefined) return undefined;
    if (after !== undefined) i = after;
    else rootStart = lt;
  }
  const rootOpenEnd = tagEnd(text, rootStart);
  if (rootOpenEnd < 0 || text[rootOpenEnd - 2] === '/') return undefined;
  const rootName = /^[^\s/>]+/.exec(text.slice(rootStart + 1, rootStart + 200))?.[0];
  if (!rootName) return undefined;

  // the root's children: where each starts, and its name
  const starts: number[] = [];
  const names: string[] = [];
  let depth = 0;
  let rootCloseStart = -1;
  let blankText = true;
  i = rootOpenEnd;
  while (rootCloseStart < 0) {
    const lt = text.indexOf('<', i);
    if (lt < 0) return undefined;
    if (depth === 0 && blankText && /\S/.test(text.slice(i, lt))) blankText = false;
    const after = skipSpecial(text, lt);
    if (after === -1) return undefined;
    if (after !== undefined) {
      if (depth === 0 && text.startsWith('<![CDATA[', lt)) blankText = false;
      i = after;
      continue;
    }
    const end = tagEnd(text, lt);
    if (end < 0) return undefined;
    if (text[lt + 1] === '/') {
      if (depth === 0) rootCloseStart = lt;
      else depth--;
    } else {
      if (depth === 0) {
        const name = /^[^\s/>]+/.exec(text.slice(lt + 1, lt + 200))?.[0];
        if (!name) return undefined;
        starts.push(lt);
        names.push(name);
      }
      if (text[end - 2] !== '/') depth++;
    }
    i = end;
  }
  // after the root: nothing but comments and processing instructions (else the whole parse reports it)
  for (let lt = text.indexOf('<', tagEnd(text, rootCloseStart)); lt >= 0; ) {
    const after = skipSpecial(text, lt);
    if (after === undefined || after < 0 || text.startsWith('<![CDATA[', lt)) return undefined;
    lt = text.indexOf('<', after);
  }

  try {
    const head = parser.parse(`${text.slice(rootStart, rootOpenEnd)}</${rootName}>`) as OrderedNode[];
    const rootNode = head.find((n) => elementName(n) === rootName);
    if (!rootNode) return undefined;
    const attributes: Record<string, string> = {};
    const attrs = rootNode[':@'] as Record<string, unknown> | undefined;
    if (attrs) for (const k in attrs) attributes[k] = String(attrs[k]);
    return { rootName, attributes, rootStart, rootOpenEnd, rootCloseStart, starts, names, blankText };
  } catch {
    return undefined;
  }
}

/**
 * The root's children, parsed a batch at a time; the root's own text goes to `onText`. Throws
 * IncrementalXmlMismatch when a batch does not hold the children the scan found there.
 */
function* batchChildren(text: string, lines: number[], plan: BatchPlan, onText: (t: string) => void): Generator<XmlElement, void, undefined> {
  const { rootName, rootOpenEnd, rootCloseStart, starts, names } = plan;
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  const seen = new Map<string, number>();
  const open = `<${rootName}>`;
  let produced = 0;
  // batches run from one child's start to a later one's, so the text between two children is never split
  let from = rootOpenEnd;
  let k = 0;
  while (from < rootCloseStart) {
    while (k < starts.length && starts[k]! <= from) k++;
    let to = rootCloseStart;
    for (let j = k; j < starts.length; j++) {
      if (starts[j]! - from >= BATCH) {
        to = starts[j]!;
        k = j;
        break;
      }
    }
    let expected = 0;
    for (let j = produced; j < starts.length && starts[j]! < to; j++) expected++;
    let batch: OrderedNode[];
    try {
      batch = parser.parse(`${open}${text.slice(from, to)}</${rootName}>`) as OrderedNode[];
    } catch {
      throw new IncrementalXmlMismatch('batch does not parse');
    }
    const wrapper = batch.find((n) => elementName(n) === rootName);
    if (!wrapper || batch.length !== 1) throw new IncrementalXmlMismatch('batch is not one element');
    const nodes = (wrapper[rootName] ?? []) as OrderedNode[];
    let inBatch = 0;
    for (const n of nodes) if (elementName(n) !== undefined) inBatch++;
    if (inBatch !== expected) throw new IncrementalXmlMismatch('batch children differ from the scan');
    batch = [];
    for (let ni = 0; ni < nodes.length; ni++) {
      const n = nodes[ni]!;
      const cn = elementName(n);
      if (cn === undefined) {
        if ('#text' in n) onText(String(n['#text']));
        continue;
      }
      const c = (seen.get(cn) ?? 0) + 1;
      seen.set(cn, c);
      const path = counts.get(cn) === 1 ? `${rootName}/${cn}` : `${rootName}/${cn}[${c}]`;
      const el = toElement(n, cn, path, lines, from - open.length);
      nodes[ni] = {}; // let the parser's node go while the batch is consumed
      produced++;
      yield el;
    }
    from = to;
  }
  if (produced !== starts.length) throw new IncrementalXmlMismatch('children differ from the scan');
}

/** The whole element tree of a large document, built batch by batch; undefined when a batch is not as the scan foresaw. */
function treeInBatches(text: string, lines: number[], plan: BatchPlan): XmlElement | undefined {
  let rootText = '';
  const children: XmlElement[] = [];
  try {
    for (const el of batchChildren(text, lines, plan, (t) => (rootText += t))) children.push(el);
  } catch (e) {
    if (e instanceof IncrementalXmlMismatch) return undefined;
    throw e;
  }
  return { name: plan.rootName, path: plan.rootName, attributes: plan.attributes, children, text: rootText, ...position(lines, plan.rootStart) };
}
