// Test support: s3rver (a local S3 server) in its own process, for the store suite and the e2e tests.
// It runs in a child because it signs ListObjectsV2 continuation tokens with DES, which Node 24's
// OpenSSL 3 offers only with --openssl-legacy-provider (and paging is worth testing).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** s3rver accepts any request signed with these. */
export const S3_CREDS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

// s3rver's file-system store removes a key's folders once they are empty when it deletes an object;
// a put into the same folder at that moment (several workers putting and deleting under
// <prefix>/.tmp/ at once) then fails to open its file, an error s3rver leaves unhandled, and the
// whole server exits. Its deletes here leave the folders (they hold no objects, so no listing shows them).
const S3RVER_MAIN = `
const { promises: fs } = require('node:fs');
const { dirname, join } = require('node:path');
const S3rver = require(process.argv[1]);
const FilesystemStore = require(join(dirname(process.argv[1]), 'stores', 'filesystem.js'));
FilesystemStore.prototype.deleteObject = async function (bucket, key) {
  await Promise.all(['object', 'object.md5', 'metadata.json'].map((type) =>
    fs.unlink(this.getResourcePath(bucket, key, type)).catch((e) => { if (e.code !== 'ENOENT') throw e; })));
};
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[2],
  configureBuckets: process.argv.slice(3).map((name) => ({ name })) });
server.run().then(({ port }) => console.log('PORT ' + port));
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
`;

export interface S3Server {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** Starts s3rver on a free port of 127.0.0.1 over a fresh temporary folder, with these buckets. */
export async function startS3rver(buckets: string[]): Promise<S3Server> {
  const dir = await mkdtemp(join(tmpdir(), 'dangan-s3rver-'));
  const main = createRequire(import.meta.url).resolve('s3rver');
  const child: ChildProcess = spawn(process.execPath, ['--openssl-legacy-provider', '-e', S3RVER_MAIN, main, dir, ...buckets], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /PORT (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening`)));
    });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
