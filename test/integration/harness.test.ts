import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabases, type DbPair } from './support/databases.js';

describe('test harness: real servers', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('harness');
  });
  afterAll(async () => db?.drop());

  it('runs OLD and NEW on the requested majors', async () => {
    const oldV = await db.old.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
    const newV = await db.new.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
    expect(Math.floor(Number(oldV.rows[0]!.v) / 10000)).toBe(inject('oldMajor'));
    expect(Math.floor(Number(newV.rows[0]!.v) / 10000)).toBe(inject('newMajor'));
  });

  it('has wal_level=logical and postgres_fdw on both', async () => {
    for (const c of [db.old, db.new]) {
      const r = await c.query(`SELECT current_setting('wal_level') AS w,
        EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgres_fdw') AS fdw`);
      expect(r.rows[0]).toEqual({ w: 'logical', fdw: true });
    }
  });

  it('lets NEW read OLD through postgres_fdw with password authentication', async () => {
    const u = new URL(db.oldUrl);
    await db.old.query(`CREATE TABLE probe (id int PRIMARY KEY); INSERT INTO probe VALUES (1), (2)`);
    await db.new.query(`CREATE EXTENSION postgres_fdw`);
    await db.new.query(`CREATE SERVER o FOREIGN DATA WRAPPER postgres_fdw
      OPTIONS (host '${u.hostname}', port '${u.port}', dbname '${u.pathname.slice(1)}')`);
    await db.new.query(`CREATE USER MAPPING FOR CURRENT_USER SERVER o
      OPTIONS (user '${decodeURIComponent(u.username)}', password '${decodeURIComponent(u.password)}')`);
    await db.new.query(`CREATE FOREIGN TABLE probe_remote (id int) SERVER o OPTIONS (table_name 'probe')`);
    const r = await db.new.query(`SELECT count(*)::int AS n FROM probe_remote`);
    expect(r.rows[0].n).toBe(2);
  });
});
