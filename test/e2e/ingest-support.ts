// Test support for the ingest e2e tests: s3rver (re-exported), the service (API + workers)
// listening on 127.0.0.1 port 0 over a given database and stores, and small HTTP helpers.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createTestDatabases } from '../../src/db/testing.ts';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import pino from 'pino';
import { loadProfile } from '../../src/config/profile.ts';
import type { Database } from '../../src/db/index.ts';
import { createApp } from '../../src/http/app.ts';
import { createIngestService, createToken, type IngestService, type IngestServiceOptions } from '../../src/ingest/index.ts';
import { createQueue, queueDatabaseOf, type Queue } from '../../src/jobs/index.ts';
import { createNoScanner } from '../../src/scan/index.ts';
import { openStore, type ObjectStore } from '../../src/store/index.ts';
import { S3_CREDS } from '../../src/store/s3rver-testing.ts';

// s3rver lives in src/store/s3rver-testing.ts (shared with the store suite); re-exported for the e2e tests.
export { S3_CREDS, startS3rver, type S3Server } from '../../src/store/s3rver-testing.ts';

export function openTestStore(url: string, name: string, s3Endpoint?: string): ObjectStore {
  return openStore(url, { name, createIfMissing: true, s3: s3Endpoint ? { endpoint: s3Endpoint, forcePathStyle: true, region: 'us-east-1', ...S3_CREDS } : undefined });
}

export interface TestService {
  url: string;
  ingest: IngestService;
  queue: Queue;
  stores: ObjectStore[];
  /** A new token for these fonds; returns the bearer token (and the callback secret). */
  token(fonds?: string[], callbackUrl?: string): Promise<{ token: string; secret?: string; id: string }>;
  close(): Promise<void>;
}

export interface ServiceOptions {
  database: Database;
  tmpDir: string;
  primary: ObjectStore;
  backups?: ObjectStore[];
  maxUploadBytes?: number;
  workers?: boolean;
  policy?: IngestServiceOptions['policy'];
  fetch?: typeof fetch;
}

/** Fast retries for tests. */
export const TEST_POLICY = {
  ingest: { retryLimit: 2, retryDelay: 1, retryBackoff: false, heartbeatSeconds: 10, expireInSeconds: 600 },
  callback: { retryLimit: 5, retryDelay: 1, retryBackoff: false },
};

export async function startService(o: ServiceOptions): Promise<TestService> {
  const logger = pino({ level: 'silent' });
  const queue = createQueue(queueDatabaseOf(o.database), { superviseIntervalSeconds: 1, onError: () => {} });
  await queue.start();
  const ingest = createIngestService({
    db: o.database.db,
    primary: o.primary,
    backups: o.backups ?? [],
    scanner: createNoScanner(),
    profile: await loadProfile(undefined),
    tmpDir: o.tmpDir,
    tool: { name: 'dangan', version: 'test' },
    actor: 'worker:test',
    log: logger,
    queue,
    maxUploadBytes: o.maxUploadBytes ?? 1 << 30,
    policy: o.policy ?? TEST_POLICY,
    pollingIntervalSeconds: 0.5,
    fetch: o.fetch,
  });
  if (o.workers !== false) await ingest.startWorkers();
  const stores = [o.primary, ...(o.backups ?? [])];
  const app = createApp({ logger, probes: [], api: { db: o.database.db, ingest, stores, version: 'test' } });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((r) => server.once('listening', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    ingest,
    queue,
    stores,
    async token(fonds = ['J001'], callbackUrl) {
      const t = await createToken(o.database.db, { system: 'test-system', fonds, callbackUrl, actor: 'test' });
      return { token: t.token, secret: t.callbackSecret, id: t.id };
    },
    async close() {
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      await queue.stop({ graceful: false, timeoutMs: 2000 });
    },
  };
}

/** Polls until `fn` returns a value (not undefined) or the time is up. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface SubmissionJson {
  id: string;
  status: string;
  verdict: string | null;
  attempts: number;
  failureReason: string | null;
  report: { verdict: string; items: { code: string; status: string; message: string }[] } | null;
  callback: { deliveredAt: string | null } | null;
}

export async function getSubmission(url: string, token: string, id: string): Promise<SubmissionJson> {
  const res = await fetch(`${url}/api/v1/submissions/${id}`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET submission ${id}: ${res.status} ${await res.text()}`);
  return (await res.json()) as SubmissionJson;
}

/** Waits until the submission is archived, rejected or failed. */
export function waitForVerdict(url: string, token: string, id: string, timeoutMs = 90_000): Promise<SubmissionJson> {
  return waitFor(
    `submission ${id}`,
    async () => {
      const s = await getSubmission(url, token, id);
      return ['archived', 'rejected', 'failed'].includes(s.status) ? s : undefined;
    },
    timeoutMs,
  );
}

export async function listAll(store: ObjectStore, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list(prefix)) out.push(o.key);
  return out.sort();
}

export interface WatchedChild {
  child: ChildProcess;
  /** Resolves with the first match of `re` in everything the child has printed so far or prints later. */
  line(re: RegExp): Promise<RegExpExecArray>;
}

/** Runs a test fixture script under this Node, collecting it in `children`, and lets a test wait for its output lines. */
export function spawnWatched(script: string, args: string[], children: ChildProcess[], what: string): WatchedChild {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  const waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    for (const w of [...waiters]) {
      const m = w.re.exec(out);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  return {
    child,
    line: (re) =>
      new Promise((resolve, reject) => {
        const m = re.exec(out);
        if (m) return resolve(m);
        waiters.push({ re, resolve });
        child.once('exit', (code, signal) => reject(new Error(`${what} exited (${code ?? signal}) before ${re}`)));
      }),
  };
}

/**
 * What a test file of child processes on PostgreSQL sets up: a scratch folder, the children to kill
 * (pushed by the tests) and a test database; all gone after the file's tests.
 */
export function processSuite(prefix: string): { work: string; children: ChildProcess[]; dbs: ReturnType<typeof createTestDatabases> } {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const children: ChildProcess[] = [];
  const dbs = createTestDatabases('postgres');
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await dbs.cleanup();
    rmSync(work, { recursive: true, force: true });
  });
  return { work, children, dbs };
}
