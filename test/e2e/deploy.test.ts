// The Dockerfile and compose.yaml, checked against the code (no Docker engine runs here): every
// setting they pass is one the service reads and accepts, and the image runs the CLI the tests run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, SETTING_NAMES } from '../../src/config/index.ts';
import { buildProgram } from '../../src/cli/program.ts';

const root = join(import.meta.dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8')) as {
  'x-dangan': { environment: Record<string, string>; volumes: string[] };
  services: Record<string, { command?: string[]; environment?: Record<string, string>; '<<'?: unknown }>;
};
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

describe('deployment files', () => {
  it('compose passes only settings the service knows, and they parse', () => {
    const env = compose['x-dangan'].environment;
    for (const name of Object.keys(env)) expect(SETTING_NAMES).toContain(name);
    const config = loadConfig({ ...env, DANGAN_DATA: '/var/lib/dangan' }, '/app');
    expect(config.databaseUrl).toMatch(/^postgres:\/\/dangan:.*@postgres:5432\/dangan$/);
    expect(config.store).toMatchObject({ name: 'primary', url: 's3://dangan-archive/records', s3: { endpoint: 'http://minio:9000', forcePathStyle: true } });
    expect(config.backupStores).toEqual([{ name: 'backup-fs', url: 'file:///var/lib/dangan-backup' }]);
    expect(config.clamd).toEqual({ host: 'clamd', port: 3310 });
    // the backup folder is a volume of its own, and the image creates it for the service's user
    expect(compose['x-dangan'].volumes).toContain('dangan-backup:/var/lib/dangan-backup');
    expect(dockerfile).toMatch(/mkdir -p \/var\/lib\/dangan \/var\/lib\/dangan-backup && chown dangan:dangan/);
  });

  it('the services run commands the CLI has, with the credentials the other services use', () => {
    const commands = buildProgram({ env: {}, cwd: root, out: () => {}, err: () => {}, isTTY: false }).commands.map((c) => c.name());
    for (const s of ['api', 'worker']) expect(commands).toContain(compose.services[s].command![0]);
    const env = compose['x-dangan'].environment;
    const pg = compose.services.postgres.environment!;
    expect(env.DATABASE_URL).toBe(`postgres://${pg.POSTGRES_USER}:${pg.POSTGRES_PASSWORD}@postgres:5432/${pg.POSTGRES_DB}`);
    const minio = compose.services.minio.environment!;
    expect([env.S3_ACCESS_KEY_ID, env.S3_SECRET_ACCESS_KEY]).toEqual([minio.MINIO_ROOT_USER, minio.MINIO_ROOT_PASSWORD]);
  });

  it('the image runs bin/dangan.js as a non-root user, with a health check, from files that exist', () => {
    expect(dockerfile).toMatch(/^FROM node:24-slim/m);
    expect(dockerfile).toMatch(/^USER dangan$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "bin/dangan.js"]');
    expect(dockerfile).toContain('CMD ["serve"]');
    for (const [, path] of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)) expect(existsSync(join(root, path)), path).toBe(true);
  });
});
