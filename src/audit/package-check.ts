// BC-1-5: a stored package's manifests and seals, re-verified against what the catalogue holds —
// every manifest line must name a held object with that digest, every held object must be listed,
// and every seal must still verify over the held digests of what it signs.
import { and, eq, inArray, or, like } from 'drizzle-orm';
import { finding, type Finding } from '../checks/finding.ts';
import { verifyDetachedCms, type TrustStore } from '../crypto/index.ts';
import type { Db } from '../db/index.ts';
import { submissionObjects } from '../db/schema.ts';
import { DEFAULT_LIMITS, resolveLimits } from '../package/index.ts';
import { parsePackageManifest } from '../package/package-manifest.ts';
import type { ObjectStore } from '../store/index.ts';

/** Manifests and seals are small; anything bigger is read no further. */
const MAX_EVIDENCE_BYTES = 256 * 1024 * 1024;

export const isPackageEvidence = (path: string | null | undefined): boolean =>
  !!path && ((/^manifest-(sm3|sha256)\.txt$/.test(path)) || (path.startsWith('签名/') && path.endsWith('.p7s')));

async function readSmall(store: ObjectStore, key: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of (await store.get(key)) as AsyncIterable<Buffer>) {
    n += c.byteLength;
    if (n > MAX_EVIDENCE_BYTES) throw new Error(`超过 ${MAX_EVIDENCE_BYTES} 字节 (too large to verify)`);
    parts.push(c);
  }
  return Buffer.concat(parts);
}

export interface PackageCheckResult {
  submissions: string[];
  findings: Finding[];
  /** Seals left unverified because no trust store is configured. */
  sealsSkipped: number;
  sealsVerified: number;
}

/** Re-verifies every archived package whose manifest or seal is stored under `key`. */
export async function checkStoredPackages(deps: { db: Db; store: ObjectStore; trust?: TrustStore; now: Date }, key: string): Promise<PackageCheckResult> {
  const owners = await deps.db
    .selectDistinct({ id: submissionObjects.submissionId })
    .from(submissionObjects)
    .where(and(eq(submissionObjects.objectKey, key), or(like(submissionObjects.path, 'manifest-%'), like(submissionObjects.path, '签名/%'))));
  const out: PackageCheckResult = { submissions: owners.map((o) => o.id), findings: [], sealsSkipped: 0, sealsVerified: 0 };
  if (!owners.length) return out;
  const rows = await deps.db.select().from(submissionObjects).where(inArray(submissionObjects.submissionId, out.submissions));
  const limits = resolveLimits(DEFAULT_LIMITS);
  for (const id of out.submissions) {
    const objects = new Map(rows.filter((r) => r.submissionId === id).map((r) => [r.path, r]));
    const target = (p: string) => `${id}:${p}`;
    for (const [path, o] of objects) {
      const m = /^manifest-(sm3|sha256)\.txt$/.exec(path);
      if (!m) continue;
      const alg = m[1] as 'sm3' | 'sha256';
      let bytes: Buffer;
      try {
        bytes = await readSmall(deps.store, o.objectKey);
      } catch (e) {
        out.findings.push(finding('1-5', target(path), `无法读取保存的清单 (cannot read the stored manifest): ${(e as Error).message}`));
        continue;
      }
      const sink: Finding[] = [];
      const lines = parsePackageManifest(bytes, path, limits, sink);
      for (const f of sink) out.findings.push(finding('1-5', target(f.target), f.message, { actual: f.actual }));
      const listed = new Set<string>();
      for (const l of lines) {
        listed.add(l.path);
        const held = objects.get(l.path);
        if (!held) out.findings.push(finding('1-5', target(l.path), `${path} 列出的文件不在馆藏中 (listed in the manifest, not held)`));
        else if (held[alg] !== l.digest) out.findings.push(finding('1-5', target(l.path), `馆藏文件的 ${alg.toUpperCase()} 与 ${path} 不符 (held digest differs from the manifest)`, { expected: l.digest, actual: held[alg] }));
      }
      for (const p of objects.keys()) {
        if (!listed.has(p) && !p.startsWith('manifest-') && !p.startsWith('签名/')) {
          out.findings.push(finding('1-5', target(p), `馆藏文件未列入 ${path} (held file not in the manifest)`));
        }
      }
    }
    for (const [path, o] of objects) {
      if (!(path.startsWith('签名/') && path.endsWith('.p7s'))) continue;
      const signed = objects.get(path.slice('签名/'.length, -'.p7s'.length));
      if (!signed) {
        out.findings.push(finding('1-5', target(path), '签名所签的文件不在馆藏中 (the signed file is not held)'));
        continue;
      }
      if (!deps.trust) {
        out.sealsSkipped++;
        continue;
      }
      try {
        const p7s = await readSmall(deps.store, o.objectKey);
        const r = verifyDetachedCms(p7s, { sha256: signed.sha256, sm3: signed.sm3 }, deps.trust, { now: deps.now });
        out.sealsVerified++;
        if (!r.ok) out.findings.push(finding('1-5', target(path), `封装签名不再有效 (the package seal no longer verifies): ${r.message}`, { actual: r.status }));
      } catch (e) {
        out.findings.push(finding('1-5', target(path), `无法读取保存的签名 (cannot read the stored seal): ${(e as Error).message}`));
      }
    }
  }
  return out;
}
