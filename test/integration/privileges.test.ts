/**
 * Least privilege: fdwmig as plain roles on both servers, as on a managed service. check must
 * name every missing privilege with the SQL that grants it; once an administrator has run
 * exactly those hints (and installed postgres_fdw, which needs a superuser), check passes and
 * init-new, reads and writes through NEW, and cleanup work without superuser anywhere.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCheck } from '../../src/fdw/check.js';
import type { PreflightFinding } from '../../src/plan/check-findings.js';
import { runCleanup } from '../../src/fdw/cleanup.js';
import { runInitNew } from '../../src/fdw/init-new.js';
import { freshDatabases, type DbPair, runSql } from './support/databases.js';
import { applyFixture, configFor, testDeps } from './support/fixtures.js';

const SUFFIX = randomBytes(3).toString('hex');
// Names that need quoting in the GRANTs check suggests.
const OLD_ROLE = `Old Mover ${SUFFIX}`;
const NEW_ROLE = `new-mover-${SUFFIX}`;
const PASSWORD = 'plain-role-pw';

function asRole(url: string, role: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(role);
  u.password = PASSWORD;
  return u.toString();
}

/** The SQL of each error's hint, per server: `on OLD: GRANT ...` (the first alternative). */
function grantsFrom(findings: PreflightFinding[]): { OLD: string[]; NEW: string[]; other: PreflightFinding[] } {
  const out = { OLD: [] as string[], NEW: [] as string[], other: [] as PreflightFinding[] };
  for (const f of findings.filter((x) => x.severity === 'error')) {
    const m = /^on (OLD|NEW): ((?:GRANT|ALTER) .*?)(?:, or .*)?$/.exec(f.hint ?? '');
    if (m) out[m[1] as 'OLD' | 'NEW'].push(m[2]!);
    else out.other.push(f);
  }
  return out;
}

