import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/fdw/check.js';
import { runInitNew } from '../../src/fdw/init-new.js';
import { runMigrate } from '../../src/fdw/migrate.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { applyFixture, configFor, tableDigest, testDeps } from './support/fixtures.js';

const TABLES: [string, string][] = [
  ['customers', 'id'],
  ['categories', 'id'],
  ['"Sales Dept"."Order"', 'id'],
  ['order_lines', 'order_id, line_no'],
  ['audit', 'id'],
];

describe('migrate: every row moves, unchanged, and FKs come back validated', () => {
  let db: DbPair;
  const before = new Map<string, { n: number; digest: string }>();
  beforeAll(async () => {
    db = await freshDatabases('migrate');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    // A deeper self-referencing chain than the fixture's: 300 categories, each the child of the last.
    await db.old.query(`INSERT INTO categories (id, parent_id, label)
      SELECT 1000 + g, CASE WHEN g > 1 THEN 999 + g END, 'chain' || g FROM generate_series(1, 300) g;
      SELECT setval('categories_id_seq', 1300)`);
    // A NEW-side trigger that would rewrite moved rows if it fired.
    await applyFixture(db.new, 'features');
    await db.new
      .query(`CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.name := NEW.name || ' (touched)'; RETURN NEW; END $$;
      CREATE TRIGGER customers_touch BEFORE INSERT OR UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION touch()`);
    for (const [t, k] of TABLES) before.set(t, await tableDigest(db.old, t, k));
    await runInitNew(await configFor(db, { excludeTables: ['public.events'] }), testDeps());
  });
  afterAll(async () => db?.drop());

  it('dry run changes nothing and shows referencing tables first', async () => {
    const events: string[][] = [];
    const r = await runMigrate(await configFor(db, { dryRun: true }), {
      ...testDeps(),
      onEvent: (e) => e.order && events.push([...e.order]),
    });
    expect(r.tables).toEqual([]);
    const order = events[0]!;
    expect(order.indexOf('public.order_lines')).toBeLessThan(order.indexOf('Sales Dept.Order'));
    expect(order.indexOf('Sales Dept.Order')).toBeLessThan(order.indexOf('public.customers'));
    expect(order.indexOf('public.order_lines')).toBeLessThan(order.indexOf('public.categories'));
    expect((await db.old.query(`SELECT count(*)::int AS n FROM order_lines`)).rows[0].n).toBe(200);
  });

  it('moves every row in small batches; OLD is empty; content identical', async () => {
    const deps = testDeps();
    const r = await runMigrate(await configFor(db, { batchSize: 37 }), deps);
    // Nobody else used NEW's database: migrate never took itself for a busy application (as it
    // did when a mover opened while it sampled: app-activity.ts, sampleBusy).
    expect(deps.lines.filter((l) => l.includes('the application is busy'))).toEqual([]);
    expect(r.tables.map((t) => [t.table, t.status])).toEqual(
      expect.arrayContaining([
        ['public.customers', 'moved'],
        ['public.categories', 'moved'],
        ['Sales Dept.Order', 'moved'],
        ['public.order_lines', 'moved'],
        ['public.audit', 'moved'],
      ]),
    );
    for (const [t, k] of TABLES) {
      expect((await db.old.query(`SELECT count(*)::int AS n FROM ONLY ${t}`)).rows[0].n, `OLD ${t}`).toBe(0);
      expect(await tableDigest(db.new, t, k), `NEW ${t}`).toEqual(before.get(t));
    }
  });

  it("fired neither NEW's triggers on moved rows nor OLD's audit trigger on the deletes", async () => {
    expect(
      (await db.new.query(`SELECT count(*)::int AS n FROM customers WHERE name LIKE '%(touched)'`)).rows[0].n,
    ).toBe(0);
    expect((await db.new.query(`SELECT count(*)::int AS n FROM audit`)).rows[0].n).toBe(0);
    expect((await db.old.query(`SELECT count(*)::int AS n FROM fdwmig.moved_batches`)).rows[0].n).toBeGreaterThan(10);
  });

  it('re-added every FK and validated it', async () => {
    const fks = await db.new.query(`SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f' ORDER BY 1`);
    expect(fks.rows).toEqual([
      { conname: 'Order_user_fkey', convalidated: true },
      { conname: 'categories_parent_id_fkey', convalidated: true },
      { conname: 'order_lines_category_id_fkey', convalidated: true },
      { conname: 'order_lines_order_id_fkey', convalidated: true },
    ]);
    await expect(db.new.query(`INSERT INTO order_lines (order_id, line_no) VALUES (999999, 1)`)).rejects.toThrow(
      /foreign key/,
    );
  });

  it('a re-run finds nothing left to move', async () => {
    const r = await runMigrate(await configFor(db), testDeps());
    expect(r.tables.every((t) => t.status === 'moved' && t.rows === 0)).toBe(true);
  });
});

