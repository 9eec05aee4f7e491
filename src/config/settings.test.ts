import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './settings.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('defaults to the embedded database and a file store under ./data', () => {
    const c = loadConfig({}, '/srv');
    expect(c.dataDir).toBe('/srv/data');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.store).toEqual({ name: 'primary', url: 'file:///srv/data/store' });
    expect(c.backupStores).toEqual([]);
    expect(c.clamd).toBeUndefined();
    expect(c.port).toBe(8080);
    expect(c.jobs).toEqual({ heartbeatSeconds: 30, retryDelaySeconds: 10 });
    expect(c.staging).toEqual({ orphanGraceSeconds: 86_400 });
  });

  it('reads every documented setting', () => {
    const c = loadConfig({
      DANGAN_DATA: '/var/lib/dangan',
      DATABASE_URL: 'postgres://dangan:pw@db:5432/dangan',
      DANGAN_STORE: 's3://archive-main/records',
      DANGAN_BACKUP_STORES: 'file:///mnt/backup, s3://archive-offsite?name=offsite&endpoint=http://10.1.2.3:9000&region=cn-east',
      S3_ENDPOINT: 'http://minio:9000',
      S3_ACCESS_KEY_ID: 'ak',
      S3_SECRET_ACCESS_KEY: 'sk',
      S3_FORCE_PATH_STYLE: 'true',
      DANGAN_PROFILE: 'gov-service',
      CLAMD_HOST: 'clamd',
      CLAMD_PORT: '3310',
      DANGAN_TRUST_DIR: 'trust',
      DANGAN_SIGNING_KEY: 'k.pem',
      DANGAN_SIGNING_CERT: 'c.pem',
      DANGAN_PORT: '9000',
      DANGAN_JOB_HEARTBEAT_SECONDS: '12',
      DANGAN_JOB_RETRY_DELAY_SECONDS: '2',
      DANGAN_STAGING_GRACE_SECONDS: '7200',
    }, '/srv');
    expect(c.databaseUrl).toBe('postgres://dangan:pw@db:5432/dangan');
    expect(c.store).toMatchObject({ name: 'primary', url: 's3://archive-main/records', s3: { endpoint: 'http://minio:9000', accessKeyId: 'ak', forcePathStyle: true } });
    expect(c.backupStores.map((s) => s.name)).toEqual(['backup-1', 'offsite']);
    expect(c.backupStores[1].s3).toMatchObject({ endpoint: 'http://10.1.2.3:9000', region: 'cn-east', secretAccessKey: 'sk' });
    expect(c.profile).toBe('gov-service');
    expect(c.clamd).toEqual({ host: 'clamd', port: 3310 });
    expect(c.trustDir).toBe('/srv/trust');
    expect(c.signing).toEqual({ keyFile: '/srv/k.pem', certFile: '/srv/c.pem' });
    expect(c.port).toBe(9000);
    expect(c.jobs).toEqual({ heartbeatSeconds: 12, retryDelaySeconds: 2 });
    expect(c.staging).toEqual({ orphanGraceSeconds: 7200 });
  });

  it('names each bad setting and says what is expected', () => {
    const p = problemsOf({ DATABASE_URL: 'mysql://x', DANGAN_STORE: 'ftp://x', DANGAN_PORT: 'eighty', S3_FORCE_PATH_STYLE: 'maybe', DANGAN_JOB_HEARTBEAT_SECONDS: '5', DANGAN_STAGING_GRACE_SECONDS: '60' });
    expect(p).toEqual(expect.arrayContaining([
      expect.stringMatching(/^DATABASE_URL: expected a postgres:\/\//),
      expect.stringMatching(/^DANGAN_STORE: expected file:\/\/\/absolute\/path or s3:\/\/bucket/),
      expect.stringMatching(/^DANGAN_PORT: expected a port number/),
      expect.stringMatching(/^S3_FORCE_PATH_STYLE: expected true or false/),
      expect.stringMatching(/^DANGAN_JOB_HEARTBEAT_SECONDS: expected at least 10 seconds/),
      expect.stringMatching(/^DANGAN_STAGING_GRACE_SECONDS: expected at least 600 seconds/),
    ]));
    expect(problemsOf({ DANGAN_STAGING_GRACE_SECONDS: '1.5h' })[0]).toMatch(/^DANGAN_STAGING_GRACE_SECONDS: expected a number of seconds/);
  });

  it('never shows a secret in an error', () => {
    const p = problemsOf({ DATABASE_URL: 'mysql://u:hunter2@h/db' });
    expect(p.join()).not.toContain('hunter2');
  });

  it('refuses a backup that is the primary again, and half a signing pair', () => {
    expect(problemsOf({ DANGAN_STORE: 'file:///a', DANGAN_BACKUP_STORES: 'file:///a?name=b' })[0]).toMatch(/listed twice/);
    expect(problemsOf({ DANGAN_BACKUP_STORES: 'file:///x,nope' })[0]).toMatch(/^DANGAN_BACKUP_STORES: item 2 "nope"/);
    expect(problemsOf({ DANGAN_SIGNING_KEY: 'k.pem' })[0]).toMatch(/^DANGAN_SIGNING_CERT: required/);
    expect(problemsOf({ CLAMD_PORT: '3310' })[0]).toMatch(/^CLAMD_HOST: required/);
  });

  it('reads a YAML config file, with the environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dangan-cfg-'));
    const file = join(dir, 'dangan.yaml');
    writeFileSync(file, 'DANGAN_PORT: 7000\nDANGAN_BACKUP_STORES:\n  - file:///b1\n  - file:///b2\nCLAMD_SOCKET: /run/clamd.sock\n');
    const c = loadConfig({ DANGAN_CONFIG: file, DANGAN_PORT: '7001' }, '/srv');
    expect(c.port).toBe(7001);
    expect(c.backupStores.map((s) => s.url)).toEqual(['file:///b1', 'file:///b2']);
    expect(c.clamd).toEqual({ socket: '/run/clamd.sock' });
    writeFileSync(file, 'DANGAN_PROT: 1\n');
    expect(problemsOf({ DANGAN_CONFIG: file })[0]).toMatch(/unknown setting "DANGAN_PROT"/);
    expect(problemsOf({ DANGAN_CONFIG: join(dir, 'missing.yaml') })[0]).toMatch(/^DANGAN_CONFIG: cannot read .*ENOENT/);
  });

});
