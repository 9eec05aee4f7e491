// The audit's other preservation items: BC-4-2 (a real clamd reloaded with a newer signature finds
// an archived file infected) and BC-1-5 (an object and its catalogue row altered together pass
// fixity, but the stored package manifest no longer agrees).
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAuditService, parseAuditPolicies } from '../../src/audit/index.ts';
import { describeEachDatabase } from '../../src/db/testing.ts';
import { copies, files, submissionObjects } from '../../src/db/schema.ts';
import { createClamdScanner } from '../../src/scan/index.ts';
import { startTestClamd, type TestClamd } from '../../src/scan/test-clamd.ts';
import { archive, fsTamper, scratch } from './audit-support.ts';
import { openTestStore } from './ingest-support.ts';

const dirs = scratch('dangan-audit-evidence-');
const fresh = dirs.fresh;
let clamd: TestClamd;
beforeAll(async () => {
  clamd = await startTestClamd({ path: process.env.PATH });
}, 60_000);
afterAll(async () => {
  await clamd?.stop();
  dirs.cleanup();
});
const quiet = pino({ level: 'silent' });

function clamdCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socket, () => s.end(`z${command}\0`));
    let out = '';
    s.on('data', (c) => (out += c.toString()));
    s.on('end', () => resolve(out.replace(/\0$/, '')));
    s.on('error', reject);
  });
}

describeEachDatabase('fixity audit: rescan and package evidence', (t) => {
  it('BC-4-2: rescans content with the configured clamd, after new signatures arrive', async () => {
    const database = await t.open();
    const root = fresh('primary');
    const primary = openTestStore(pathToFileURL(root).href, 'primary');
    const division = `V${dirs.next()}`;
    const pkg = await archive(database.db, [primary], fresh('pkg'), { division, count: 3 });
    const scanner = createClamdScanner({ socket: clamd.socket });
    const audits = createAuditService({ db: database.db, stores: [primary], policies: parseAuditPolicies({}), scanner, actor: 'test', log: quiet, tool: { name: 'dangan', version: 'test' } });

    // Today's signatures find nothing.
    const clean = await audits.runNow({ requestedBy: 'test' });
    const r0 = (await audits.report(clean.audit!.id))!;
    expect(r0.report.items.find((i) => i.code === 'BC-4-2')?.status).toBe('pass');
    expect(r0.audit.summary.scanned).toBe(3);

    // A newer signature for the second record's file, loaded by clamd's RELOAD.
    const marker = `dangan bench ${division}-0002`;
    writeFileSync(join(dirname(clamd.socket), 'db', `newer-${division}.ndb`), `Dangan-Newer-${division}:0:*:${Buffer.from(marker).toString('hex')}\n`);
    expect(await clamdCommand(clamd.socket, 'RELOAD')).toMatch(/RELOADING/);
    const probe = Buffer.from(`xx ${marker} xx`);
    for (let i = 0; i < 100; i++) {
      if ((await scanner.scan((async function* () { yield probe; })())).status === 'infected') break;
      await new Promise((r) => setTimeout(r, 200));
    }

    const rescan = await audits.runNow({ requestedBy: 'test' });
    const r1 = (await audits.report(rescan.audit!.id))!;
    expect(r1.audit.failed).toBe(true);
    expect(r1.audit.summary.infected).toBe(1);
    const infected = r1.report.items.filter((i) => i.code === 'BC-4-2' && i.status === 'fail');
    expect(infected.map((i) => i.target)).toEqual([`primary:${pkg.codes[1]}/正文.pdf`]);
    expect(infected[0].message).toContain(`Dangan-Newer-${division}`);
  }, 120_000);

  it('BC-1-5: a file replaced together with its catalogue digests passes fixity but not the stored manifest', async () => {
    const database = await t.open();
    const db = database.db;
    const root = fresh('primary');
    const primary = openTestStore(pathToFileURL(root).href, 'primary');
    const pkg = await archive(db, [primary], fresh('pkg'), { division: `M${dirs.next()}`, count: 2 });
    const audits = createAuditService({ db, stores: [primary], policies: parseAuditPolicies({}), actor: 'test', log: quiet, tool: { name: 'dangan', version: 'test' } });
    const first = (await audits.report((await audits.runNow({ requestedBy: 'test' })).audit!.id))!;
    expect(first.audit.failed).toBe(false);
    expect(first.report.items.find((i) => i.code === 'BC-1-5')?.status).toBe('pass');

    // An insider swaps the bytes and rewrites the catalogue to match.
    const path = `${pkg.codes[0]}/正文.pdf`;
    const o = pkg.objects.get(path)!;
    const forged = Buffer.from('%PDF-1.7\n% forged\n%%EOF\n');
    await fsTamper(primary, root).write(o.key, forged);
    const sha256 = createHash('sha256').update(forged).digest('hex');
    const sm3 = createHash('sm3').update(forged).digest('hex');
    await db.update(copies).set({ sha256, sm3, size: forged.length }).where(eq(copies.objectKey, o.key));
    await db.update(files).set({ sha256, sm3, size: forged.length }).where(eq(files.objectKey, o.key));
    await db.update(submissionObjects).set({ sha256, sm3, size: forged.length }).where(eq(submissionObjects.objectKey, o.key));

    const second = (await audits.report((await audits.runNow({ requestedBy: 'test' })).audit!.id))!;
    expect(second.audit.corrupt).toBe(0);
    const fails = second.report.items.filter((i) => i.status === 'fail');
    expect(fails.map((i) => `${i.code} ${i.target}`)).toEqual([`BC-1-5 ${pkg.submission}:${path}`]);
    expect(fails[0].expected).toBe(o.sm3);
    expect(fails[0].actual).toBe(sm3);
  }, 120_000);
});
