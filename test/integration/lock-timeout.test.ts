/**
 * init-new on a busy NEW: DDL that meets an application's lock waits lockTimeoutMs, retries with
 * backoff ddlRetries times, then gives up with a hint, never stalling the application longer.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runInitNew } from '../../src/fdw/init-new.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { applyFixture, configFor, testDeps } from './support/fixtures.js';

const STEP = 'foreign-table:public.categories';
const MIGRATED = [
  'Sales Dept.Order',
  'public.audit',
  'public.categories',
  'public.customers',
  'public.events',
  'public.order_lines',
];

/**
 * Another client holding a lock that conflicts with `ALTER FOREIGN TABLE ... INHERIT categories`:
 * INHERIT takes SHARE UPDATE EXCLUSIVE on the parent, which conflicts with itself. An ACCESS
 * SHARE lock (a plain SELECT's) would not stop INHERIT; it would stop a later step instead, the
 * DROP CONSTRAINT of categories' FK, which takes ACCESS EXCLUSIVE.
 */
async function holdLock(url: string): Promise<{ pid: number; release(): Promise<void>; end(): Promise<void> }> {
  const c = new pg.Client({ connectionString: url, application_name: 'lock-holder' });
  await c.connect();
  await c.query('BEGIN');
  await c.query('LOCK TABLE categories IN SHARE UPDATE EXCLUSIVE MODE');
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await c.query('ROLLBACK');
  };
  const end = async () => {
    await release().catch(() => undefined);
    await c.end().catch(() => undefined);
  };
  return { pid: (c as unknown as { processID: number }).processID, release, end };
}

/** Parents on NEW that a `_remote` foreign table inherits from. */
async function attachedParents(db: pg.Client): Promise<string[]> {
  const r = await db.query<{ parent: string }>(`SELECT pn.nspname || '.' || p.relname AS parent
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
    JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE c.relkind = 'f'`);
  return r.rows.map((row) => row.parent).sort();
}

async function count(db: pg.Client, sql: string): Promise<number> {
  return Number((await db.query(sql)).rows[0].n);
}