describe('fdwmig as plain roles: check names each GRANT, and with them init-new and cleanup work', () => {
  let db: DbPair;
  let urls: { oldUrl: string; newUrl: string };
  beforeAll(async () => {
    db = await freshDatabases('privileges');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    await applyFixture(db.new, 'features');
    await runSql(inject('oldAdminUrl'), `CREATE ROLE "${OLD_ROLE}" LOGIN PASSWORD '${PASSWORD}'`);
    await runSql(inject('newAdminUrl'), `CREATE ROLE "${NEW_ROLE}" LOGIN PASSWORD '${PASSWORD}'`);
    // What needs a superuser on NEW, done by an administrator beforehand.
    await db.new.query(`CREATE EXTENSION postgres_fdw`);
    urls = { oldUrl: asRole(db.oldUrl, OLD_ROLE), newUrl: asRole(db.newUrl, NEW_ROLE) };
  });
  afterAll(async () => {
    await db?.drop();
    await runSql(inject('oldAdminUrl'), `DROP ROLE IF EXISTS "${OLD_ROLE}"`).catch(() => undefined);
    await runSql(inject('newAdminUrl'), `DROP ROLE IF EXISTS "${NEW_ROLE}"`).catch(() => undefined);
  });

  it('check names every missing privilege with a GRANT to paste; after them, check passes', async () => {
    const first = await runCheck(await configFor(urls), testDeps());
    expect(first.ok).toBe(false);
    const grants = grantsFrom(first.findings);
    // Not an error: the drain works without it, more cautiously.
    expect(first.findings).toContainEqual(
      expect.objectContaining({
        severity: 'info',
        subject: 'NEW',
        hint: `on NEW: GRANT pg_read_all_stats TO "${NEW_ROLE}"`,
      }),
    );
    expect(grants.other, JSON.stringify(grants.other, null, 1)).toEqual([]);
    expect(grants.OLD).toEqual(
      expect.arrayContaining([
        `GRANT CREATE ON DATABASE "${db.old.database}" TO "${OLD_ROLE}"`,
        `GRANT SELECT, UPDATE, DELETE ON "Sales Dept"."Order" TO "${OLD_ROLE}"`,
        `GRANT USAGE ON SCHEMA "Sales Dept" TO "${OLD_ROLE}"`,
        `GRANT SELECT ON SEQUENCE "public"."customers_id_seq" TO "${OLD_ROLE}"`,
      ]),
    );
    expect(grants.NEW).toEqual(
      expect.arrayContaining([
        `GRANT USAGE ON FOREIGN DATA WRAPPER postgres_fdw TO "${NEW_ROLE}"`,
        `GRANT CREATE ON DATABASE "${db.new.database}" TO "${NEW_ROLE}"`,
        `ALTER TABLE "Sales Dept"."Order" OWNER TO "${NEW_ROLE}"`,
        `GRANT USAGE ON SCHEMA "Sales Dept" TO "${NEW_ROLE}"`,
        `GRANT CREATE ON SCHEMA "public" TO "${NEW_ROLE}"`,
      ]),
    );
    for (const sql of grants.OLD) await db.old.query(sql);
    for (const sql of grants.NEW) await db.new.query(sql);
    const second = await runCheck(await configFor(urls), testDeps());
    expect(
      second.findings.filter((f) => f.severity === 'error'),
      JSON.stringify(second.findings, null, 1),
    ).toEqual([]);
    expect(second.ok).toBe(true);
  });

  it("check warns when NEW's role may not create temporary tables (the slow path needs one), with the GRANT", async () => {
    const warning = (findings: PreflightFinding[]) =>
      findings.filter((f) => f.subject === 'NEW' && /temporary tables/.test(f.message));
    await db.new.query(`REVOKE TEMPORARY ON DATABASE "${db.new.database}" FROM PUBLIC`);
    try {
      const without = warning((await runCheck(await configFor(urls), testDeps())).findings);
      expect(without).toEqual([
        expect.objectContaining({
          severity: 'warning',
          hint: `on NEW: GRANT TEMPORARY ON DATABASE "${db.new.database}" TO "${NEW_ROLE}"`,
        }),
      ]);
      await db.new.query(without[0]!.hint!.replace(/^on NEW: /, ''));
      expect(warning((await runCheck(await configFor(urls), testDeps())).findings)).toEqual([]);
    } finally {
      await db.new.query(`GRANT TEMPORARY ON DATABASE "${db.new.database}" TO PUBLIC`);
    }
  });

  it("init-new as the plain roles serves OLD through NEW, with sequences past OLD's", async () => {
    const r = await runInitNew(await configFor(urls), testDeps());
    expect(r.applied).toBe(true);
    const app = new pg.Client(urls.newUrl);
    await app.connect();
    try {
      expect((await app.query(`SELECT count(*)::int AS n FROM order_lines`)).rows[0].n).toBe(200);
      await app.query(`UPDATE customers SET name = 'via NEW' WHERE id = 1`);
      const id = (await app.query(`INSERT INTO customers (name) VALUES ('new') RETURNING id`)).rows[0].id;
      // The sequence moved past OLD's last value (50): a key that never collides with OLD's rows.
      expect(Number(id)).toBeGreaterThan(50);
    } finally {
      await app.end();
    }
    expect((await db.old.query(`SELECT name FROM customers WHERE id = 1`)).rows[0].name).toBe('via NEW');
  });

  it('cleanup --force as the plain roles drops what init-new made, and leaves the extension it did not', async () => {
    const r = await runCleanup(await configFor(urls), testDeps(), { force: true });
    expect(r.applied).toBe(true);
    const left = await db.new
      .query(`SELECT (SELECT count(*) FROM pg_foreign_table) + (SELECT count(*) FROM pg_foreign_server)
      + (SELECT count(*) FROM pg_user_mapping) + (SELECT count(*) FROM pg_namespace WHERE nspname = 'fdwmig') AS n`);
    expect(Number(left.rows[0].n)).toBe(0);
    expect(
      (await db.new.query(`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'postgres_fdw'`)).rows[0].n,
    ).toBe(1);
  });
});
