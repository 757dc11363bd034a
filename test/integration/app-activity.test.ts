/**
 * What migrate counts as the application being busy on NEW (src/exec/app-activity.ts), on a
 * real server: other client sessions in a statement or a transaction; idle ones and fdwmig's own
 * do not count.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleBusy } from '../../src/exec/app-activity.js';

const countBusy = async (db: Parameters<typeof sampleBusy>[0], own: readonly number[]) =>
  (await sampleBusy(db, () => own)).n;
import { freshDatabases, type DbPair } from './support/databases.js';

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client(url);
  await c.connect();
  return c;
}

const pidOf = (c: pg.Client) => (c as unknown as { processID: number }).processID;

describe('the application counted as busy on NEW', () => {
  let db: DbPair;
  const open: pg.Client[] = [];
  beforeAll(async () => {
    db = await freshDatabases('appbusy');
  });
  afterAll(async () => {
    for (const c of open.splice(0)) await c.end().catch(() => undefined);
    await db?.drop();
  });

  it('counts sessions in a transaction or a statement, not idle ones nor its own', async () => {
    const [idle, inTx, running, mine] = await Promise.all([1, 2, 3, 4].map(() => connect(db.newUrl)));
    open.push(idle!, inTx!, running!, mine!);
    const own = [pidOf(db.new), pidOf(mine!)];
    await mine!.query('BEGIN');
    expect(await countBusy(db.new, own)).toBe(0);
    await inTx!.query('BEGIN');
    expect(await countBusy(db.new, own)).toBe(1);
    const sleeping = running!.query('SELECT pg_sleep(1)');
    for (let i = 0; i < 50 && (await countBusy(db.new, own)) < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await countBusy(db.new, own)).toBe(2);
    // Whom migrate yields to, as its log line names them.
    expect((await sampleBusy(db.new, () => own)).examples).toEqual(
      [pidOf(inTx!), pidOf(running!)]
        .sort((a, b) => a - b)
        .map((p) => `pid ${p} (no application_name, ${p === pidOf(inTx!) ? 'idle in transaction' : 'active'})`),
    );
    await sleeping;
    await inTx!.query('COMMIT');
    expect(await countBusy(db.new, own)).toBe(0);
    await mine!.query('COMMIT');
  });
});
