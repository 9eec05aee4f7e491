// The service's settings: read once at start-up from the environment (and an optional config
// file), checked with a schema, and handed as one typed object to whoever needs them.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isBuiltinProfile } from './profile.ts';

export interface S3Settings {
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

/** One object store: where it is, what it is called in the catalogue, and its S3 settings. */
export interface StoreSettings {
  name: string;
  url: string;
  s3?: S3Settings;
}

export type ClamdSettings = { host: string; port: number } | { socket: string };

export interface Config {
  /** Folder for the embedded database and the default file store. */
  dataDir: string;
  /** postgres:// URL, or undefined for the embedded PGlite database under dataDir. */
  databaseUrl?: string;
  store: StoreSettings;
  backupStores: StoreSettings[];
  /** The operator's check profile file, or undefined for the built-in default profile. */
  profile?: string;
  clamd?: ClamdSettings;
  trustDir?: string;
  signing?: { keyFile: string; certFile: string };
  port: number;
  /** Largest package accepted over HTTP, in bytes. */
  maxUploadBytes: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Background jobs (ingest): how soon a dead worker's job moves on, and the first retry's delay. */
  jobs: JobSettings;
  staging: StagingSettings;
}

export interface StagingSettings {
  /**
   * A staged upload that no submission names (its process died between the last byte and the row)
   * is removed by the workers' sweep once older than this. It must outlast the longest upload: an
   * S3 multipart object is dated from the start of its upload.
   */
  orphanGraceSeconds: number;
}

export interface JobSettings {
  /**
   * A worker refreshes the heartbeat of each job it runs every half of this; a job whose heartbeat
   * has stopped this long (its worker was killed, or lost the database) is handed to another worker.
   */
  heartbeatSeconds: number;
  /** Seconds before the first retry of a failed attempt; each later retry waits about twice as long (up to 10 minutes). */
  retryDelaySeconds: number;
}

/** A setting that is wrong or missing; the message names it and says what is expected. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`配置错误 (configuration error):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'expected true or false')
  .transform((v) => ['true', '1', 'yes'].includes(v));

const port = z.coerce
  .number({ message: 'expected a port number' })
  .int('expected a whole number')
  .min(0, 'expected a port from 0 to 65535')
  .max(65535, 'expected a port from 0 to 65535');

const storeUrl = z
  .string()
  .trim()
  .refine((v) => /^(file:\/\/\/|s3:\/\/[^/?#]{3,})/.test(v), 'expected file:///absolute/path or s3://bucket[/prefix] (bucket name ≥ 3 characters)');

const env = z.object({
  DANGAN_DATA: z.string().trim().min(1, 'expected a folder path').default('./data'),
  DATABASE_URL: z
    .string()
    .trim()
    .refine((v) => /^postgres(ql)?:\/\/.+/.test(v), 'expected a postgres://user@host:port/database URL')
    .optional(),
  DANGAN_STORE: storeUrl.optional(),
  DANGAN_BACKUP_STORES: z.string().optional(),
  S3_ENDPOINT: z.url({ message: 'expected an http(s):// URL' }).optional(),
  S3_REGION: z.string().trim().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_FORCE_PATH_STYLE: bool.default(true),
  DANGAN_PROFILE: z.string().trim().min(1).optional(),
  CLAMD_HOST: z.string().trim().min(1).optional(),
  CLAMD_PORT: port.optional(),
  CLAMD_SOCKET: z.string().trim().min(1).optional(),
  DANGAN_TRUST_DIR: z.string().trim().min(1).optional(),
  DANGAN_SIGNING_KEY: z.string().trim().min(1).optional(),
  DANGAN_SIGNING_CERT: z.string().trim().min(1).optional(),
  DANGAN_PORT: port.default(8080),
  DANGAN_MAX_UPLOAD_BYTES: z.coerce
    .number({ message: 'expected a number of bytes' })
    .int('expected a whole number of bytes')
    .positive('expected a positive number of bytes')
    .default(20 * 1024 ** 3),
  DANGAN_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DANGAN_JOB_HEARTBEAT_SECONDS: z.coerce
    .number({ message: 'expected a number of seconds' })
    .int('expected a whole number of seconds')
    .min(10, 'expected at least 10 seconds')
    .max(3600, 'expected at most 3600 seconds')
    .default(30),
  DANGAN_JOB_RETRY_DELAY_SECONDS: z.coerce
    .number({ message: 'expected a number of seconds' })
    .int('expected a whole number of seconds')
    .min(1, 'expected at least 1 second')
    .max(600, 'expected at most 600 seconds')
    .default(10),
  DANGAN_STAGING_GRACE_SECONDS: z.coerce
    .number({ message: 'expected a number of seconds' })
    .int('expected a whole number of seconds')
    .min(600, 'expected at least 600 seconds (a shorter grace could remove an upload whose submission is still being recorded)')
    .max(366 * 86_400, 'expected at most 31622400 seconds (366 days)')
    .default(86_400),
});

export const SETTING_NAMES = Object.keys(env.shape) as (keyof typeof env.shape)[];

/**
 * Builds the configuration from environment variables. `DANGAN_CONFIG` may name a YAML or JSON
 * file with the same keys; the environment wins over the file. `cwd` resolves relative paths.
 */
export function loadConfig(source: Record<string, string | undefined>, cwd = process.cwd()): Config {
  const values: Record<string, string | undefined> = { ...readConfigFile(source.DANGAN_CONFIG, cwd) };
  for (const name of SETTING_NAMES) {
    const v = source[name];
    if (v !== undefined && v !== '') values[name] = v;
  }
  const parsed = env.safeParse(values);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0] ?? 'configuration');
        const got = values[name];
        const shown = got === undefined ? '' : ` (got ${JSON.stringify(isSecret(name) ? '***' : got)})`;
        return `${name}: ${i.message}${shown}`;
      }),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  const dataDir = resolve(cwd, e.DANGAN_DATA);
  const s3: S3Settings = {
    endpoint: e.S3_ENDPOINT,
    region: e.S3_REGION,
    accessKeyId: e.S3_ACCESS_KEY_ID,
    secretAccessKey: e.S3_SECRET_ACCESS_KEY,
    forcePathStyle: e.S3_FORCE_PATH_STYLE,
  };

  const store = storeSettings(e.DANGAN_STORE ?? pathToFileURL(resolve(dataDir, 'store')).href, 'primary', s3);
  const backupStores: StoreSettings[] = [];
  const backupUrls = (e.DANGAN_BACKUP_STORES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  backupUrls.forEach((url, i) => {
    const checked = storeUrl.safeParse(url);
    if (!checked.success) problems.push(`DANGAN_BACKUP_STORES: item ${i + 1} ${JSON.stringify(url)}: ${checked.error.issues[0].message}`);
    else backupStores.push(storeSettings(url, `backup-${i + 1}`, s3));
  });
  const names = [store, ...backupStores].map((s) => s.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) problems.push(`DANGAN_BACKUP_STORES: two stores are named ${JSON.stringify(dup)}; give each a distinct ?name=`);
  const locations = [store, ...backupStores].map((s) => s.url.split('?')[0]);
  const same = locations.find((n, i) => locations.indexOf(n) !== i);
  if (same) problems.push(`DANGAN_BACKUP_STORES: ${same} is listed twice (a backup must be a separate place from the primary and the other backups)`);
  for (const s of [store, ...backupStores]) {
    if (s.s3 && s.s3.accessKeyId && !s.s3.secretAccessKey) problems.push(`S3_SECRET_ACCESS_KEY: required for store ${s.name} when an access key is set`);
  }

  let clamd: ClamdSettings | undefined;
  if (e.CLAMD_SOCKET) {
    if (e.CLAMD_HOST) problems.push('CLAMD_SOCKET: set either CLAMD_SOCKET or CLAMD_HOST/CLAMD_PORT, not both');
    clamd = { socket: resolve(cwd, e.CLAMD_SOCKET) };
  } else if (e.CLAMD_HOST) {
    clamd = { host: e.CLAMD_HOST, port: e.CLAMD_PORT ?? 3310 };
  } else if (e.CLAMD_PORT !== undefined) {
    problems.push('CLAMD_HOST: required when CLAMD_PORT is set');
  }

  let signing: Config['signing'];
  if (e.DANGAN_SIGNING_KEY || e.DANGAN_SIGNING_CERT) {
    if (!e.DANGAN_SIGNING_KEY) problems.push('DANGAN_SIGNING_KEY: required when DANGAN_SIGNING_CERT is set (a PEM private key file)');
    if (!e.DANGAN_SIGNING_CERT) problems.push('DANGAN_SIGNING_CERT: required when DANGAN_SIGNING_KEY is set (a PEM certificate file)');
    if (e.DANGAN_SIGNING_KEY && e.DANGAN_SIGNING_CERT)
      signing = { keyFile: resolve(cwd, e.DANGAN_SIGNING_KEY), certFile: resolve(cwd, e.DANGAN_SIGNING_CERT) };
  }
  if (problems.length) throw new ConfigError(problems);

  return {
    dataDir,
    databaseUrl: e.DATABASE_URL,
    store,
    backupStores,
    profile: e.DANGAN_PROFILE && (isBuiltinProfile(e.DANGAN_PROFILE) ? e.DANGAN_PROFILE : resolve(cwd, e.DANGAN_PROFILE)),
    clamd,
    trustDir: e.DANGAN_TRUST_DIR && resolve(cwd, e.DANGAN_TRUST_DIR),
    signing,
    port: e.DANGAN_PORT,
    maxUploadBytes: e.DANGAN_MAX_UPLOAD_BYTES,
    logLevel: e.DANGAN_LOG_LEVEL,
    jobs: { heartbeatSeconds: e.DANGAN_JOB_HEARTBEAT_SECONDS, retryDelaySeconds: e.DANGAN_JOB_RETRY_DELAY_SECONDS },
    staging: { orphanGraceSeconds: e.DANGAN_STAGING_GRACE_SECONDS },
  };
}

