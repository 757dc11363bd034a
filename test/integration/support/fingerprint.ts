/**
 * A fingerprint of everything fdwmig could change in one database: the catalog (relations,
 * columns, constraints and their validity, inheritance, foreign servers and tables, user
 * mappings, extensions, schemas, sequences) and every table's rows. Two fingerprints are equal
 * exactly when nothing of that changed; comparable across databases (the database's own name
 * and port are replaced, timestamps fdwmig records are reduced to set/unset).
 */
import type pg from 'pg';

/** fdwmig's state tables: their timestamps differ between runs, so only whether each is set counts. */
const STATE_TABLE_COLUMNS: Record<string, string> = {
  migration: `old_identity, old_display, server_name, created_extension, fdwmig_version, init_completed_at IS NOT NULL AS init_done`,
  tables: `schema_name, table_name, remote_name, phase`,
  foreign_keys: `schema_name, table_name, constraint_name, definition, ref_schema, ref_table, restored_at IS NOT NULL AS restored`,
  batches: `schema_name, table_name, state`,
  moved_batches: `count(*) > 0 AS any`,
};

/** Each catalog part as one sorted, comma-separated list (sorted by the text itself, not by OID or creation order). */
const CATALOG_PARTS: Record<string, string> = {
  schemas: `SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'`,
  rels: `SELECT format('%s.%s:%s', n.nspname, c.relname, c.relkind) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind <> 't'`,
  columns: `SELECT format('%s.%s(%s %s %s %s %s)', c.oid::regclass, a.attname, format_type(a.atttypid, a.atttypmod), a.attnum, a.attnotnull, a.attgenerated, a.attislocal)
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'f', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
  constraints: `SELECT format('%s:%s:%s:%s', conrelid::regclass, conname, convalidated, pg_get_constraintdef(oid)) FROM pg_constraint
    WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)`,
  inherits: `SELECT format('%s<%s', inhrelid::regclass, inhparent::regclass) FROM pg_inherits`,
  servers: `SELECT format('%s:%s', srvname, srvoptions) FROM pg_foreign_server`,
  foreignTables: `SELECT format('%s:%s:%s', ftrelid::regclass, s.srvname, ftoptions) FROM pg_foreign_table JOIN pg_foreign_server s ON s.oid = ftserver`,
  // The options hold OLD's password: compared by digest only.
  mappings: `SELECT format('%s@%s:%s', usename, srvname, md5(coalesce(umoptions::text, ''))) FROM pg_user_mappings`,
  extensions: `SELECT extname FROM pg_extension`,
  sequences: `SELECT format('%s.%s=%s', schemaname, sequencename, coalesce(last_value::text, '-')) FROM pg_sequences`,
  grants: `SELECT format('%s:%s', oid::regclass, relacl) FROM pg_class WHERE relkind IN ('r', 'f') AND relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)`,
};

const CATALOG_SQL = `SELECT ${Object.entries(CATALOG_PARTS)
  .map(([name, sql]) => `(SELECT string_agg(x, ',' ORDER BY x COLLATE "C") FROM (${sql}) AS p (x)) AS "${name}"`)
  .join(',\n  ')}`;

async function rowsDigest(db: pg.Client, stateSchema: string): Promise<Record<string, string>> {
  const tables = await db.query<{ schema: string; name: string }>(`SELECT n.nspname AS schema, c.relname AS name
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1, 2`);
  const out: Record<string, string> = {};
  for (const t of tables.rows) {
    const q = `"${t.schema.replace(/"/g, '""')}"."${t.name.replace(/"/g, '""')}"`;
    const columns = t.schema === stateSchema ? STATE_TABLE_COLUMNS[t.name] : undefined;
    const sql =
      columns === undefined
        ? `SELECT count(*) AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS d FROM ONLY ${q} x`
        : t.name === 'moved_batches'
          ? `SELECT 1 AS n, (SELECT ${columns} FROM ONLY ${q})::text AS d`
          : `SELECT count(*) AS n, coalesce(string_agg(x::text, '|' ORDER BY x::text), '') AS d FROM (SELECT ${columns} FROM ONLY ${q}) x`;
    const r = (await db.query<{ n: string; d: string }>(sql)).rows[0]!;
    out[`${t.schema}.${t.name}`] = `${r.n}:${r.d}`;
  }
  return out;
}

/**
 * Everything fdwmig could change in `db`, as one JSON string. `stateSchema` ("fdwmig") is read
 * without timestamps; the database's name and the servers' ports are replaced by placeholders,
 * so fingerprints of two databases set up alike compare equal.
 */
export async function databaseFingerprint(
  db: pg.Client,
  { stateSchema = 'fdwmig', ports = [] as number[] } = {},
): Promise<string> {
  await db.query(`SET TimeZone = 'UTC'; SET extra_float_digits = 3; SET DateStyle = 'ISO, YMD'`);
  const catalog = (await db.query(CATALOG_SQL)).rows[0] as Record<string, unknown>;
  const name = (await db.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d;
  let text = JSON.stringify({ catalog, rows: await rowsDigest(db, stateSchema) }, null, 1);
  text = text.split(name).join('<db>');
  for (const port of ports) text = text.split(String(port)).join('<port>');
  return text;
}

/** The first differing line of two fingerprints, for a readable assertion message. */
export function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `line ${i + 1}:\n  - ${x[i] ?? '(none)'}\n  + ${y[i] ?? '(none)'}`;
  }
  return '(equal)';
}
