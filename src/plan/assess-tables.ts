/**
 * Decides, per OLD table, whether fdwmig can migrate it, and why not. Pure; used by `check`
 * (which reports everything) and `init-new` (which refuses on any refusal).
 */
import type { Config } from '../config/schema.js';
import { qualifiedName, type DatabaseModel, type TableModel } from '../introspect/model.js';
import { compareTable } from './compare-schemas.js';
import { moveKey } from './move-key.js';
import { remoteTableName } from './remote-name.js';

export interface TableAssessment {
  table: TableModel;
  /** NEW's table of the same name, when there is one. */
  newTable: TableModel | null;
  remoteName: string;
  refusals: string[];
  warnings: string[];
}

export type Selection = Pick<Config, 'schemas' | 'tables' | 'excludeTables'>;

/** OLD's tables the user asked for (all user tables by default). */
export function selectTables(tables: readonly TableModel[], sel: Selection): TableModel[] {
  const only = sel.tables?.length ? new Set(sel.tables) : null;
  const skip = new Set(sel.excludeTables ?? []);
  const schemas = sel.schemas?.length ? new Set(sel.schemas) : null;
  return tables.filter((t) => {
    const q = qualifiedName(t);
    return (!schemas || schemas.has(t.schema)) && (!only || only.has(q)) && !skip.has(q);
  });
}

const FK_ACTION_NAMES: Record<string, string> = { c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

function structuralRefusals(t: TableModel): string[] {
  const r: string[] = [];
  if (t.kind === 'partitioned') {
    r.push(
      'partitioned table: a foreign table cannot inherit from it or its partitions; exclude it (--exclude) and move it with the replication mode or pg_dump',
    );
  }
  if (t.isPartition)
    r.push(`partition of ${t.parents.join(', ')}: moved with its partitioned table, which fdwmig refuses`);
  else if (t.parents.length)
    r.push(`inherits from ${t.parents.join(', ')}: legacy inheritance trees are not supported`);
  if (t.childCount > 0 && t.kind !== 'partitioned')
    r.push('has inheritance children: legacy inheritance trees are not supported');
  return r;
}

function tableWarnings(t: TableModel): string[] {
  const w: string[] = [];
  if (!moveKey(t)) {
    w.push(
      'no primary key or unique key over NOT NULL columns: init-new serves it through NEW, but migrate cannot move its rows; add a primary key on OLD and NEW (e.g. a bigserial column), or leave the table out (--exclude-tables) and copy it in a write pause',
    );
  } else if (!t.primaryKey) {
    w.push(`no primary key: moved by its unique key (${moveKey(t)!.join(', ')})`);
  }
  if (t.unlogged) w.push('unlogged: its rows on NEW are lost after a crash of NEW, as on OLD');
  if (t.rowSecurity) w.push('row level security is on: fdwmig roles must bypass it (BYPASSRLS or table owner)');
  for (const fk of t.foreignKeys) {
    const action = FK_ACTION_NAMES[fk.onDelete];
    if (action)
      w.push(
        `FK ${fk.name} is ON DELETE ${action} on OLD: rows are moved referencing-first so OLD's deletes never reach unmoved rows`,
      );
  }
  const active = t.triggers.filter((tr) => tr.enabled !== 'D');
  if (active.length)
    w.push(
      `user triggers on OLD (${active.map((tr) => tr.name).join(', ')}) must not fire when moved rows are deleted there`,
    );
  return w;
}

/** Assesses every selected OLD table against NEW. */
export function assessTables(
  oldDb: DatabaseModel,
  newDb: DatabaseModel,
  sel: Selection,
  opts: { copySchema: boolean },
): TableAssessment[] {
  const newByName = new Map(newDb.tables.map((t) => [qualifiedName(t), t]));
  const newNames = new Set(newByName.keys());
  return selectTables(oldDb.tables, sel).map((t) => {
    const newTable = newByName.get(qualifiedName(t)) ?? null;
    const remoteName = remoteTableName(t.name);
    const refusals = structuralRefusals(t);
    if (!newTable && !opts.copySchema) {
      refusals.push('missing on NEW: apply the schema to NEW first, or run init-new --copy-schema');
    } else if (newTable) {
      refusals.push(...compareTable(t, newTable).map((p) => `schema differs: ${p}`));
    }
    if (newNames.has(`${t.schema}.${remoteName}`)) {
      refusals.push(
        `NEW already has a table named ${t.schema}.${remoteName}, the name fdwmig needs for the foreign table`,
      );
    }
    return { table: t, newTable, remoteName, refusals, warnings: tableWarnings(t) };
  });
}
