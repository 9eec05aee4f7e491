// `dangan audit` as a real process: killed with SIGKILL in the middle of a throttled run, run again,
// it resumes that run and reads only the copies whose results were not yet committed; exit codes.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import type { AuditSummary } from '../../src/audit/index.ts';
import { openDatabase } from '../../src/db/index.ts';
import { describeEachDatabase } from '../../src/db/testing.ts';
import { audits, copies, events } from '../../src/db/schema.ts';
import { archive, flipBit, fsTamper } from './audit-support.ts';
import { openTestStore } from './ingest-support.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dangan.js');

describeEachDatabase('dangan audit (process)', (t) => {
  it('survives kill -9 and resumes without re-reading what was done; exit 1 when something failed', async () => {
    const place = await t.place();
    const primaryDir = join(place.dataDir, 'primary');
    const backupDir = join(place.dataDir, 'backup');
    mkdirSync(primaryDir);
    mkdirSync(backupDir);
    const primary = openTestStore(pathToFileURL(primaryDir).href, 'primary');
    const backup = openTestStore(pathToFileURL(backupDir).href, 'backup-1');
    const open = () => openDatabase({ dataDir: place.dataDir, url: place.url });

    let database = await open();
    const pkg = await archive(database.db, [primary, backup], join(place.dataDir, 'work'), { division: 'KIL', count: 8, pdfBytes: 500_000 });
    await database.close();
    const bytes = [...pkg.objects.values()].reduce((s, o) => s + o.size, 0);
    // 1 MB/s per store: about 4 s for each store's pass.
    writeFileSync(join(place.dataDir, 'audit-policy.yaml'), 'stores:\n  - store: "*"\n    maxBytesPerSecond: 1000000\n    concurrency: 2\n');
    const env = {
      ...process.env,
      DANGAN_DATA: place.dataDir,
      ...(place.url ? { DATABASE_URL: place.url } : {}),
      DANGAN_STORE: pathToFileURL(primaryDir).href,
      DANGAN_BACKUP_STORES: `${pathToFileURL(backupDir).href}?name=backup-1`,
      DANGAN_LOG_LEVEL: 'warn',
    };

    const child = spawn(process.execPath, [BIN, 'audit'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    // Once it reports progress, let it commit for a while (results are committed at least every second), then SIGKILL.
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (c: Buffer) => {
        err += c.toString();
        if (/primary [1-9]\d*\/\d+/.test(err)) resolve();
      });
      child.once('exit', () => reject(new Error(`dangan audit ended before it was killed: ${err}`)));
    });
    await new Promise((r) => setTimeout(r, 2500));
    child.kill('SIGKILL');
    expect(await exited).toBe(null);

    database = await open();
    const [cut] = await database.db.select().from(audits);
    expect(cut.status).toBe('running');
    const s0 = cut.summary as AuditSummary;
    const target = Object.values(s0.stores).reduce((n, p) => n + p.target, 0);
    const done = Object.values(s0.stores).reduce((n, p) => n + p.done, 0);
    expect(target).toBe(pkg.objects.size * 2);
    expect(done, 'killed in the middle').toBeGreaterThan(0);
    expect(done).toBeLessThan(target);
    const before = new Map((await database.db.select().from(copies)).map((c) => [c.id, c.lastAuditedAt?.getTime() ?? null]));
    const committed = [...before.values()].filter((at) => at !== null && at >= cut.startedAt.getTime()).length;
    expect(committed).toBe(done);
    await database.close();

    const again = spawnSync(process.execPath, [BIN, 'audit'], { env, encoding: 'utf8', timeout: 60_000 });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain(cut.id);
    expect(again.stdout).toContain('resumed');

    database = await open();
    const [fin] = await database.db.select().from(audits).where(eq(audits.id, cut.id));
    const s1 = fin.summary as AuditSummary;
    expect(fin.status).toBe('done');
    expect(fin.checked).toBe(target);
    expect(fin.ok).toBe(target);
    expect(s1.slices.length).toBe(2);
    expect(s1.slices[1].read).toBe(target - done);
    expect(Object.values(s1.stores).reduce((n, p) => n + p.bytes, 0)).toBe(bytes * 2);
    // What the first process committed was not read again.
    for (const c of await database.db.select().from(copies)) {
      const was = before.get(c.id);
      if (was !== null && was !== undefined && was >= cut.startedAt.getTime()) expect(c.lastAuditedAt?.getTime()).toBe(was);
      else expect(c.lastAuditedAt!.getTime()).toBeGreaterThanOrEqual(cut.startedAt.getTime());
    }
    expect((await database.db.select().from(events).where(eq(events.type, 'audit.completed'))).length).toBe(1);
    await database.close();

    // A flipped bit: exit 1 and the BC code in the JSON report.
    const pdf = [...pkg.objects.entries()].find(([p]) => p.endsWith('正文.pdf'))!;
    await flipBit(fsTamper(primary, primaryDir), pdf[1].key);
    const bad = spawnSync(process.execPath, [BIN, 'audit', '--store', 'primary', '--json'], { env, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status, bad.stderr).toBe(1);
    const report = JSON.parse(bad.stdout) as { audit: { corrupt: number }; report: { items: { code: string; status: string; target: string }[] } };
    expect(report.audit.corrupt).toBe(1);
    expect(report.report.items.filter((i) => i.status === 'fail').map((i) => `${i.code} ${i.target}`)).toEqual([`BC-1-1 primary:${pdf[0]}`]);
    const usage = spawnSync(process.execPath, [BIN, 'audit', '--store', 'nowhere'], { env, encoding: 'utf8', timeout: 60_000 });
    expect(usage.status).toBe(2);
  }, 120_000);
});
