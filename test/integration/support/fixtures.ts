import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { loadConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import type { Deps } from '../../../src/exec/connections.js';
import { connect } from '../../../src/exec/connections.js';
import { dumpSchema } from '../../../src/exec/pg-dump.js';

/** Runs a fixture from test/fixtures on a client. */
export async function applyFixture(db: pg.Client, name: string): Promise<void> {
  await db.query(readFileSync(new URL(`../../fixtures/${name}.sql`, import.meta.url), 'utf8'));
}

/** A validated config for a DB pair, as the CLI would build it. */
export function configFor(
  urls: { oldUrl: string; newUrl: string },
  flags: Record<string, unknown> = {},
): Promise<Config> {
  return loadConfig({ flags: { old: urls.oldUrl, new: urls.newUrl, ...flags }, env: {}, readFile: async () => '{}' });
}

/** Real connections, log lines collected for assertions. */
export function testDeps(): Deps & { lines: string[] } {
  const lines: string[] = [];
  return { connect, dumpSchema, log: (e) => lines.push(`${e.level}: ${e.message}`), lines };
}

/** A fingerprint of NEW's catalog: any DDL changes it. */
export async function catalogFingerprint(db: pg.Client): Promise<string> {
  const r = await db.query(`SELECT
    (SELECT string_agg(n.nspname || '.' || c.relname || ':' || c.relkind::text, ',' ORDER BY n.nspname || '.' || c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')) AS rels,
    (SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint) AS cons,
    (SELECT count(*) FROM pg_foreign_server) AS servers,
    (SELECT count(*) FROM pg_extension) AS exts,
    (SELECT string_agg(sequencename || '=' || coalesce(last_value::text, '-'), ',' ORDER BY sequencename) FROM pg_sequences) AS seqs`);
  return JSON.stringify(r.rows[0]);
}

/** A digest of a table's rows in key order, comparable across majors (ONLY: no children). */
export async function tableDigest(
  db: pg.Client,
  table: string,
  orderBy: string,
): Promise<{ n: number; digest: string }> {
  await db.query(`SET TimeZone = 'UTC'; SET extra_float_digits = 3; SET DateStyle = 'ISO, YMD'`);
  const r = await db.query(
    `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY ${orderBy}), '')) AS digest FROM ONLY ${table} t`,
  );
  return r.rows[0];
}