/**
 * A store URL may carry its own name and S3 settings as query parameters, so a backup bucket
 * elsewhere can have its own endpoint: `s3://bucket/prefix?name=offsite&endpoint=https://…&region=…`.
 * Credentials in the URL's user part (`s3://KEY:SECRET@bucket`) override S3_ACCESS_KEY_ID/SECRET.
 */
function storeSettings(raw: string, defaultName: string, s3: S3Settings): StoreSettings {
  const u = new URL(raw);
  const name = u.searchParams.get('name') ?? defaultName;
  if (u.protocol === 'file:') return { name, url: `file://${u.pathname}` };
  const own: S3Settings = {
    ...s3,
    endpoint: u.searchParams.get('endpoint') ?? s3.endpoint,
    region: u.searchParams.get('region') ?? s3.region,
    forcePathStyle: u.searchParams.has('pathStyle') ? u.searchParams.get('pathStyle') !== 'false' : s3.forcePathStyle,
    accessKeyId: u.username ? decodeURIComponent(u.username) : s3.accessKeyId,
    secretAccessKey: u.password ? decodeURIComponent(u.password) : s3.secretAccessKey,
  };
  return { name, url: `s3://${u.hostname}${u.pathname.replace(/\/$/, '')}`, s3: own };
}


function isSecret(name: string): boolean {
  return /SECRET|PASSWORD|DATABASE_URL/.test(name);
}

function readConfigFile(file: string | undefined, cwd: string): Record<string, string> {
  if (!file) return {};
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([`DANGAN_CONFIG: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  let data: unknown;
  try {
    data = parseYaml(text); // YAML is a superset of JSON
  } catch (e) {
    throw new ConfigError([`DANGAN_CONFIG: ${path} is not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`]);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new ConfigError([`DANGAN_CONFIG: ${path} must hold a mapping of setting names to values`]);
  const out: Record<string, string> = {};
  const known = new Set<string>(SETTING_NAMES);
  const problems: string[] = [];
  for (const [k, v] of Object.entries(data)) {
    if (!known.has(k)) problems.push(`DANGAN_CONFIG: unknown setting ${JSON.stringify(k)} in ${path} (known: ${SETTING_NAMES.join(', ')})`);
    else if (v !== null && v !== undefined) out[k] = Array.isArray(v) ? v.join(',') : String(v);
  }
  if (problems.length) throw new ConfigError(problems);
  return out;
}
