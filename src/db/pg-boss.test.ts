// The handles openDatabase returns serve pg-boss too: its PGlite backend on `pglite`, its own pool on `url`.
import { PgBoss, fromPglite } from 'pg-boss';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { rowsOf } from './client.ts';
import { describeEachDatabase } from './testing.ts';

describeEachDatabase('pg-boss beside drizzle', (t) => {
  it('sends and fetches a job on the same database drizzle uses', async () => {
    const database = await t.open();
    const boss =
      database.kind === 'pglite'
        ? new PgBoss({ backend: 'pglite', db: fromPglite(database.pglite!) })
        : new PgBoss({ connectionString: database.url!, max: 2 });
    boss.on('error', () => {});
    await boss.start();
    try {
      await boss.createQueue('dangan-db-test');
      const id = await boss.send('dangan-db-test', { archivalCode: 'J001-WS·2024-Y-BGS-0001' });
      expect(id).toBeTruthy();
      const [job] = await boss.fetch<{ archivalCode: string }>('dangan-db-test');
      expect(job.data.archivalCode).toBe('J001-WS·2024-Y-BGS-0001');
      await boss.complete('dangan-db-test', job.id);
      const [r] = rowsOf<{ n: number | string }>(await database.db.execute(sql`select count(*) as n from events`));
      expect(Number(r.n)).toBe(0);
    } finally {
      await boss.stop({ graceful: false, close: database.kind !== 'pglite' });
    }
  });
});
