/**
 * Per-test-file isolation on the shared OLD and NEW servers: each file gets a fresh database
 * of its own on both, dropped again at the end.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { withDb } from '../../../tools/dev/demo-db.js';

export { withDb };

/** Runs SQL on a fresh connection to url and closes it; resolves to the rows. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the columns they selected
export async function runSql(url: string, sql: string): Promise<Record<string, any>[]> {
  return withDb(url, async (c) => (await c.query(sql)).rows);
}

export interface DbPair {
  oldUrl: string;
  newUrl: string;
  old: pg.Client;
  new: pg.Client;
  drop(): Promise<void>;
}

function withDatabase(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

/**
 * DROP DATABASE ... WITH (FORCE) exists from PostgreSQL 13 on; on 12 (an OLD in the matrix) the
 * database's sessions, e.g. postgres_fdw's connections from NEW, are terminated first.
 */
async function dropDatabase(c: pg.Client, name: string): Promise<void> {
  const v = await c.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
  if (Number(v.rows[0]!.v) >= 130000) {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    return;
  }
  await c.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [name],
  );
  await c.query(`DROP DATABASE IF EXISTS "${name}"`);
}

/** Creates a database named `<label>_<random>` on both servers and connects to each. */
export async function freshDatabases(label: string): Promise<DbPair> {
  const name = `${label}_${randomBytes(4).toString('hex')}`.toLowerCase();
  const oldAdmin = inject('oldAdminUrl');
  const newAdmin = inject('newAdminUrl');
  await withDb(oldAdmin, (c) => c.query(`CREATE DATABASE "${name}"`));
  await withDb(newAdmin, (c) => c.query(`CREATE DATABASE "${name}"`));
  const oldUrl = withDatabase(oldAdmin, name);
  const newUrl = withDatabase(newAdmin, name);
  const oldC = new pg.Client(oldUrl);
  const newC = new pg.Client(newUrl);
  await oldC.connect();
  await newC.connect();
  return {
    oldUrl,
    newUrl,
    old: oldC,
    new: newC,
    drop: async () => {
      await oldC.end().catch(() => undefined);
      await newC.end().catch(() => undefined);
      await withDb(oldAdmin, (c) => dropDatabase(c, name));
      await withDb(newAdmin, (c) => dropDatabase(c, name));
    },
  };
}
