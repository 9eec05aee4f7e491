// The composition root: builds the capabilities (database, stores, scanner, logger) from the
// parsed configuration, once, for the command that needs them; closes them in reverse order.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config, StoreSettings } from '../config/index.ts';
import { openDatabase, type Database } from '../db/index.ts';
import { openStore, type ObjectStore } from '../store/index.ts';
import { createScanner, type Scanner } from '../scan/index.ts';

export interface Runtime {
  config: Config;
  logger: Logger;
  database: Database;
  primary: ObjectStore;
  backups: ObjectStore[];
  scanner: Scanner;
  /** Health probes for /healthz: database, each store, the scanner. */
  probes: { name: string; probe: () => Promise<string | void> }[];
  close(): Promise<void>;
}

export function createLogger(config: Pick<Config, 'logLevel'>, destination: 'stdout' | 'stderr' = 'stdout'): Logger {
  return pino({ level: config.logLevel, base: { service: 'dangan' } }, pino.destination(destination === 'stdout' ? 1 : 2));
}

function storeOf(s: StoreSettings, config: Config): ObjectStore {
  // Only the embedded default folder is created on demand; a configured store that is missing
  // (an unmounted disk, a wrong bucket) is an error, never a new empty store.
  const isEmbeddedDefault = s.url === pathToFileURL(resolve(config.dataDir, 'store')).href;
  return openStore(s.url, { name: s.name, createIfMissing: isEmbeddedDefault, s3: s.s3 });
}

export async function openRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch((e: unknown) => logger.warn({ err: e }, 'close failed'));
  };
  try {
    const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, log: logger });
    closers.push(() => database.close());
    const primary = storeOf(config.store, config);
    closers.push(() => primary.close());
    const backups = config.backupStores.map((s) => storeOf(s, config));
    for (const b of backups) closers.push(() => b.close());
    const scanner = createScanner({ clamd: config.clamd });
    const probes = [
      { name: 'database', probe: async () => { await database.ping(); return database.kind; } },
      ...[primary, ...backups].map((s) => ({ name: `store:${s.name}`, probe: async () => { await s.check(); return s.location; } })),
      {
        name: 'scanner',
        probe: async () => {
          if (!scanner.configured) return 'not configured';
          await scanner.ping();
          return scanner.name;
        },
      },
    ];
    return { config, logger, database, primary, backups, scanner, probes, close };
  } catch (e) {
    await close();
    throw e;
  }
}
