import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCheck } from '../../src/fdw/check.js';
import { runInitNew } from '../../src/fdw/init-new.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { applyFixture, catalogFingerprint, configFor, testDeps } from './support/fixtures.js';

async function count(db: DbPair['old'], sql: string): Promise<number> {
  return Number((await db.query(sql)).rows[0].n);
}

describe('init-new on a schema with FKs, self-reference, composite key, no-PK table, hostile names', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('initnew');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    await applyFixture(db.new, 'features');
  });
  afterAll(async () => db?.drop());

  it('check reports every table migratable and NEW able to reach OLD', async () => {
    const report = await runCheck(await configFor(db), testDeps());
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.tables.map((t) => t.name).sort()).toEqual([
      'Sales Dept.Order',
      'public.audit',
      'public.categories',
      'public.customers',
      'public.events',
      'public.order_lines',
    ]);
    expect(report.findings.some((f) => f.subject === 'NEW -> OLD' && f.severity === 'info')).toBe(true);
    expect(report.findings.some((f) => f.subject === 'public.events' && /no primary key/.test(f.message))).toBe(true);
  });

  it('--dry-run prints the plan, masks the password and changes nothing on NEW', async () => {
    const before = await catalogFingerprint(db.new);
    const result = await runInitNew(await configFor(db, { dryRun: true }), testDeps());
    expect(result.applied).toBe(false);
    expect(await catalogFingerprint(db.new)).toBe(before);
    expect(result.planText).toContain('CREATE FOREIGN TABLE "Sales Dept"."Order_remote"');
    expect(result.planText).toContain("password '****'");
    expect(result.planText).not.toContain(new URL(db.oldUrl).password);
  });

  it('makes every OLD row readable through NEW', async () => {
    const deps = testDeps();
    const result = await runInitNew(await configFor(db), deps);
    expect(result.applied).toBe(true);
    for (const t of ['customers', 'categories', '"Sales Dept"."Order"', 'order_lines', 'events']) {
      const onOld = await count(db.old, `SELECT count(*) AS n FROM ${t}`);
      expect(onOld).toBeGreaterThan(0);
      expect(await count(db.new, `SELECT count(*) AS n FROM ${t}`)).toBe(onOld);
    }
    const viaNew = await db.new.query(`SELECT id, total::text, m::text FROM "Sales Dept"."Order" WHERE id = 7`);
    const onOld = await db.old.query(`SELECT id, total::text, m::text FROM "Sales Dept"."Order" WHERE id = 7`);
    expect(viaNew.rows).toEqual(onOld.rows);
  });

  it('writes through NEW reach rows still on OLD; inserts go local with keys past OLD', async () => {
    await db.new.query(`UPDATE customers SET name = 'renamed' WHERE id = 3`);
    expect((await db.old.query(`SELECT name FROM customers WHERE id = 3`)).rows[0].name).toBe('renamed');
    await db.new.query(`UPDATE "Sales Dept"."Order" SET qty = 4, price = 2.5 WHERE id = 9`);
    expect((await db.old.query(`SELECT total::text AS t FROM "Sales Dept"."Order" WHERE id = 9`)).rows[0].t).toBe(
      '10.00',
    );
    await db.new.query(`DELETE FROM order_lines WHERE order_id = 2 AND line_no = 101`);
    expect(await count(db.old, `SELECT count(*) AS n FROM order_lines WHERE order_id = 2 AND line_no = 101`)).toBe(0);
    await db.new.query(`UPDATE events SET payload = '{"x": 1}' WHERE kind = 'k1'`);
    expect(await count(db.old, `SELECT count(*) AS n FROM events WHERE payload = '{"x": 1}'`)).toBe(10);
    // FK enforcement is off on NEW: a local order may reference a customer that lives on OLD.
    const ins = await db.new.query(
      `INSERT INTO "Sales Dept"."Order" ("user", qty, price) VALUES (5, 1, 1) RETURNING id`,
    );
    const maxOld = await count(db.old, `SELECT max(id) AS n FROM "Sales Dept"."Order"`);
    expect(ins.rows[0].id).toBeGreaterThan(maxOld);
    const cust = await db.new.query(`INSERT INTO customers (name) VALUES ('new one') RETURNING id`);
    expect(Number(cust.rows[0].id)).toBeGreaterThan(await count(db.old, `SELECT max(id) AS n FROM customers`));
    expect(await count(db.new, `SELECT count(*) AS n FROM ONLY "Sales Dept"."Order"`)).toBe(1);
    expect(await count(db.old, `SELECT count(*) AS n FROM "Sales Dept"."Order" WHERE qty = 1 AND price = 1`)).toBe(0);
  });

  it('records the dropped FKs and refuses TRUNCATE reaching OLD', async () => {
    const fks = await db.new.query(`SELECT table_name, constraint_name FROM fdwmig.foreign_keys ORDER BY 1, 2`);
    expect(fks.rows.map((r) => `${r.table_name}.${r.constraint_name}`)).toEqual([
      'Order.Order_user_fkey',
      'categories.categories_parent_id_fkey',
      'order_lines.order_lines_category_id_fkey',
      'order_lines.order_lines_order_id_fkey',
    ]);
    expect(await count(db.new, `SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f'`)).toBe(0);
    // NEW 14+ refuses it through the server option truncatable 'false'. NEW 13 has no such option,
    // but PostgreSQL 13 cannot TRUNCATE a foreign table at all, so a TRUNCATE of the parent fails
    // on the child instead; OLD's rows survive either way.
    const refusal = inject('newMajor') >= 14 ? /does not allow truncates/ : /"events_remote" is not a table/;
    await expect(db.new.query(`TRUNCATE events`)).rejects.toThrow(refusal);
    expect(await count(db.old, `SELECT count(*) AS n FROM events`)).toBe(30);
  });

  it('is idempotent: a re-run changes nothing but sequences, which never move backwards', async () => {
    const seqBefore = (await db.new.query(`SELECT last_value FROM customers_id_seq`)).rows[0].last_value;
    const result = await runInitNew(await configFor(db), testDeps());
    expect(
      result.plan.steps.map((s) => s.id).filter((id) => /^(foreign-table|drop-fk|server|extension)/.test(id)),
    ).toEqual([]);
    expect((await db.new.query(`SELECT last_value FROM customers_id_seq`)).rows[0].last_value).toBe(seqBefore);
    expect(await count(db.new, `SELECT count(*) AS n FROM customers`)).toBe(51);
  });
});