describe('migrate refusals', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('migrefuse');
    await applyFixture(db.old, 'features');
    await applyFixture(db.new, 'features');
  });
  afterAll(async () => db?.drop());

  it('refuses before init-new, with a hint', async () => {
    await expect(runMigrate(await configFor(db), testDeps())).rejects.toMatchObject({
      code: 'STATE',
      hint: expect.stringContaining('init-new'),
    });
  });

  it('names a duplicate key the application made on NEW, and moves nothing of that batch', async () => {
    await runInitNew(await configFor(db, { excludeTables: ['public.events'] }), testDeps());
    await db.old.query(`INSERT INTO customers (id, name) OVERRIDING SYSTEM VALUE VALUES (7, 'on OLD')`);
    await db.new.query(`INSERT INTO customers (id, name) OVERRIDING SYSTEM VALUE VALUES (7, 'on NEW too')`);
    const r = await runMigrate(await configFor(db, { tables: ['public.customers'], finalize: false }), testDeps());
    expect(r.tables[0]).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(
        /customers: a row moving from OLD has a key that NEW's table already holds \(Key \(id\)=\(7\) already exists\.\).*hint: the application inserted/,
      ),
    });
    expect((await db.old.query(`SELECT count(*)::int AS n FROM customers`)).rows[0].n).toBe(1);
    await db.new.query(`DELETE FROM ONLY customers WHERE id = 7`);
    const again = await runMigrate(await configFor(db, { tables: ['public.customers'], finalize: false }), testDeps());
    expect(again.tables[0]).toMatchObject({ status: 'moved', rows: 1 });
  });

  it('refuses a second migrate while one runs', async () => {
    const holder = await (await import('../../src/exec/connections.js')).connect(db.newUrl, 'NEW');
    await holder.query(`SELECT pg_advisory_lock(hashtext('fdwmig:migrate:' || current_database()))`);
    try {
      await expect(runMigrate(await configFor(db), testDeps())).rejects.toMatchObject({
        code: 'STATE',
        message: expect.stringContaining('another fdwmig migrate'),
      });
    } finally {
      await holder.end();
    }
  });
});

