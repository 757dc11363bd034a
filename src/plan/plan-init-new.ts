/**
 * The init-new planner: from OLD's and NEW's models and what NEW already has, the SQL that makes
 * every OLD row visible and writable through NEW's tables. Only what is missing is planned, so a
 * re-run plans little or nothing. Pure.
 */
import type { ColumnModel, DatabaseModel, TableModel } from '../introspect/model.js';
import { qualifiedName } from '../introspect/model.js';
import { planSequenceSync, type SequenceChange } from './plan-sequence-sync.js';
import { ident, literal, optionList, qualified } from '../sql/quote.js';
import type { TableAssessment } from './assess-tables.js';
import type { OldEndpoint } from '../config/old-endpoint.js';
import type { NewState } from '../introspect/read-new-state.js';
import {
  fkRecordTable,
  markInitCompletedSql,
  recordDroppedFkSql,
  recordMigrationSql,
  recordTableSql,
} from '../state/records.js';
import { stateSchemaDdl } from '../state/schema.js';
import { step, type Plan, type Step } from './step.js';
import { FDW_APPLICATION_NAME } from './wait-graph.js';

export interface InitNewSettings {
  stateSchema: string;
  serverName: string;
  fetchSize: number;
  sequenceGap: number;
  /** NEW is 14 or later: the server option truncatable exists. */
  truncatableOption: boolean;
  /** NEW is 15 or later: postgres_fdw's application_name takes `%p` (the guard's mapping). */
  fdwApplicationName: boolean;
  /** The connecting role on NEW plus the configured extra roles. */
  mappingRoles: readonly string[];
  oldIdentity: { id: string; display: string };
  fdwmigVersion: string;
}

export interface InitNewInput {
  oldDb: DatabaseModel;
  newDb: DatabaseModel;
  tables: readonly TableAssessment[];
  state: NewState;
  old: OldEndpoint;
  settings: InitNewSettings;
}

const MASK = '****';

function columnDdl(c: ColumnModel): string {
  // Foreign table syntax: name type [OPTIONS (...)] [COLLATE ...] [constraints].
  const parts = [ident(c.name), c.type, `OPTIONS (column_name ${literal(c.name)})`];
  if (c.collation) parts.push(`COLLATE ${c.collation}`);
  // INHERIT demands that a generated column of the parent is generated in the child too.
  if (c.generated === 's' && c.defaultExpr) parts.push(`GENERATED ALWAYS AS (${c.defaultExpr}) STORED`);
  if (c.notNull) parts.push('NOT NULL');
  return parts.join(' ');
}

/** CREATE FOREIGN TABLE matching NEW's table (INHERIT needs the same columns, NOT NULLs and CHECKs). */
export function foreignTableDdl(newT: TableModel, oldT: TableModel, remoteName: string, server: string): string {
  const cols = newT.columns.map((c) => `  ${columnDdl(c)}`);
  const checks = newT.checks
    .filter((c) => !c.noInherit)
    .map((c) => `  CONSTRAINT ${ident(c.name)} ${c.definition.replace(/ NOT VALID$/, '')}`);
  return `CREATE FOREIGN TABLE ${qualified(newT.schema, remoteName)} (\n${[...cols, ...checks].join(',\n')}\n) SERVER ${ident(server)}
  OPTIONS (schema_name ${literal(oldT.schema)}, table_name ${literal(oldT.name)})`;
}

function planState(input: InitNewInput): Step[] {
  const { settings: s, newDb } = input;
  const steps: Step[] = [
    step({
      id: 'state-schema',
      description: `state schema ${s.stateSchema} on NEW`,
      sql: stateSchemaDdl(s.stateSchema),
      takesLocks: false,
    }),
  ];
  if (!input.state.migrationRecorded) {
    steps.push(
      step({
        id: 'state-record',
        description: `record OLD (${s.oldIdentity.display}) as this NEW's source`,
        sql: [recordMigrationSql(s.stateSchema)],
        params: [
          s.oldIdentity.id,
          s.oldIdentity.display,
          s.serverName,
          newDb.server.fdwInstalled === null,
          s.fdwmigVersion,
        ],
        takesLocks: false,
      }),
    );
  }
  return steps;
}

