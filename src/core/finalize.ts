/**
 * finalize: after the last row moved, NEW's FKs come back (added NOT VALID, then validated, so
 * the long scan takes no lock that blocks the application's writes) and sequences are synced.
 */
import type pg from 'pg';
import type { Config } from '../config/schema.js';
import { StateError } from '../errors.js';
import { runPlan } from '../exec/run-plan.js';
import { introspectDatabase } from '../introspect/introspect.js';
import { step, type Plan } from '../plan/step.js';
import { planSequenceSync, type SequenceChange } from '../sequences/plan-sequence-sync.js';
import { ident, literal, qualified } from '../sql/quote.js';
import type { ServedTable } from './migration-state.js';

export interface FinalizeResult {
  foreignKeys: string[];
  sequences: SequenceChange[];
}

interface DroppedFk { schema_name: string; table_name: string; constraint_name: string; definition: string; ref_schema: string; ref_table: string; present: boolean; validated: boolean }

async function droppedFks(newDb: pg.Client, stateSchema: string): Promise<DroppedFk[]> {
  const r = await newDb.query<DroppedFk>(`SELECT f.schema_name, f.table_name, f.constraint_name, f.definition, f.ref_schema, f.ref_table,
      c.oid IS NOT NULL AS present, coalesce(c.convalidated, false) AS validated
    FROM ${ident(stateSchema)}.foreign_keys f
    LEFT JOIN pg_catalog.pg_constraint c ON c.conname = f.constraint_name
     AND c.conrelid = to_regclass(quote_ident(f.schema_name) || '.' || quote_ident(f.table_name))
   WHERE f.restored_at IS NULL ORDER BY 1, 2, 3`);
  return r.rows;
}

/** Plans the FK restore: ADD ... NOT VALID where missing, then VALIDATE, then record it. */
export function planRestoreFks(stateSchema: string, fks: readonly DroppedFk[]): Plan {
  const steps = fks.flatMap((f) => {
    const t = qualified(f.schema_name, f.table_name);
    const name = `${f.schema_name}.${f.table_name}.${f.constraint_name}`;
    const add = f.present ? [] : [step({
      id: `add-fk:${name}`, description: `re-add FK ${f.constraint_name} on ${f.schema_name}.${f.table_name} (NOT VALID: new writes are checked at once)`,
      sql: [
        // Referenced table first, the order in which applications write parent then child rows:
        // taking the two locks the other way round deadlocks with them.
        `LOCK TABLE ${[...new Set([qualified(f.ref_schema, f.ref_table), t])].join(', ')} IN SHARE ROW EXCLUSIVE MODE`,
        `ALTER TABLE ${t} ADD CONSTRAINT ${ident(f.constraint_name)} ${f.definition} NOT VALID`,
      ],
      takesLocks: true,
    })];
    return [...add, step({
      id: `validate-fk:${name}`, description: `validate FK ${f.constraint_name} on ${f.schema_name}.${f.table_name}`,
      sql: [
        ...(f.validated ? [] : [`ALTER TABLE ${t} VALIDATE CONSTRAINT ${ident(f.constraint_name)}`]),
        `UPDATE ${ident(stateSchema)}.foreign_keys SET restored_at = now() WHERE schema_name = ${literal(f.schema_name)} AND table_name = ${literal(f.table_name)} AND constraint_name = ${literal(f.constraint_name)}`,
      ],
      takesLocks: true,
    })];
  });
  return { title: 'fdwmig finalize', steps };
}

/** Runs finalize; refuses while any served table still has rows on OLD. */
export async function runFinalize(config: Config, oldDb: pg.Client, newDb: pg.Client, tables: readonly ServedTable[]): Promise<FinalizeResult> {
  for (const t of tables) {
    const n = Number((await oldDb.query<{ n: string }>(`SELECT count(*)::text AS n FROM ONLY ${qualified(t.schema, t.name)}`)).rows[0]!.n);
    if (n > 0) {
      throw new StateError(`${t.schema}.${t.name} still has ${n} row(s) on OLD; FKs stay off until every row has moved`, { hint: 'run fdwmig migrate to finish the move' });
    }
  }
  const fks = await droppedFks(newDb, config.stateSchema);
  const plan = planRestoreFks(config.stateSchema, fks);
  await runPlan(newDb, plan, { lockTimeoutMs: config.lockTimeoutMs, retries: config.ddlRetries });
  const skip = { skipSchemas: [config.stateSchema] };
  const seq = planSequenceSync((await introspectDatabase(oldDb, skip)).sequences, (await introspectDatabase(newDb, skip)).sequences, config.sequenceGap);
  await runPlan(newDb, { title: 'sequence sync', steps: seq.steps }, { lockTimeoutMs: config.lockTimeoutMs, retries: config.ddlRetries });
  return { foreignKeys: fks.map((f) => `${f.schema_name}.${f.table_name}.${f.constraint_name}`), sequences: seq.changes };
}