describe('migrate: tables without a primary key', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('migrate_nopk');
    const schema = `CREATE TABLE tokens (token uuid NOT NULL UNIQUE, v int);
      CREATE TABLE events (kind text, payload jsonb);
      CREATE TABLE owners (id int PRIMARY KEY, name text);
      CREATE TABLE notes (owner_id int REFERENCES owners (id) ON DELETE CASCADE, body text);`;
    await db.old.query(
      schema +
        `INSERT INTO tokens SELECT md5(g::text)::uuid, g FROM generate_series(1, 1000) g;
      INSERT INTO events SELECT 'k', '{}' FROM generate_series(1, 10);
      INSERT INTO owners SELECT g, 'o' || g FROM generate_series(1, 500) g;
      INSERT INTO notes SELECT 1 + g % 500, 'n' || g FROM generate_series(1, 700) g;`,
    );
    await db.new.query(schema);
    await runInitNew(await configFor(db), testDeps());
  });
  afterAll(async () => db?.drop());

  it('check says beforehand that owners moves although keyless notes, which references it, stays on OLD', async () => {
    const report = await runCheck(await configFor(db), testDeps());
    expect(report.findings.filter((f) => f.subject === 'public.owners')).toEqual([
      expect.objectContaining({
        severity: 'info',
        message: expect.stringMatching(
          /^moves although public\.notes, which references it, has no key and stays on OLD/,
        ),
      }),
    ]);
  });

  it('moves one keyed by a unique NOT NULL constraint; skips one with no key, saying why, without finalizing', async () => {
    const before = await tableDigest(db.old, 'tokens', 'token');
    const r = await runMigrate(
      await configFor(db, { batchSize: 99, tables: ['public.tokens', 'public.events'] }),
      testDeps(),
    );
    const byName = Object.fromEntries(r.tables.map((t) => [t.table, t]));
    expect(byName['public.tokens']).toMatchObject({ status: 'moved', rows: 1000 });
    expect(byName['public.events']).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('no primary key'),
    });
    expect(r.finalized).toBeNull();
    expect(await tableDigest(db.new, 'tokens', 'token')).toEqual(before);
    expect((await db.old.query(`SELECT count(*)::int AS n FROM events`)).rows[0].n).toBe(10);
    expect((await db.new.query(`SELECT count(*)::int AS n FROM events`)).rows[0].n).toBe(10);
  });

  it('moves a table that a skipped keyless table references (replica mode on OLD): no cascade, every reference still resolves through NEW', async () => {
    const notes = (c: pg.Client) =>
      c.query(`SELECT owner_id, body FROM notes ORDER BY owner_id, body`).then((q) => q.rows);
    const before = { owners: await tableDigest(db.old, 'owners', 'id'), notes: await notes(db.old) };
    const deps = testDeps();
    const r = await runMigrate(await configFor(db, { batchSize: 99 }), deps);
    const byName = Object.fromEntries(r.tables.map((t) => [t.table, t]));
    expect(byName['public.notes']).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('no primary key'),
    });
    expect(byName['public.owners']).toMatchObject({ status: 'moved', rows: 500 });
    expect(
      deps.lines.some((l) =>
        /^info: public\.owners moves although public\.notes, which references it, stays on OLD/.test(l),
      ),
    ).toBe(true);
    expect(await tableDigest(db.new, 'owners', 'id')).toEqual(before.owners);
    // OLD's ON DELETE CASCADE did not fire: every note is still on OLD, and NEW serves them all.
    expect(await notes(db.old)).toEqual(before.notes);
    expect(await notes(db.new)).toEqual(before.notes);
    expect(
      (
        await db.new.query(
          `SELECT count(*)::int AS n FROM notes n LEFT JOIN owners o ON o.id = n.owner_id WHERE o.id IS NULL`,
        )
      ).rows[0].n,
    ).toBe(0);
    expect((await db.old.query(`SELECT count(*)::int AS n FROM ONLY owners`)).rows[0].n).toBe(0);
  });
});

const T_DIGEST = `SELECT count(*)::int AS n, md5(string_agg(id || ':' || v, ',' ORDER BY id)) AS d FROM ONLY t`;

/** Databases with a table t (id <keyType> PRIMARY KEY, v text) on both sides, `fill` run on OLD, then init-new. */
async function withTableT(label: string, fill: string, keyType = 'int'): Promise<DbPair> {
  const db = await freshDatabases(label);
  const ddl = `CREATE TABLE t (id ${keyType} PRIMARY KEY, v text)`;
  await db.old.query(`${ddl}; ${fill}`);
  await db.new.query(ddl);
  await runInitNew(await configFor(db), testDeps());
  return db;
}

describe('migrate --max-rows-per-second', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await withTableT('migrate_cap', `INSERT INTO t SELECT g, 'x' FROM generate_series(1, 3000) g`);
  });
  afterAll(async () => db?.drop());

  it('spreads the move out to the cap, and still moves every row', async () => {
    const t0 = Date.now();
    const r = await runMigrate(await configFor(db, { batchSize: 500, maxRowsPerSecond: 2000 }), testDeps());
    const seconds = (Date.now() - t0) / 1000;
    expect(r.tables[0]).toMatchObject({ status: 'moved', rows: 3000 });
    // Six batches of 500 at 2000 rows/s: the last may start only 1.25 s after the first.
    expect(seconds).toBeGreaterThanOrEqual(1.2);
  });
});

