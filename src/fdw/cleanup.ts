/**
 * cleanup: drops every object fdwmig created (on NEW the `_remote` foreign tables, user
 * mappings, the server, postgres_fdw if fdwmig installed it, the state schema; on OLD the marker
 * schema) and nothing else. Refuses while the move is unfinished unless forced; idempotent.
 */
import type pg from 'pg';
import type { Config } from '../config/schema.js';
import { StateError } from '../errors.js';
import { runPlan } from '../exec/run-plan.js';
import { loadSql } from '../introspect/load-sql.js';
import { planCleanup, renderCleanupPlan, type CleanupModel, type CleanupPlan } from '../plan/plan-cleanup.js';
import { countRowsOnOld } from '../exec/count-rows.js';
import { readOldMarker } from '../state/batches.js';
import { readRecordedState, type RecordedFk, type RecordedState } from '../state/records.js';
import { requireRecordedOld } from '../verify/recorded-old.js';
import { ident, qualified } from '../sql/quote.js';
import { withBoth, type Deps } from '../exec/connections.js';
import { MIGRATE_LOCK_SQL } from './migrate-lock.js';

export interface CleanupOptions {
  /** Drop even while rows remain on OLD or FKs are not restored. */
  force: boolean;
}

export interface CleanupResult {
  plan: CleanupPlan;
  planText: string;
  applied: boolean;
  /** The refusals --force overrode, one line each. */
  overridden: string[];
}

/** The FK as the statement that would restore it, for the user to keep when cleanup is forced. */
function restoreSql(f: RecordedFk): string {
  return `ALTER TABLE ${qualified(f.schema, f.table)} ADD CONSTRAINT ${ident(f.constraint)} ${f.definition}`;
}

async function refusals(oldDb: pg.Client, state: RecordedState): Promise<{ rows: string[]; fks: RecordedFk[] }> {
  const counts = await countRowsOnOld(oldDb, state.tables);
  const rows = [...counts].filter(([, n]) => n > 0).map(([t, n]) => `${t}: ${n} row(s) still on OLD`);
  return { rows, fks: state.foreignKeys.filter((f) => f.restoredAt === null) };
}

async function readModel(
  config: Config,
  oldDb: pg.Client,
  newDb: pg.Client,
  state: RecordedState,
): Promise<CleanupModel> {
  const serverName = state.record?.serverName ?? config.serverName;
  const remotes = JSON.stringify(state.tables.map((t) => [t.schema, t.remoteName]));
  const n = (
    await newDb.query<{
      schema_exists: boolean;
      state_tables: string[];
      server_exists: boolean;
      mapped_roles: string[];
      foreign_tables: string[];
      extension_installed: boolean;
      other_servers: string[];
    }>(loadSql('cleanup-new'), [config.stateSchema, serverName, remotes])
  ).rows[0]!;
  const o = await readOldMarker(oldDb, config.stateSchema);
  return {
    stateSchema: config.stateSchema,
    stateSchemaExists: n.schema_exists,
    stateTables: n.state_tables,
    serverName,
    // Without a record, a server of that name is not known to be fdwmig's: left alone.
    serverExists: state.record !== null && n.server_exists,
    mappedRoles: n.mapped_roles,
    foreignTables: n.foreign_tables
      .map((j) => JSON.parse(j) as [string, string])
      .map(([schema, name]) => ({ schema, name })),
    extensionCreatedByFdwmig: state.record?.createdExtension === true && n.extension_installed,
    otherFdwServers: n.other_servers,
    // OLD's marker belongs to a migration NEW records; with no state on NEW it is not known to be ours.
    oldMarker: state.stateSchemaExists ? o : { schemaExists: false, tableExists: false },
  };
}

export async function runCleanup(config: Config, deps: Deps, opts: CleanupOptions): Promise<CleanupResult> {
  return withBoth(deps, config, async (oldDb, newDb) => {
    if (!(await newDb.query<{ ok: boolean }>(MIGRATE_LOCK_SQL)).rows[0]!.ok) {
      throw new StateError('fdwmig migrate is running against this NEW database', {
        hint: 'wait for it to finish, or stop it (Ctrl-C), then run cleanup',
      });
    }
    const state = await readRecordedState(newDb, config.stateSchema);
    await requireRecordedOld(oldDb, state.record, '; nothing was dropped');
    const refused = await refusals(oldDb, state);
    const lines = [
      ...refused.rows,
      ...refused.fks.map((f) => `FK ${f.constraint} on ${f.schema}.${f.table} is not restored on NEW`),
    ];
    if (lines.length && !opts.force) {
      throw new StateError(`cleanup refused; nothing was dropped:\n${lines.map((l) => `  - ${l}`).join('\n')}`, {
        hint: refused.rows.length
          ? "run 'fdwmig migrate' to move the remaining rows (it finalizes at the end); --force drops the FDW objects anyway, and NEW stops seeing OLD's rows"
          : "run 'fdwmig finalize' to restore the FKs; --force drops the state anyway, and with it the FK definitions",
      });
    }
    const plan = planCleanup(await readModel(config, oldDb, newDb, state));
    const planText = renderCleanupPlan(plan);
    if (config.dryRun) return { plan, planText, applied: false, overridden: lines };
    for (const l of refused.rows) deps.log({ level: 'warn', message: `--force: ${l}; NEW no longer sees these rows` });
    for (const f of refused.fks)
      deps.log({
        level: 'warn',
        message: `--force: FK ${f.constraint} is not restored; to restore it yourself: ${restoreSql(f)}`,
      });
    for (const n of plan.notes) deps.log({ level: 'info', message: n });
    for (const segment of plan.segments) {
      await runPlan(segment.side === 'NEW' ? newDb : oldDb, segment.plan, {
        lockTimeoutMs: config.lockTimeoutMs,
        retryForMs: config.lockRetryMs,
        retries: config.ddlRetries,
        onStep: (s, ev, attempt, holders) => {
          if (ev === 'start')
            deps.log({ level: 'info', message: `${segment.side}: ${s.description}`, data: { step: s.id } });
          if (ev === 'retry')
            deps.log({
              level: 'warn',
              message: `lock not available, retry ${attempt}: ${s.id}${holders ? ` (${holders})` : ''}`,
            });
        },
      });
    }
    return { plan, planText, applied: true, overridden: lines };
  });
}
