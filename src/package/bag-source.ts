// A BagIt bag over a raw ZIP or directory source: reads and checks its tag files up front, then
// exposes data/ as the package, comparing every payload file with the manifests as it is read.
import { finding, type Finding } from '../checks/finding.ts';
import {
  decodeTagFile,
  isBagAlgorithm,
  parseBagDeclaration,
  parseBagInfo,
  parseBagManifest,
  parseFetch,
  type BagAlgorithm,
  type ManifestLine,
} from './bagit-files.ts';
import type { PackageLimits } from './limits.ts';
import { findCollisions, unsafePathReason } from './names.ts';
import type { RawSource } from './raw-source.ts';
import type { BagSummary, EntryDigests, EntryStream, ExtraAlgorithm, OpenOptions, PackageEntry } from './types.ts';

export interface BagView {
  bag: BagSummary;
  /** Payload entries, relative to data/. */
  entries: PackageEntry[];
  open(path: string, options?: OpenOptions): Promise<EntryStream>;
  finish(): Finding[];
}

const MANIFEST = /^(tag)?manifest-([A-Za-z0-9]+)\.txt$/;

/** Reads the bag rooted at `root` ('' or 'name/') of a raw source. */
export async function openBag(raw: RawSource, root: string, limits: PackageLimits): Promise<BagView> {
  const sink = raw.findings;
  const rel = (p: string) => p.slice(root.length);
  const inBag = raw.entries.filter((e) => e.path.startsWith(root));
  const payloadPrefix = `${root}data/`;
  const tagEntries = inBag.filter((e) => !e.path.startsWith(payloadPrefix));
  const payloadRaw = inBag.filter((e) => e.path.startsWith(payloadPrefix));

  // Algorithms of the tag manifests are known from their names, so tag files are hashed once.
  const tagAlgorithms: BagAlgorithm[] = [];
  const payloadAlgorithms: BagAlgorithm[] = [];
  for (const e of tagEntries) {
    const m = MANIFEST.exec(rel(e.path));
    if (!m) continue;
    const alg = m[2].toLowerCase();
    if (!isBagAlgorithm(alg)) {
      sink.push(finding('1-14', rel(e.path), `不支持的清单摘要算法 ${m[2]}，已忽略 (unsupported manifest algorithm, ignored)`, { severity: 'warn' }));
      continue;
    }
    (m[1] ? tagAlgorithms : payloadAlgorithms).push(alg);
  }

  const tagContents = new Map<string, Uint8Array>();
  const tagDigests = new Map<string, EntryDigests>();
  for (const e of tagEntries) {
    if (!e.readable) continue;
    const name = rel(e.path);
    const keep = e.size <= limits.maxMetadataBytes;
    if (!keep && (name === 'bagit.txt' || name === 'bag-info.txt' || name === 'fetch.txt' || MANIFEST.test(name))) {
      sink.push(finding('1-13', name, `标签文件超过 ${limits.maxMetadataBytes} 字节，未解析 (tag file too large to parse)`));
    }
    const stream = await raw.open(e.path, { extraAlgorithms: extrasOf(tagAlgorithms), inlineDigest: true });
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => keep && chunks.push(c));
    const r = await stream.result;
    stream.resume();
    if (!r.ok) continue;
    tagDigests.set(name, r.digests);
    if (keep) tagContents.set(name, Buffer.concat(chunks));
  }

  const declaration = tagContents.has('bagit.txt') ? parseBagDeclaration(tagContents.get('bagit.txt')!, 'bagit.txt', sink) : undefined;
  if (!tagContents.has('bagit.txt')) sink.push(finding('1-13', 'bagit.txt', '无法读取 bagit.txt (bagit.txt unreadable)'));
  const encoding = declaration?.encoding ?? 'UTF-8';
  const text = (name: string) => {
    const bytes = tagContents.get(name);
    return bytes === undefined ? undefined : decodeTagFile(bytes, encoding, name, sink);
  };

  const infoText = text('bag-info.txt');
  const info = infoText === undefined ? [] : parseBagInfo(infoText, 'bag-info.txt', sink);
  const fetchText = text('fetch.txt');
  const fetch = fetchText === undefined ? [] : parseFetch(fetchText, 'fetch.txt', sink);
  if (fetch.length > 0) {
    sink.push(finding('1-14', 'fetch.txt', `fetch.txt 列出 ${fetch.length} 个需下载的文件；本服务不下载，只检查包内已有的文件 (fetch.txt is reported, not followed)`, { severity: 'warn', actual: fetch.map((f) => f.path).join('\n').slice(0, 2000) }));
  }
  const fetched = new Set(fetch.map((f) => f.path));

  // Tag manifests: every tag file they list is present and has that digest.
  for (const alg of tagAlgorithms) {
    const name = `tagmanifest-${alg}.txt`;
    const t = text(name);
    if (t === undefined) continue;
    for (const line of checkedLines(parseBagManifest(t, alg, name, sink), name, sink, limits)) {
      if (line.path.startsWith('data/')) {
        sink.push(finding('1-13', name, `标签清单不应列出载荷文件 ${line.path} (tag manifest lists a payload file)`, { severity: 'warn' }));
        continue;
      }
      const d = tagDigests.get(line.path);
      if (!d) sink.push(finding('1-14', line.path, `标签清单 ${name} 列出的文件不存在或不可读 (listed in the tag manifest, missing)`));
      else if (digestOf(d, alg) !== line.digest) {
        sink.push(finding('1-14', line.path, `标签文件的 ${alg} 摘要与 ${name} 不符 (tag file digest differs)`, { expected: line.digest, actual: digestOf(d, alg) }));
      }
    }
  }

  // Payload manifests: listed-but-missing now; digests when each file is read.
  const payload: PackageEntry[] = payloadRaw.map((e) => ({ ...e, path: e.path.slice(payloadPrefix.length) }));
  const present = new Map(payload.map((e) => [e.path, e]));
  const presentNfc = new Map(payload.map((e) => [e.path.normalize('NFC'), e.path]));
  const expected = new Map<string, Map<BagAlgorithm, string>>();
  if (payloadAlgorithms.length === 0) sink.push(finding('1-14', 'package', 'BagIt 包缺少载荷清单 manifest-<算法>.txt (no payload manifest)'));
  for (const alg of payloadAlgorithms) {
    const name = `manifest-${alg}.txt`;
    const t = text(name);
    if (t === undefined) continue;
    const listed = checkedLines(parseBagManifest(t, alg, name, sink), name, sink, limits);
    for (const c of findCollisions(listed.map((l) => l.path)).findings) if (c.severity !== 'warn') sink.push({ ...c, message: `${name}: ${c.message}` });
    const inThis = new Set<string>();
    for (const line of listed) {
      if (!line.path.startsWith('data/')) {
        sink.push(finding('1-13', name, `载荷清单列出 data/ 以外的路径 ${line.path} (payload manifest path outside data/)`));
        continue;
      }
      let p = line.path.slice('data/'.length);
      if (!present.has(p)) {
        const alias = presentNfc.get(p.normalize('NFC'));
        if (alias === undefined) {
          const via = fetched.has(line.path) ? '；它列在 fetch.txt 中，未下载 (listed in fetch.txt, not fetched)' : '';
          sink.push(finding('1-14', `data/${p}`, `清单 ${name} 列出的载荷文件不存在 (listed but missing)${via}`));
          continue;
        }
        sink.push(finding('1-14', `data/${alias}`, `清单中的文件名与实际文件名的 Unicode 规范化形式不同 (manifest name differs in Unicode normalisation)`, { severity: 'warn', expected: line.path, actual: `data/${alias}` }));
        p = alias;
      }
      inThis.add(p);
      let m = expected.get(p);
      if (!m) expected.set(p, (m = new Map()));
      m.set(alg, line.digest);
    }
    for (const e of payload) {
      if (!inThis.has(e.path)) sink.push(finding('2-11', `data/${e.path}`, `载荷文件未列入清单 ${name} (payload file not in the manifest)`));
    }
  }

  const oxum = info.find((x) => x.label.toLowerCase() === 'payload-oxum')?.value;
  if (oxum !== undefined) {
    const m = /^(\d+)\.(\d+)$/.exec(oxum);
    const actual = `${payload.reduce((s, e) => s + e.size, 0)}.${payload.length}`;
    if (!m) sink.push(finding('1-14', 'bag-info.txt', `Payload-Oxum 格式错误 (malformed Payload-Oxum)`, { actual: oxum }));
    else if (`${Number(m[1])}.${Number(m[2])}` !== actual) {
      sink.push(finding('1-14', 'bag-info.txt', 'Payload-Oxum 与载荷的字节数或文件数不符 (Payload-Oxum differs from the payload)', { expected: oxum, actual }));
    }
  }

  const verified = new Set<string>();
  const payloadExtras = extrasOf(payloadAlgorithms);
  return {
    bag: {
      version: declaration?.version ?? '',
      tagFileEncoding: encoding,
      info,
      payloadAlgorithms,
      tagAlgorithms,
      fetch,
      tagFiles: tagEntries.map((e) => rel(e.path)),
    },
    entries: payload,
    async open(path, options = {}) {
      const extras = [...new Set([...payloadExtras, ...(options.extraAlgorithms ?? [])])];
      const stream = await raw.open(payloadPrefix + path, { extraAlgorithms: extras, inlineDigest: options.inlineDigest });
      const want = expected.get(path);
      void stream.result.then((r) => {
        if (!r.ok || !want) return;
        verified.add(path);
        for (const [alg, digest] of want) {
          const got = digestOf(r.digests, alg);
          if (got !== digest) sink.push(finding('1-14', `data/${path}`, `载荷文件的 ${alg} 摘要与清单不符 (payload digest differs from manifest-${alg}.txt)`, { expected: digest, actual: got }));
        }
      });
      return stream;
    },
    finish() {
      const added: Finding[] = [];
      for (const p of expected.keys()) {
        if (!verified.has(p)) added.push(finding('1-14', `data/${p}`, '清单所列载荷文件未能读取校验 (listed payload file could not be read and verified)'));
      }
      sink.push(...added);
      return added;
    },
  };
}

function checkedLines(lines: ManifestLine[], name: string, sink: Finding[], limits: PackageLimits): ManifestLine[] {
  return lines.filter((l) => {
    const unsafe = unsafePathReason(l.path, limits);
    if (unsafe) sink.push(finding('1-13', name, `清单中的路径不安全 (unsafe manifest path): ${unsafe}`, { actual: JSON.stringify(l.path) }));
    return !unsafe;
  });
}

function extrasOf(algs: readonly BagAlgorithm[]): ExtraAlgorithm[] {
  return algs.filter((a): a is ExtraAlgorithm => a !== 'sha256');
}

function digestOf(d: EntryDigests, alg: BagAlgorithm): string | undefined {
  return alg === 'sha256' ? d.sha256 : d[alg];
}
