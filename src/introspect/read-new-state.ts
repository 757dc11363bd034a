/** Reads what fdwmig already created on NEW, so planners plan only what is missing. */
import type { Queryable } from '../sql/queryable.js';
import { readMigrationRecord, type MigrationRecord } from '../state/records.js';
import { loadSql } from './load-sql.js';

/** What init-new finds of its own objects on NEW, for its planner. */
export interface NewState {
  migrationRecorded: boolean;
  serverExists: boolean;
  /** Roles (or 'public') with a user mapping for the server. */
  mappedRoles: readonly string[];
  /** Qualified foreign table name -> qualified parent it inherits from (null if none). */
  foreignTables: ReadonlyMap<string, string | null>;
}

export interface NewStateRead extends NewState {
  recorded: MigrationRecord | null;
}

export async function readNewState(db: Queryable, stateSchema: string, serverName: string): Promise<NewStateRead> {
  const row = (
    await db.query<{ server_exists: boolean; mapped_roles: string[]; foreign_tables: string[] }>(loadSql('new-state'), [
      serverName,
    ])
  ).rows[0]!;
  const foreignTables = new Map<string, string | null>();
  for (const json of row.foreign_tables) {
    const ft = JSON.parse(json) as { name: string; parent: string | null };
    foreignTables.set(ft.name, ft.parent);
  }
  const recorded = await readMigrationRecord(db, stateSchema);
  return {
    migrationRecorded: recorded !== null,
    serverExists: row.server_exists,
    mappedRoles: row.mapped_roles,
    foreignTables,
    recorded,
  };
}

/** A stable identity for OLD: system identifier and database name. */
export async function readIdentity(db: Queryable): Promise<string> {
  const r = (await db.query<{ system_identifier: string | null; database: string }>(loadSql('server-identity')))
    .rows[0]!;
  return `sysid=${r.system_identifier ?? 'unknown'} db=${r.database}`;
}
