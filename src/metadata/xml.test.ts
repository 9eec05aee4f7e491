// Tests of the safe XML reader: size cap, encodings, DOCTYPE/ENTITY refusal, errors with positions.
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { declaredEncoding, readXml, readXmlIncremental } from './xml.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

function mustRead(bytes: Uint8Array) {
  const r = readXml(bytes, 'x.xml');
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.findings)}`);
  return r.doc;
}

function mustFail(bytes: Uint8Array, maxBytes?: number) {
  const r = readXml(bytes, 'p/x.xml', maxBytes === undefined ? {} : { maxBytes });
  if (r.ok) throw new Error('expected findings');
  expect(r.findings).toHaveLength(1);
  expect(r.findings[0]!.item).toBe('3-1');
  expect(r.findings[0]!.target).toBe('p/x.xml');
  return r.findings[0]!;
}

describe('readXml', () => {
  it('keeps text exactly as written: leading zeros, spaces, empty elements, attributes as strings', () => {
    const doc = mustRead(utf8('<根 版本="1.0"><件号>0001</件号><数>1e5</数><题名>  有空格 </题名><空/><空2></空2></根>'));
    expect(doc.encoding).toBe('utf-8');
    expect(doc.root.name).toBe('根');
    expect(doc.root.attributes).toEqual({ 版本: '1.0' });
    expect(doc.root.children.map((c) => [c.name, c.text])).toEqual([
      ['件号', '0001'],
      ['数', '1e5'],
      ['题名', '  有空格 '],
      ['空', ''],
      ['空2', ''],
    ]);
  });

  it('decodes numeric character references and the predefined entities', () => {
    const doc = mustRead(utf8('<a><b>&#x4E2D;&#25991;&amp;&lt;&gt;&quot;&apos;</b><c><![CDATA[x<y]]></c></a>'));
    expect(doc.root.children[0]!.text).toBe('中文&<>"\'');
    expect(doc.root.children[1]!.text).toBe('x<y');
  });

  it('gives paths, indexing only names that repeat among siblings', () => {
    const doc = mustRead(utf8('<r><f><n>1</n></f><f><n>2</n></f><g/></r>'));
    expect(doc.root.children.map((c) => c.path)).toEqual(['r/f[1]', 'r/f[2]', 'r/g']);
    expect(doc.root.children[1]!.children[0]!.path).toBe('r/f[2]/n');
    const lined = mustRead(utf8('<?xml version="1.0"?>\r\n<r>\r\n  <a>x</a>\n\t<b/></r>'));
    expect([lined.root, ...lined.root.children].map((e) => [e.name, e.line, e.column])).toEqual([
      ['r', 2, 1],
      ['a', 3, 3],
      ['b', 4, 2],
    ]);
  });

  it('tolerates a UTF-8 BOM', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('<?xml version="1.0" encoding="UTF-8"?><a>中文</a>')]);
    expect(mustRead(bytes).root.text).toBe('中文');
  });

  it('reads GBK and GB18030 when the prolog declares them', () => {
    for (const enc of ['GBK', 'gb18030', 'GB2312']) {
      const bytes = iconv.encode(`<?xml version="1.0" encoding="${enc}"?><题名>关于防汛的通知</题名>`, enc === 'GB2312' ? 'gbk' : enc);
      expect(declaredEncoding(bytes)).toBe(enc.toLowerCase());
      const doc = mustRead(bytes);
      expect(doc.encoding).toBe('gb18030');
      expect(doc.root.name).toBe('题名');
      expect(doc.root.text).toBe('关于防汛的通知');
    }
  });

  it('refuses undeclared GBK bytes as a finding', () => {
    const f = mustFail(iconv.encode('<?xml version="1.0"?><题名>关于防汛的通知</题名>', 'gbk'));
    expect(f.message).toMatch(/UTF-8/);
    expect(f.message).toMatch(/GBK/);
  });

  it('refuses GBK bytes declared as UTF-8, an unsupported encoding, and UTF-16', () => {
    mustFail(iconv.encode('<?xml version="1.0" encoding="UTF-8"?><题名>通知</题名>', 'gbk'));
    expect(mustFail(utf8('<?xml version="1.0" encoding="ISO-8859-1"?><a/>')).message).toMatch(/iso-8859-1/);
    expect(mustFail(iconv.encode('\ufeff<a/>', 'utf16le')).message).toMatch(/UTF-16/);
  });

  it('refuses billion laughs with a 3-1 finding, without expanding anything', () => {
    const lol = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE lolz [',
      ' <!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
      ']>',
      '<lolz>&lol9;</lolz>',
    ].join('\n');
    const started = performance.now();
    const f = mustFail(utf8(lol));
    expect(performance.now() - started).toBeLessThan(200);
    expect(f.message).toMatch(/DOCTYPE/);
    expect(f.message).toMatch(/line 2/);
    expect(f.message).not.toMatch(/lollol/);
  });

  it('refuses an external entity (XXE) and a bare ENTITY declaration', () => {
    const f = mustFail(utf8('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<r>&x;</r>'));
    expect(f.message).not.toMatch(/root:/);
    expect(f.message).toMatch(/DOCTYPE/);
    expect(mustFail(utf8('<r><!ENTITY x "y"></r>')).message).toMatch(/ENTITY/);
    expect(mustFail(utf8('<!DOCTYPE html><r/>')).message).toMatch(/DOCTYPE/);
  });

  it('refuses an oversized document before parsing it', () => {
    const big = utf8(`<r>${'x'.repeat(300)}</r`); // also malformed: only the size is reported
    const f = mustFail(big, 100);
    expect(f.message).toMatch(/过大/);
    expect(f.actual).toBe(String(big.byteLength));
    expect(readXml(utf8('<r/>'), 'x', { maxBytes: 4 }).ok).toBe(true);
  });

  it('reports malformed XML with line and column', () => {
    const f = mustFail(utf8('<?xml version="1.0"?>\n<a>\n  <b>x</c>\n</a>'));
    expect(f.message).toMatch(/第 3 行第 \d+ 列/);
    expect(f.message).toMatch(/line 3, column \d+/);
    mustFail(utf8(''));
    mustFail(utf8('<a/><b/>'));
    mustFail(utf8('just text'));
  });

  it('refuses characters XML forbids, literal or as references, with their position', () => {
    expect(mustFail(utf8('<a>\n x\u0001y</a>')).message).toMatch(/第 2 行第 3 列.*U\+0001/);
    for (const ref of ['&#1;', '&#x0;', '&#xD800;', '&#x110000;', '&#65535;']) {
      expect(mustFail(utf8(`<a>${ref}</a>`)).actual).toBe(ref);
    }
    expect(mustRead(utf8('<a>&#9;&#x10FFFF;&#x20;</a>')).root.text).toBe('\t\u{10FFFF} ');
  });

  it('refuses excessive nesting and dangerous names as findings, not exceptions', () => {
    const deep = '<a>'.repeat(200) + '</a>'.repeat(200);
    expect(mustFail(utf8(deep)).item).toBe('3-1');
    const proto = readXml(utf8('<r><__proto__>x</__proto__></r>'), 'x.xml');
    // fast-xml-parser refuses it; either way nothing throws and nothing is polluted.
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    if (!proto.ok) expect(proto.findings[0]!.item).toBe('3-1');
  });
});

describe('readXml in batches (large documents)', () => {
  const both = (text: string) => {
    const bytes = utf8(text);
    const batched = readXml(bytes, 'big.xml', { chunkAbove: 0 });
    const whole = readXml(bytes, 'big.xml', { chunkAbove: Number.POSITIVE_INFINITY });
    return { batched, whole };
  };

  it('gives the same tree as the whole-document parse: paths, text, attributes, lines and columns', () => {
    const entries: string[] = [];
    for (let i = 1; i <= 3000; i++) {
      const odd = i % 7 === 0 ? '<!-- a > comment <条目> -->' : i % 11 === 0 ? '<?pi x > y?>' : '';
      entries.push(
        `${i % 3 === 0 ? '\r\n' : '\n'}  ${odd}<条目 序号="${i}" 注='a > b "q"'>\r\n    <档号>J001-WS·2024-Y-${String(i).padStart(4, '0')}</档号><题名>  题名 &amp; &lt;${i}&gt; &#x4E2D; <![CDATA[<x>&amp;]]></题名>${i % 5 === 0 ? '<空/>' : ''}<嵌套><a><b>${i}</b></a></嵌套>\n  </条目>`,
      );
      if (i % 500 === 0) entries.push(`<其他 k="${i}"/>杂文本 &amp; ${i}`);
    }
    const text = `<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- 目录 -->\n<目录文件 版本="1.0" 说明='x > y'>根文本${entries.join('')}\n</目录文件>\n<!-- 尾 -->\n`;
    const { batched, whole } = both(text);
    expect(whole.ok).toBe(true);
    expect(batched).toEqual(whole);
    if (!batched.ok) return;
    expect(batched.doc.root.children).toHaveLength(3006);
    expect(batched.doc.root.children.filter((c) => c.name === '条目')[2998]!.path).toBe('目录文件/条目[2999]');
    expect(batched.doc.root.children.find((c) => c.name === '其他')!.path).toBe('目录文件/其他[1]');
  });

  it('readXmlIncremental yields the children readXml builds, one batch at a time, once', () => {
    const body = Array.from({ length: 3000 }, (_, i) => `\n  <!-- c -->\n  <条目 序号="${i}"><题名>题名 &amp; ${i}<![CDATA[<x>]]></题名></条目>`).join('');
    const bytes = utf8(`<?xml version="1.0"?>\n<目录文件 版本="1">${body}\n</目录文件>\n`);
    const whole = readXml(bytes, 'big.xml', { chunkAbove: Number.POSITIVE_INFINITY });
    const inc = readXmlIncremental(bytes, 'big.xml', { chunkAbove: 0 });
    if (!whole.ok || !inc.ok) throw new Error('expected both to read');
    expect(Array.isArray(inc.root.children)).toBe(false);
    const { children, ...root } = inc.root;
    const { children: wholeChildren, text: _text, ...wholeRoot } = whole.doc.root;
    expect({ ...root, text: undefined }).toEqual({ ...wholeRoot, text: undefined });
    expect([...children]).toEqual(wholeChildren);
    // a small document, or a root with text of its own, is the whole tree
    const small = readXmlIncremental(utf8('<r><e>1</e></r>'), 'x.xml');
    expect(small.ok && Array.isArray(small.root.children)).toBe(true);
    const texty = readXmlIncremental(utf8(`<r>根文本${body}</r>`), 'x.xml', { chunkAbove: 0 });
    expect(texty.ok && Array.isArray(texty.root.children) && texty.root.text.startsWith('根文本')).toBe(true);
  });

  it('reports a document with two roots or stray markup after the root as the whole parse does', () => {
    const body = Array.from({ length: 2000 }, (_, i) => `<e>${i}</e>`).join('\n');
    for (const text of [`<r>${body}</r><r2/>`, `<r>${body}</r>\n<![CDATA[x]]>`, `<r>${body}</r>`]) {
      const { batched, whole } = both(text);
      expect(batched).toEqual(whole);
    }
  });
});
