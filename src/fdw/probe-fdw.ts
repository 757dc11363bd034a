/**
 * Can NEW reach OLD the way postgres_fdw will? Creates a throwaway server, user mapping and
 * foreign table inside a transaction that is always rolled back, so nothing stays behind.
 */
import { withRollback, type Queryable } from '../sql/queryable.js';
import { isDatabaseError } from '../errors.js';
import { ident, literal, optionList } from '../sql/quote.js';
import type { OldEndpoint } from '../config/old-endpoint.js';
import { runSecretDdl } from '../exec/secret-ddl.js';

const PROBE = 'fdwmig_probe';

/** null when NEW read a row from OLD through postgres_fdw; otherwise PostgreSQL's message. */
export async function probeFdwReach(newDb: Queryable, old: OldEndpoint): Promise<string | null> {
  return withRollback(newDb, async () => {
    try {
      await newDb.query('CREATE EXTENSION IF NOT EXISTS postgres_fdw');
      await newDb.query(
        `CREATE SERVER ${ident(PROBE)} FOREIGN DATA WRAPPER postgres_fdw OPTIONS (${optionList({
          host: old.host,
          port: String(old.port),
          dbname: old.dbname,
          ...old.libpqOptions,
        })})`,
      );
      const mapping = [`user ${literal(old.user)}`];
      if (old.password !== null) mapping.push(`password ${literal(old.password)}`);
      await runSecretDdl(
        newDb,
        `CREATE USER MAPPING FOR CURRENT_USER SERVER ${ident(PROBE)} OPTIONS (${mapping.join(', ')})`,
      );
      await newDb.query(`CREATE FOREIGN TABLE pg_temp.${ident(PROBE)} (one int) SERVER ${ident(PROBE)}
      OPTIONS (schema_name 'pg_catalog', table_name 'pg_database')`);
      // Any column list would do; counting rows reads through the connection without decoding.
      await newDb.query(`SELECT count(*) FROM pg_temp.${ident(PROBE)}`);
      return null;
    } catch (err) {
      if (isDatabaseError(err)) return [err.message, err.detail].filter(Boolean).join(': ');
      throw err;
    }
  });
}