function planServer(input: InitNewInput): Step[] {
  const { settings: s, old, state } = input;
  const steps: Step[] = [];
  if (input.newDb.server.fdwInstalled === null) {
    steps.push(
      step({
        id: 'extension',
        description: 'install postgres_fdw on NEW',
        sql: ['CREATE EXTENSION IF NOT EXISTS postgres_fdw'],
        takesLocks: false,
      }),
    );
  }
  if (!state.serverExists) {
    const opts = optionList({
      host: old.host,
      port: String(old.port),
      dbname: old.dbname,
      ...old.libpqOptions,
      // At the default of 100 rows every 100 rows cost a round trip to OLD.
      fetch_size: String(s.fetchSize),
      // Otherwise a TRUNCATE of NEW's table would empty OLD's too.
      ...(s.truncatableOption ? { truncatable: 'false' } : {}),
      // Each session postgres_fdw opens on OLD names NEW's backend: the deadlock guard's mapping.
      ...(s.fdwApplicationName ? { application_name: FDW_APPLICATION_NAME } : {}),
    });
    steps.push(
      step({
        id: 'server',
        description: `foreign server ${s.serverName} for OLD (${s.oldIdentity.display})`,
        sql: [`CREATE SERVER ${ident(s.serverName)} FOREIGN DATA WRAPPER postgres_fdw OPTIONS (${opts})`],
        takesLocks: false,
      }),
    );
  }
  for (const role of s.mappingRoles) {
    const exists = state.mappedRoles.includes(role);
    const target = role === 'public' ? 'PUBLIC' : ident(role);
    // Drop and create in one transaction: ALTER ... OPTIONS (SET x) fails for an option the
    // existing mapping lacks, and would keep a stale password when there is none now.
    const render = (pw: string | null) => {
      const o: string[] = [`user ${literal(old.user)}`];
      if (pw !== null) o.push(`password ${literal(pw)}`);
      return [
        ...(exists ? [`DROP USER MAPPING IF EXISTS FOR ${target} SERVER ${ident(s.serverName)}`] : []),
        `CREATE USER MAPPING FOR ${target} SERVER ${ident(s.serverName)} OPTIONS (${o.join(', ')})`,
      ];
    };
    steps.push(
      step({
        id: `user-mapping:${role}`,
        description: `${exists ? 'refresh' : 'create'} user mapping for ${role} (OLD user ${old.user})`,
        sql: render(old.password === null ? null : MASK),
        secretSql: render(old.password),
        takesLocks: false,
      }),
    );
  }
  return steps;
}

function planForeignTables(input: InitNewInput): Step[] {
  const { settings: s, state } = input;
  const steps: Step[] = [];
  for (const a of input.tables) {
    const newT = a.newTable;
    if (!newT) continue;
    const parent = qualifiedName(newT);
    const remote = `${newT.schema}.${a.remoteName}`;
    const existing = state.foreignTables.get(remote);
    if (existing === parent) continue;
    const sql: string[] = [];
    if (existing === undefined) sql.push(foreignTableDdl(newT, a.table, a.remoteName, s.serverName));
    // No grants for anyone: the application reaches OLD's rows only through the parent.
    sql.push(`REVOKE ALL ON ${qualified(newT.schema, a.remoteName)} FROM PUBLIC`);
    sql.push(
      `ALTER FOREIGN TABLE ${qualified(newT.schema, a.remoteName)} INHERIT ${qualified(newT.schema, newT.name)}`,
    );
    sql.push(recordTableSql(s.stateSchema, newT.schema, newT.name, a.remoteName));
    steps.push(
      step({
        id: `foreign-table:${parent}`,
        description: `${remote} -> OLD ${qualifiedName(a.table)}, inheriting from ${parent}`,
        sql,
        takesLocks: true,
        locks: [qualified(newT.schema, newT.name)],
      }),
    );
  }
  return steps;
}

/**
 * FK enforcement off on NEW: an FK check reads FROM ONLY the referenced table, so a row that
 * references a parent still on OLD would be refused. The FKs are dropped, their definitions kept
 * in the state schema, and re-added NOT VALID then validated when the move is done; this needs
 * only table ownership, unlike disabling the internal RI triggers (superuser).
 */
function planForeignKeys(input: InitNewInput): Step[] {
  const { settings: s } = input;
  const moved = new Set(input.tables.map((a) => qualifiedName(a.table)));
  const steps: Step[] = [];
  for (const t of input.newDb.tables) {
    for (const fk of t.foreignKeys) {
      if (!moved.has(qualifiedName(t)) && !moved.has(fk.refTable)) continue;
      steps.push(
        step({
          id: `drop-fk:${qualifiedName(t)}.${fk.name}`,
          description: `FK ${fk.name} on ${qualifiedName(t)} off while rows live in two places (definition kept in ${fkRecordTable(s.stateSchema)})`,
          sql: [
            recordDroppedFkSql(s.stateSchema, {
              schema: t.schema,
              table: t.name,
              name: fk.name,
              definition: fk.definition,
              refSchema: fk.refSchema,
              refTable: fk.refName,
            }),
            `ALTER TABLE ${qualified(t.schema, t.name)} DROP CONSTRAINT ${ident(fk.name)}`,
          ],
          takesLocks: true,
          locks: [qualified(t.schema, t.name), qualified(fk.refSchema, fk.refName)],
        }),
      );
    }
  }
  return steps;
}

/** Plans init-new. */
export function planInitNew(input: InitNewInput): { plan: Plan; sequences: SequenceChange[] } {
  const seq = planSequenceSync(input.oldDb.sequences, input.newDb.sequences, input.settings.sequenceGap);
  const steps = [
    ...planState(input),
    ...planServer(input),
    ...planForeignTables(input),
    ...planForeignKeys(input),
    ...seq.steps,
    step({
      id: 'state-done',
      description: 'mark init-new complete',
      sql: [markInitCompletedSql(input.settings.stateSchema)],
      takesLocks: false,
    }),
  ];
  return { plan: Object.freeze({ title: 'fdwmig init-new', steps: Object.freeze(steps) }), sequences: seq.changes };
}