describe('init-new refusals', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('refuse');
    await applyFixture(db.old, 'features');
    await applyFixture(db.new, 'features');
  });
  afterAll(async () => db?.drop());

  it('refuses a NEW whose schema differs, naming table and column, and changes nothing', async () => {
    await db.new.query(`ALTER TABLE categories ALTER COLUMN label TYPE varchar(50)`);
    await db.new.query(`ALTER TABLE events ADD COLUMN extra int`);
    await db.new.query(`DROP TABLE audit`);
    const before = await catalogFingerprint(db.new);
    const err = await runInitNew(await configFor(db), testDeps()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SCHEMA_MISMATCH', exitCode: 1 });
    const msg = (err as Error).message;
    expect(msg).toContain('public.categories.label: type is text on OLD but character varying(50) on NEW');
    expect(msg).toContain('public.events: column extra exists only on NEW');
    expect(msg).toContain('public.audit: missing on NEW');
    expect(await catalogFingerprint(db.new)).toBe(before);
  });

  it('refuses a NEW that fdwmig set up for another OLD', async () => {
    await db.new.query(`DROP TABLE categories, events CASCADE`);
    await db.old.query(`DROP TABLE categories, events, audit CASCADE`);
    const config = await configFor(db);
    await runInitNew(config, testDeps());
    await db.new.query(`UPDATE fdwmig.migration SET old_identity = 'sysid=1 db=elsewhere'`);
    await expect(runInitNew(config, testDeps())).rejects.toMatchObject({
      code: 'STATE',
      message: expect.stringContaining('another OLD'),
    });
  });
});