describe('migrate splits a large table across workers', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await withTableT('migrate_split', `INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g`);
  });
  afterAll(async () => db?.drop());

  it('moves the two halves side by side, every row exactly once', async () => {
    const digest = T_DIGEST;
    const before = (await db.old.query(digest)).rows[0];
    // 20000 rows, batches of 300, two workers: halves (, 10000] and (10000, ]; unsplit, no batch would start at 10000.
    const deps = testDeps();
    const r = await runMigrate(await configFor(db, { batchSize: 300, concurrency: 2, finalize: false }), deps);
    expect(r.tables[0]).toMatchObject({ status: 'moved', rows: 20000 });
    expect((await db.new.query(digest)).rows[0]).toEqual(before);
    expect((await db.old.query(`SELECT count(*)::int AS n FROM t`)).rows[0].n).toBe(0);
    const batches = (
      await db.new.query(`SELECT id::int, after_key FROM fdwmig.batches WHERE table_name = 't' ORDER BY id`)
    ).rows;
    const secondHalf = batches.find((b) => JSON.stringify(b.after_key) === '["10000"]');
    expect(secondHalf).toBeDefined();
    // The halves (34 batches each) ran side by side: each started before the other ended.
    const inFirst = (b: { after_key: string[] | null }) => b.after_key === null || Number(b.after_key[0]) < 10000;
    const ids = (half: typeof batches) => half.map((b) => b.id as number);
    const [first, second] = [ids(batches.filter(inFirst)), ids(batches.filter((b) => !inFirst(b)))];
    expect(Math.max(Math.min(...first), Math.min(...second)), deps.lines.join('\n')).toBeLessThan(
      Math.min(Math.max(...first), Math.max(...second)),
    );
  });
});

describe('migrate shares out what is left of a slow range', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await withTableT('migrate_steal', `INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 10000) g`);
  });
  afterAll(async () => db?.drop());

  it('a worker done with its range takes the upper half of what another has left; every row moves once', async () => {
    const digest = T_DIGEST;
    const before = (await db.old.query(digest)).rows[0];
    // Halves (, 5000] and (5000, ]. A transaction on OLD holds row 10, so the lower range's first
    // batch cannot be deleted (its checked delete retries) until the upper range is gone.
    const holder = new pg.Client(db.oldUrl);
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM t WHERE id = 10 FOR UPDATE');
    const deps = testDeps();
    const run = runMigrate(
      await configFor(db, { batchSize: 250, concurrency: 2, finalize: false, yieldToApp: false }),
      deps,
    );
    const upperLeft = async () =>
      (await db.old.query(`SELECT count(*)::int AS n FROM ONLY t WHERE id > 5000`)).rows[0].n as number;
    for (const t0 = Date.now(); (await upperLeft()) > 0 && Date.now() - t0 < 5_000;)
      await new Promise((r) => setTimeout(r, 50));
    await holder.query('ROLLBACK');
    await holder.end();
    const r = await run;
    expect(r.tables[0]).toMatchObject({ status: 'moved', rows: 10000 });
    expect((await db.new.query(digest)).rows[0]).toEqual(before);
    // In the lower range, batches in key order were not made in id order: a second worker moved
    // its upper part while the first moved the rest.
    const lower = (
      await db.new.query(
        `SELECT id::int, last_key FROM fdwmig.batches WHERE table_name = 't' AND (last_key->>0)::int <= 5000 ORDER BY (last_key->>0)::int`,
      )
    ).rows;
    const ids = lower.map((b) => b.id as number);
    expect(ids.length).toBeGreaterThanOrEqual(19);
    expect(
      ids.some((id, i) => i > 0 && id < ids[i - 1]!),
      deps.lines.join('\n'),
    ).toBe(true);
  });
});

describe('migrate cuts an integer key by value, and shares out a lopsided cut', () => {
  let db: DbPair;
  beforeAll(async () => {
    // bigint keys at both ends of the type (the midpoint must not overflow), almost all of them high.
    db = await withTableT(
      'migrate_value_split',
      `INSERT INTO t VALUES (-9223372036854775808, 'min');
      INSERT INTO t SELECT 9223372036854775807 - g, md5(g::text) FROM generate_series(0, 11999) g`,
      'bigint',
    );
  });
  afterAll(async () => db?.drop());

  it('moves every row once; the first range holds one row, and its pipeline then takes half of the other', async () => {
    const digest = T_DIGEST;
    const before = (await db.old.query(digest)).rows[0];
    const deps = testDeps();
    const r = await runMigrate(
      await configFor(db, { batchSize: 300, concurrency: 2, finalize: false, yieldToApp: false }),
      deps,
    );
    expect(r.tables[0]).toMatchObject({ status: 'moved', rows: 12001 });
    expect((await db.new.query(digest)).rows[0]).toEqual(before);
    expect((await db.old.query(`SELECT count(*)::int AS n FROM ONLY t`)).rows[0].n).toBe(0);
    const batches = (
      await db.new.query(`SELECT id::int, after_key, last_key FROM fdwmig.batches WHERE table_name = 't' ORDER BY id`)
    ).rows;
    // The cut: about halfway between the smallest and the largest bigint (numeric rounding: 0).
    const cut = batches.find((b) => b.after_key && BigInt(b.after_key[0]) >= -10n && BigInt(b.after_key[0]) <= 10n);
    expect(cut, JSON.stringify(batches.slice(0, 4))).toBeDefined();
    // The lower range held one row; its pipeline then took the upper half of what the other had
    // left: in the high range, batches in key order were not made in id order.
    const high = batches
      .filter((b) => BigInt(b.last_key[0]) > 10n)
      .sort((a, b) => (BigInt(a.last_key[0]) < BigInt(b.last_key[0]) ? -1 : 1))
      .map((b) => b.id as number);
    expect(
      high.some((id, i) => i > 0 && id < high[i - 1]!),
      deps.lines.join('\n'),
    ).toBe(true);
  });
});