describe('init-new against an application holding a conflicting lock on NEW', () => {
  let db: DbPair;
  let holder: Awaited<ReturnType<typeof holdLock>> | undefined;
  beforeAll(async () => {
    db = await freshDatabases('locktimeout');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    await applyFixture(db.new, 'features');
  });
  afterEach(async () => {
    await holder?.end();
    holder = undefined;
  });
  afterAll(async () => db?.drop());

  it('gives up after lockTimeoutMs x (ddlRetries + 1) plus backoff, with a hint; a re-run finishes the rest', async () => {
    holder = await holdLock(db.newUrl);
    const deps = testDeps();
    const started = Date.now();
    const err = await runInitNew(await configFor(db, { lockTimeoutMs: 100, ddlRetries: 2 }), deps).catch(
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    expect(err).toMatchObject({
      code: 'PG',
      sqlstate: '55P03',
      step: STEP,
      exitCode: 1,
      hint: expect.stringMatching(
        /held by pid \d+ \(lock-holder, idle in transaction: .*lockRetryMs.*tried 3 times in/,
      ),
    });
    // Each retry names the session holding the lock: the test's holder, idle in its transaction.
    const held = `\\(held by pid ${holder.pid} \\(lock-holder, idle in transaction: `;
    expect(deps.lines.filter((l) => l.startsWith('warn: lock not available'))).toEqual([
      expect.stringMatching(new RegExp(`^warn: lock not available, retry 1: ${STEP} ${held}`)),
      expect.stringMatching(new RegExp(`^warn: lock not available, retry 2: ${STEP} ${held}`)),
    ]);
    // 3 attempts of 100 ms plus backoff sleeps of 200 and 400 ms; the step would wait forever
    // without lock_timeout, and the loose upper bound still proves it did not.
    expect(elapsed).toBeGreaterThanOrEqual(3 * 100 + 200 + 400 - 50);
    expect(elapsed).toBeLessThan(10_000);
    // The failed step rolled back whole: no half-made categories_remote.
    expect((await db.new.query(`SELECT to_regclass('public.categories_remote') AS r`)).rows[0].r).toBeNull();
    const attachedBefore = await attachedParents(db.new);
    expect(attachedBefore).not.toContain('public.categories');

    await holder.release();
    const again = await runInitNew(await configFor(db, { lockTimeoutMs: 100, ddlRetries: 2 }), testDeps());
    expect(again.applied).toBe(true);
    // Only what the first run left undone is planned again.
    const tableSteps = again.plan.steps.map((s) => s.id).filter((id) => id.startsWith('foreign-table:'));
    expect(tableSteps).toContain(STEP);
    expect(tableSteps).toEqual(MIGRATED.filter((t) => !attachedBefore.includes(t)).map((t) => `foreign-table:${t}`));
    expect(await attachedParents(db.new)).toEqual(MIGRATED);
    expect(await count(db.new, `SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f'`)).toBe(0);
    expect(await count(db.new, `SELECT count(*) AS n FROM categories`)).toBe(20);
    expect((await db.new.query(`SELECT init_completed_at IS NOT NULL AS done FROM fdwmig.migration`)).rows).toEqual([
      { done: true },
    ]);
  });
});

describe('init-new riding through a lock released while it retries', () => {
  let db: DbPair;
  let holder: Awaited<ReturnType<typeof holdLock>> | undefined;
  beforeAll(async () => {
    db = await freshDatabases('lockride');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    await applyFixture(db.new, 'features');
  });
  afterAll(async () => {
    await holder?.end();
    await db?.drop();
  });

  it('succeeds once the application lets go, after at least one retry', async () => {
    holder = await holdLock(db.newUrl);
    const h = holder;
    const deps = testDeps();
    let releasing: Promise<void> | undefined;
    const log = deps.log;
    // The lock is let go 300 ms after the step first tries it: longer than lockTimeoutMs, so the
    // first attempt fails however long the steps before it took.
    deps.log = (e) => {
      log(e);
      if (e.data?.step === STEP && !releasing) {
        releasing = new Promise((resolve) => setTimeout(resolve, 300)).then(() => h.release());
      }
    };
    const result = await runInitNew(await configFor(db, { lockTimeoutMs: 100, ddlRetries: 10 }), deps);
    await releasing;
    expect(result.applied).toBe(true);
    const retries = deps.lines.filter((l) => l.startsWith('warn: lock not available'));
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries.every((l) => l.includes(`: ${STEP} (held by pid ${h.pid} `))).toBe(true);
    expect(await attachedParents(db.new)).toEqual(MIGRATED);
    expect(await count(db.new, `SELECT count(*) AS n FROM categories`)).toBe(20);
  });
});

describe('init-new retrying for lockRetryMs, not a count', () => {
  let db: DbPair;
  let holder: Awaited<ReturnType<typeof holdLock>> | undefined;
  beforeAll(async () => {
    db = await freshDatabases('lockretryms');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    await applyFixture(db.new, 'features');
  });
  afterAll(async () => {
    await holder?.end();
    await db?.drop();
  });

  it('gives up once the next backoff would pass lockRetryMs, naming the holder', async () => {
    holder = await holdLock(db.newUrl);
    const started = Date.now();
    const err = await runInitNew(await configFor(db, { lockTimeoutMs: 100, lockRetryMs: 1_000 }), testDeps()).catch(
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    // Tries of 100 ms after backoffs of 200 and 400 ms; the next (800 ms) would end past 1 s.
    expect(err).toMatchObject({
      code: 'PG',
      sqlstate: '55P03',
      step: STEP,
      hint: expect.stringMatching(new RegExp(`held by pid ${holder.pid} .*lockRetryMs \\(tried 3 times in`)),
    });
    expect(elapsed).toBeGreaterThanOrEqual(3 * 100 + 200 + 400 - 50);
    expect(elapsed).toBeLessThan(10_000);
  });
});
