// Test support for the transfer e2e tests: one "archive" (a data directory with its PGlite
// database, a primary and a backup file store, the ingest service) per side of a transfer.
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfile } from '../../src/config/profile.ts';
import { createTrustStore, type TrustStore } from '../../src/crypto/index.ts';
import { readCertificates } from '../../src/crypto/x509.ts';
import { openDatabase, type Database } from '../../src/db/index.ts';
import type { TestDatabases } from '../../src/db/testing.ts';
import { createIngestService, type IngestService } from '../../src/ingest/index.ts';
import { createNoScanner } from '../../src/scan/index.ts';
import { createFsStore, type ObjectStore } from '../../src/store/index.ts';
import type { TransferDeps } from '../../src/transfer/index.ts';
import { makePki, type Pki } from '../fixtures/crypto/openssl-pki.ts';

export const SAMPLE = join(import.meta.dirname, '..', '..', 'packages-samples', 'valid.zip');
export const TOOL = { name: 'dangan', version: 'test' };

export interface Archive {
  dir: string;
  database: Database;
  primary: ObjectStore;
  backup: ObjectStore;
  ingest: IngestService;
  deps: TransferDeps;
  close(): Promise<void>;
}

export function testPki(dir: string): { pki: Pki; trust: TrustStore; signing: { keyPem: string; certPem: string; chainPem: string } } {
  const pki = makePki(dir);
  const rsa = pki.alg.rsa;
  const trust = createTrustStore(readCertificates(rsa.root.certPem), { intermediates: readCertificates(rsa.intermediate.certPem) });
  return { pki, trust, signing: { keyPem: rsa.leaf.keyPem, certPem: rsa.leaf.certPem, chainPem: rsa.intermediate.certPem } };
}

/** An archive on PGlite in its own data directory, or on the database `databases` opens (PGlite or PostgreSQL). */
export async function openArchive(opts: { trust?: TrustStore; signing?: TransferDeps['signing']; databases?: TestDatabases } = {}): Promise<Archive> {
  const dir = mkdtempSync(join(tmpdir(), 'dangan-transfer-'));
  const database = opts.databases ? await opts.databases.open() : await openDatabase({ dataDir: dir });
  for (const d of ['store', 'backup']) mkdirSync(join(dir, d));
  const primary = createFsStore({ name: 'primary', root: join(dir, 'store'), createIfMissing: true });
  const backup = createFsStore({ name: 'backup-1', root: join(dir, 'backup'), createIfMissing: true });
  const profile = await loadProfile(undefined);
  const common = { db: database.db, primary, backups: [backup], scanner: createNoScanner(), profile, trust: opts.trust, tmpDir: join(dir, 'tmp'), tool: TOOL };
  const ingest = createIngestService({ ...common, actor: 'worker:test', maxUploadBytes: 1 << 30 });
  return {
    dir,
    database,
    primary,
    backup,
    ingest,
    deps: { ...common, signing: opts.signing },
    async close() {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function ingestFile(a: Archive, file: string): Promise<string> {
  const r = await a.ingest.receive({ body: createReadStream(file), source: 'import', submitter: 'system', packageName: 'valid.zip' });
  if (r.kind !== 'created') throw new Error(`receive: ${r.kind}`);
  const out = await a.ingest.process(r.submission.id);
  if (out.status !== 'archived') throw new Error(`ingest: ${out.status} ${JSON.stringify((out as { submission?: { report?: unknown; failureReason?: unknown } }).submission?.failureReason ?? '')}`);
  return r.submission.id;
}

export async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export const read = (p: string) => readFileSync(p);
