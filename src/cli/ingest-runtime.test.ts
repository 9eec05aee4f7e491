// DANGAN_STAGING_GRACE_SECONDS reaches the workers' orphaned-staging sweep: serve and worker build
// their ingest service here, from the configuration, and an orphan is removed at the configured age
// (the default, a day, would keep it).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { stagingKey } from '../ingest/index.ts';
import { openIngest } from './ingest-runtime.ts';
import { openRuntime } from './runtime.ts';

const dir = mkdtempSync(join(tmpdir(), 'dangan-ingest-runtime-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('sweeps an orphaned staged upload once it is older than DANGAN_STAGING_GRACE_SECONDS', async () => {
  const config = loadConfig({ DANGAN_DATA: dir, DANGAN_STAGING_GRACE_SECONDS: '900' }, dir);
  const runtime = await openRuntime(config, pino({ level: 'silent' }));
  try {
    const { ingest, close } = await openIngest(runtime, { queue: false, workers: false });
    try {
      const orphan = stagingKey(randomUUID());
      await runtime.primary.put([Buffer.from('an upload whose submission row was never written')], { key: orphan });
      const staged = async () => {
        const keys: string[] = [];
        for await (const o of runtime.primary.list('staging/')) keys.push(o.key);
        return keys;
      };
      // 10 minutes old: within the grace, kept.
      expect(await ingest.sweepStaging(new Date(Date.now() + 600_000))).toBe(0);
      expect(await staged()).toEqual([orphan]);
      // 20 minutes old: past 900 s (and far short of the default day), removed.
      expect(await ingest.sweepStaging(new Date(Date.now() + 1_200_000))).toBe(1);
      expect(await staged()).toEqual([]);
    } finally {
      await close();
    }
  } finally {
    await runtime.close();
  }
}, 120_000);
