// Test support for the audit tests: archive packages through the ingest service itself, and damage
// stored objects behind the service's back (flip a bit, truncate, delete) in file and S3 stores.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { loadProfile } from '../../src/config/profile.ts';
import type { Db } from '../../src/db/index.ts';
import { submissionObjects } from '../../src/db/schema.ts';
import { createIngestService } from '../../src/ingest/index.ts';
import { createNoScanner } from '../../src/scan/index.ts';
import type { ObjectStore } from '../../src/store/index.ts';
import { writeIngestPackage, type PackageSpec } from './ingest-packages.ts';
import { S3_CREDS } from './ingest-support.ts';

/** A scratch folder for one test file: `fresh(name)` makes a new subfolder; `cleanup()` removes everything. */
export function scratch(prefix: string) {
  const root = mkdtempSync(join(tmpdir(), prefix));
  let n = 0;
  return {
    fresh(name: string): string {
      const d = join(root, `${name}-${++n}`);
      mkdirSync(d, { recursive: true });
      return d;
    },
    /** A number not used before in this folder, for unique names. */
    next: () => ++n,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface Archived {
  submission: string;
  codes: string[];
  /** Every stored object of the package: path in the package → content key. */
  objects: Map<string, { key: string; size: number; sha256: string; sm3: string }>;
}

/** Archives one package with the ingest service (receive, then process here), into every store. */
export async function archive(db: Db, stores: ObjectStore[], work: string, spec: PackageSpec): Promise<Archived> {
  mkdirSync(work, { recursive: true });
  const zip = join(work, `${spec.division}.zip`);
  const codes = await writeIngestPackage(zip, spec);
  const ingest = createIngestService({
    db,
    primary: stores[0],
    backups: stores.slice(1),
    scanner: createNoScanner(),
    profile: await loadProfile(undefined),
    tmpDir: join(work, 'tmp'),
    tool: { name: 'dangan', version: 'test' },
    actor: 'test',
    log: pino({ level: 'silent' }),
    maxUploadBytes: 1 << 30,
  });
  const r = await ingest.receive({ body: createReadStream(zip), source: 'import', submitter: 'system', packageName: `${spec.division}.zip` });
  if (r.kind !== 'created') throw new Error(`receive: ${r.kind}`);
  const out = await ingest.process(r.submission.id);
  if (out.status !== 'archived') throw new Error(`not archived: ${out.status} ${JSON.stringify(out.status !== 'gone' ? out.submission.report : '')}`);
  const rows = await db.select().from(submissionObjects).where(eq(submissionObjects.submissionId, r.submission.id));
  return { submission: r.submission.id, codes, objects: new Map(rows.map((o) => [o.path, { key: o.objectKey, size: o.size, sha256: o.sha256, sm3: o.sm3 }])) };
}

/** Raw writes into a store, bypassing its put (which would refuse wrong bytes). */
export interface Tamper {
  store: ObjectStore;
  write(key: string, bytes: Buffer): Promise<void>;
}

export function fsTamper(store: ObjectStore, root: string): Tamper {
  return { store, write: (key, bytes) => writeFile(join(root, key), bytes) };
}

export function s3Tamper(store: ObjectStore, endpoint: string, bucket: string, prefix: string): Tamper {
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDS });
  return { store, write: async (key, bytes) => void (await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${key}`, Body: bytes }))) };
}

async function bytesOf(store: ObjectStore, key: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of (await store.get(key)) as AsyncIterable<Buffer>) parts.push(c);
  return Buffer.concat(parts);
}

export async function flipBit(t: Tamper, key: string, at = 100): Promise<void> {
  const b = await bytesOf(t.store, key);
  b[Math.min(at, b.length - 1)] ^= 0x01;
  await t.write(key, b);
}

export async function cutShort(t: Tamper, key: string): Promise<void> {
  const b = await bytesOf(t.store, key);
  await t.write(key, b.subarray(0, Math.floor(b.length / 2)));
}

export async function remove(t: Tamper, key: string): Promise<void> {
  await t.store.delete(key);
}

export { bytesOf, readFile, truncate };
