// The native package manifests (manifest-sm3.txt, manifest-sha256.txt): `<lowercase hex>␠␠<path>`
// lines, compared with the digests computed while the package is read (GD-1-14).
import { finding, type Finding } from '../checks/finding.ts';
import type { PackageLimits } from './limits.ts';
import { unsafePathReason } from './names.ts';

export interface PackageManifestLine {
  digest: string;
  path: string;
}

/** Parses a manifest; malformed, unsafe or repeated lines are '1-14' findings and skipped. */
export function parsePackageManifest(bytes: Uint8Array, target: string, limits: PackageLimits, sink: Finding[]): PackageManifestLine[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    sink.push(finding('1-14', target, '清单文件不是 UTF-8 (manifest is not UTF-8)'));
    return [];
  }
  const out: PackageManifestLine[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) {
      sink.push(finding('1-14', target, `清单第 ${i + 1} 行格式错误，应为 "<64位小写十六进制>␠␠<路径>" (malformed manifest line)`, { actual: line.slice(0, 200) }));
      return;
    }
    const unsafe = unsafePathReason(m[2], limits);
    if (unsafe) {
      sink.push(finding('1-14', target, `清单第 ${i + 1} 行路径不安全 (unsafe path): ${unsafe}`, { actual: m[2].slice(0, 200) }));
      return;
    }
    if (seen.has(m[2])) {
      sink.push(finding('1-14', target, `清单重复列出 ${m[2]} (listed twice)`));
      return;
    }
    seen.add(m[2]);
    out.push({ digest: m[1], path: m[2] });
  });
  return out;
}

/** Tracks one manifest's lines against the files as they are hashed. */
export class ManifestCheck {
  readonly file: string;
  readonly algorithm: 'sm3' | 'sha256';
  private readonly expected = new Map<string, string>();
  private readonly nfc = new Map<string, string>();
  private readonly sink: Finding[];

  constructor(file: string, algorithm: 'sm3' | 'sha256', lines: PackageManifestLine[], sink: Finding[]) {
    this.file = file;
    this.algorithm = algorithm;
    this.sink = sink;
    for (const l of lines) {
      this.expected.set(l.path, l.digest);
      this.nfc.set(l.path.normalize('NFC'), l.path);
    }
  }

  /** A file of the package was hashed. Manifests and signatures need not be listed. */
  hashed(path: string, digest: string): void {
    const alias = this.nfc.get(path.normalize('NFC'));
    const listed = this.expected.has(path) ? path : alias !== undefined && this.expected.has(alias) ? alias : undefined;
    if (listed === undefined) {
      if (!path.startsWith('manifest-') && !path.startsWith('签名/')) {
        this.sink.push(finding('1-14', path, `文件未列入 ${this.file} (file not in the package manifest)`));
      }
      return;
    }
    const want = this.expected.get(listed)!;
    this.expected.delete(listed);
    if (want !== digest) this.sink.push(finding('1-14', path, `文件的 ${this.algorithm.toUpperCase()} 摘要与 ${this.file} 不符 (digest differs from the package manifest)`, { expected: want, actual: digest }));
  }

  /** Lines whose files were never hashed: missing or unreadable. */
  finish(): void {
    for (const path of this.expected.keys()) this.sink.push(finding('1-14', path, `${this.file} 列出的文件不存在或无法读取 (listed in the manifest, missing or unreadable)`));
    this.expected.clear();
  }
}
