/**
 * Reads one database's catalog into a DatabaseModel: static SQL from sql/, then the pure reducer.
 */
import { withTransaction, type Queryable } from '../sql/queryable.js';
import { loadSql } from './load-sql.js';
import type { DatabaseModel } from './model.js';
import { rowsToModel, type CatalogRows } from './reduce.js';

export interface IntrospectOptions {
  /** Schemas never reported (fdwmig's own state schema). */
  skipSchemas: string[];
}

/** Captures the raw catalog rows; exported so tests can capture fixtures for the reducer. */
export async function readCatalogRows(db: Queryable, opts: IntrospectOptions): Promise<CatalogRows> {
  return withTransaction(
    db,
    async () => {
      // With only pg_catalog on the path, format_type() and pg_get_*def() qualify every user name.
      await db.query(`SET LOCAL search_path = pg_catalog`);
      const server = (await db.query(loadSql('server-info'))).rows[0] as unknown as CatalogRows['server'];
      const tables = (await db.query(loadSql('tables'), [opts.skipSchemas])).rows as unknown as CatalogRows['tables'];
      const oids = tables.map((t) => String(t.oid));
      const [columns, constraints, triggers, sequences] = [
        (await db.query(loadSql('columns'), [oids])).rows,
        (await db.query(loadSql('constraints'), [oids])).rows,
        (await db.query(loadSql('triggers'), [oids])).rows,
        (await db.query(loadSql('sequences'), [opts.skipSchemas])).rows,
      ];
      return {
        server,
        tables,
        columns: columns as unknown as CatalogRows['columns'],
        constraints: constraints as unknown as CatalogRows['constraints'],
        triggers: triggers as unknown as CatalogRows['triggers'],
        sequences: sequences as unknown as CatalogRows['sequences'],
      };
    },
    'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
  );
}

/** Introspects a database. */
export async function introspectDatabase(db: Queryable, opts: IntrospectOptions): Promise<DatabaseModel> {
  return rowsToModel(await readCatalogRows(db, opts));
}
