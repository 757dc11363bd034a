/**
 * finalize: after the last row moved, NEW's FKs come back (added NOT VALID, then validated, so
 * the long scan takes no lock that blocks the application's writes) and sequences are synced.
 * An FK that fails validation is reported with its orphans' keys and stays NOT VALID, which
 * still checks every new write; the other FKs are restored regardless.
 *
 * Triggers are not touched: init-new never disables them, and migrate keeps them from firing on
 * moved rows with session_replication_role = replica in its own sessions only; `verify` reports
 * their state.
 */
import type pg from 'pg';
import type { Config } from '../config/schema.js';
import { FdwmigError, PgError, StateError } from '../errors.js';
import { runPlan } from '../exec/run-plan.js';
import { countRows } from '../exec/count-rows.js';
import { introspectDatabase } from '../introspect/introspect.js';
import { qualifiedName } from '../introspect/model.js';
import { planRestoreFks } from '../plan/plan-finalize.js';
import { renderPlan } from '../plan/step.js';
import type { SequenceChange } from '../plan/plan-sequence-sync.js';
import { describeOrphans, findOrphans, type Orphans } from '../verify/orphans.js';
import { readRecordedState, type RecordedFk } from '../state/records.js';
import { withBoth, type Deps } from '../exec/connections.js';
import { requireInitialized, type ServedTable } from './migration-state.js';
import { syncSequences } from '../sequences/sync-sequences.js';
import { MIGRATE_LOCK_SQL } from './migrate-lock.js';

export interface FinalizeResult {
  /** FKs restored and validated by this run, as schema.table.constraint. */
  foreignKeys: string[];
  sequences: SequenceChange[];
  /** Set by a dry run: the plan, nothing applied. */
  planText?: string;
}

const FOREIGN_KEY_VIOLATION = '23503';

/** The FK violations finalize found: each FK, its orphan count and first keys. */
export class FkViolationError extends FdwmigError {
  constructor(readonly violations: readonly Orphans[]) {
    const lines = violations.flatMap((o) => [
      `  - FK ${o.fk.constraint} on ${o.fk.schema}.${o.fk.table}: ${o.total} row(s) reference no row of ${o.fk.refSchema}.${o.fk.refTable}`,
      ...describeOrphans(o).map((l) => `      ${l}`),
    ]);
    super(`${violations.length} FK(s) could not be validated:\n${lines.join('\n')}`, {
      code: 'FK_VIOLATION',
      exitCode: 1,
      hint: 'insert the missing referenced rows or fix/delete the orphans, then run fdwmig finalize again; meanwhile each FK is in place NOT VALID and checks every new write',
    });
  }
}

async function refuseWhileRowsOnOld(oldDb: pg.Client, tables: readonly ServedTable[]): Promise<void> {
  const counts = await countRows(oldDb, tables);
  const i = counts.findIndex((n) => n > 0);
  if (i >= 0) {
    const t = tables[i]!;
    throw new StateError(
      `${qualifiedName(t)} still has ${counts[i]} row(s) on OLD; FKs stay off until every row has moved`,
      { hint: 'run fdwmig migrate to finish the move' },
    );
  }
}

/** Restores each FK on its own, so one with orphans does not hold back the others. */
async function restoreFks(
  config: Config,
  newDb: pg.Client,
  fks: readonly RecordedFk[],
): Promise<{ restored: string[]; violations: Orphans[] }> {
  const keys = new Map(
    (await introspectDatabase(newDb, { skipSchemas: [config.stateSchema] })).tables.map((t) => [
      qualifiedName(t),
      t.primaryKey,
    ]),
  );
  const restored: string[] = [];
  const violations: Orphans[] = [];
  for (const fk of fks) {
    try {
      await runPlan(newDb, planRestoreFks(config.stateSchema, [fk]), {
        lockTimeoutMs: config.lockTimeoutMs,
        retryForMs: config.lockRetryMs,
        retries: config.ddlRetries,
      });
      restored.push(`${fk.schema}.${fk.table}.${fk.constraint}`);
    } catch (err) {
      if (!(err instanceof PgError) || err.sqlstate !== FOREIGN_KEY_VIOLATION) throw err;
      // As VALIDATE reads them: the referencing table alone against the referenced table alone.
      violations.push(await findOrphans(newDb, fk, keys.get(`${fk.schema}.${fk.table}`) ?? null, true));
    }
  }
  return { restored, violations };
}

/** Runs finalize on open connections; refuses while any served table still has rows on OLD. */
export async function runFinalize(
  config: Config,
  oldDb: pg.Client,
  newDb: pg.Client,
  tables: readonly ServedTable[],
): Promise<FinalizeResult> {
  await refuseWhileRowsOnOld(oldDb, tables);
  const fks = (await readRecordedState(newDb, config.stateSchema)).foreignKeys.filter((f) => f.restoredAt === null);
  if (config.dryRun) {
    const seq = await syncSequences(config, oldDb, newDb);
    return {
      foreignKeys: [],
      sequences: seq.lines,
      planText: renderPlan(planRestoreFks(config.stateSchema, fks)) + renderPlan(seq.plan),
    };
  }
  const { restored, violations } = await restoreFks(config, newDb, fks);
  const seq = await syncSequences(config, oldDb, newDb);
  if (violations.length) throw new FkViolationError(violations);
  return { foreignKeys: restored, sequences: seq.lines };
}

/**
 * The advisory lock migrate holds on NEW for its whole run (the same key as in src/fdw/migrate.ts):
 * finalize and cleanup take it too, so neither runs beside a migrate.
 */

/** `fdwmig finalize` on its own: after `migrate --no-finalize`, or again after fixing orphans. */
export async function runFinalizeCommand(config: Config, deps: Deps): Promise<FinalizeResult> {
  return withBoth(deps, config, async (oldDb, newDb) => {
    if (!(await newDb.query<{ ok: boolean }>(MIGRATE_LOCK_SQL)).rows[0]!.ok) {
      throw new StateError('fdwmig migrate is running against this NEW database', {
        hint: 'it finalizes at its end; or stop it and run finalize when every row has moved',
      });
    }
    const served = await requireInitialized(config, oldDb, newDb);
    return runFinalize(config, oldDb, newDb, served);
  });
}
