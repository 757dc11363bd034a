/** Reads what fdwmig already created on NEW, so planners plan only what is missing. */
import type { Queryable } from '../sql/queryable.js';
import { ident } from '../sql/quote.js';
import type { NewState } from '../plan/plan-init-new.js';
import { loadSql } from './load-sql.js';

export interface RecordedMigration {
  oldIdentity: string;
  oldDisplay: string;
  initCompletedAt: Date | null;
  createdExtension: boolean;
}

export interface NewStateRead extends NewState {
  recorded: RecordedMigration | null;
}

export async function readNewState(db: Queryable, stateSchema: string, serverName: string): Promise<NewStateRead> {
  const row = (
    await db.query<{ has_state: boolean; server_exists: boolean; mapped_roles: string[]; foreign_tables: string[] }>(
      loadSql('new-state'),
      [stateSchema, serverName],
    )
  ).rows[0]!;
  const foreignTables = new Map<string, string | null>();
  for (const json of row.foreign_tables) {
    const ft = JSON.parse(json) as { name: string; parent: string | null };
    foreignTables.set(ft.name, ft.parent);
  }
  let recorded: RecordedMigration | null = null;
  if (row.has_state) {
    const r = (
      await db.query<{
        old_identity: string;
        old_display: string;
        init_completed_at: Date | null;
        created_extension: boolean;
      }>(`SELECT old_identity, old_display, init_completed_at, created_extension FROM ${ident(stateSchema)}.migration`)
    ).rows[0];
    if (r)
      recorded = {
        oldIdentity: r.old_identity,
        oldDisplay: r.old_display,
        initCompletedAt: r.init_completed_at,
        createdExtension: r.created_extension,
      };
  }
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