describe('migrate cuts a text key at every n-th key', () => {
  let db: DbPair;
  beforeAll(async () => {
    // ANALYZE: the cut follows OLD's planner estimate, which for a table never analyzed is a
    // guess from its pages (5896 rows here); autovacuum analyzes it at a time of its own choosing.
    db = await withTableT(
      'migrate_text_split',
      `INSERT INTO t SELECT lpad(g::text, 6, '0'), md5(g::text) FROM generate_series(1, 8000) g; ANALYZE t`,
      'text',
    );
  });
  afterAll(async () => db?.drop());

  it('moves the two halves, cut at the 4000th key in order, every row exactly once', async () => {
    const before = (await db.old.query(T_DIGEST)).rows[0];
    const r = await runMigrate(
      await configFor(db, { batchSize: 300, concurrency: 2, finalize: false, yieldToApp: false }),
      testDeps(),
    );
    expect(r.tables[0]).toMatchObject({ status: 'moved', rows: 8000 });
    expect((await db.new.query(T_DIGEST)).rows[0]).toEqual(before);
    const starts = (await db.new.query(`SELECT after_key FROM fdwmig.batches WHERE table_name = 't'`)).rows.map((b) =>
      JSON.stringify(b.after_key),
    );
    expect(starts).toContain('["004000"]');
  });
});

describe('migrate: a row whose key moves into a range already passed', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await withTableT('migrate_repass', `INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 10000) g`);
  });
  afterAll(async () => db?.drop());

  it('is moved by a further pass over the whole table; every row ends on NEW once', async () => {
    // Halves (, 5000] and (5000, ], capped so that the move lasts about a second. Once 3000 rows
    // have moved, the application (through NEW) gives row 9990, still on OLD, the key -1: below
    // every key either range has passed, so only a pass after the first can find it.
    let update: Promise<unknown> | null = null;
    const app = new pg.Client(db.newUrl);
    await app.connect();
    try {
      const r = await runMigrate(
        await configFor(db, {
          batchSize: 250,
          concurrency: 2,
          maxRowsPerSecond: 10_000,
          finalize: false,
          yieldToApp: false,
        }),
        {
          ...testDeps(),
          onEvent: (e) => {
            if (e.kind === 'batch' && (e.moved ?? 0) >= 3000 && !update)
              update = app.query(`UPDATE t SET id = -1 WHERE id = 9990`);
          },
        },
      );
      expect(((await update) as pg.QueryResult | null)?.rowCount).toBe(1);
      expect(r.tables[0]).toMatchObject({ status: 'moved', rows: 10000 });
    } finally {
      await app.end();
    }
    expect((await db.old.query(`SELECT count(*)::int AS n FROM ONLY t`)).rows[0].n).toBe(0);
    expect(
      (await db.new.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE id = 9990)::int AS old_key FROM ONLY t`))
        .rows[0],
    ).toEqual({ n: 10000, old_key: 0 });
    expect((await db.new.query(`SELECT v FROM ONLY t WHERE id = -1`)).rows).toEqual([
      { v: (await db.new.query(`SELECT md5('9990') AS v`)).rows[0].v },
    ]);
    // The further pass recorded a batch of its own, over the whole key space from its start.
    const repass = (
      await db.new.query(
        `SELECT after_key, last_key FROM fdwmig.batches WHERE table_name = 't' AND last_key = '["-1"]'`,
      )
    ).rows;
    expect(repass).toEqual([{ after_key: null, last_key: ['-1'] }]);
  });
});
