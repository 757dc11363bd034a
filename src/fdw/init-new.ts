/**
 * init-new: after it, every row of OLD is visible and writable through NEW's tables.
 * Refuses before changing anything when a table cannot be migrated or NEW belongs to another OLD.
 */
import type { Config } from '../config/schema.js';
import { selectionError } from '../config/selection.js';
import { ConfigError, PgError, PreflightError, SchemaMismatchError, StateError, isDatabaseError } from '../errors.js';
import { withTransaction, type Queryable } from '../sql/queryable.js';
import { qualifiedName, type DatabaseModel } from '../introspect/model.js';
import { GUARD_MIN_NEW_VERSION } from '../plan/wait-graph.js';
import { runPlan } from '../exec/run-plan.js';
import { introspectDatabase } from '../introspect/introspect.js';
import { readIdentity, readNewState } from '../introspect/read-new-state.js';
import { assessTables, selectTables, type TableAssessment } from '../plan/assess-tables.js';
import { planInitNew } from '../plan/plan-init-new.js';
import { renderPlan, type Plan } from '../plan/step.js';
import type { SequenceChange } from '../plan/plan-sequence-sync.js';
import { anyRowSql } from '../plan/count-rows.js';
import { loadSql } from '../introspect/load-sql.js';
import { FDWMIG_VERSION } from '../version.js';
import { withBoth, type Deps } from '../exec/connections.js';
import { describeEndpoint, oldEndpointFromUrl } from '../config/old-endpoint.js';

export interface InitNewResult {
  plan: Plan;
  planText: string;
  applied: boolean;
  tables: TableAssessment[];
  sequences: SequenceChange[];
}

/** Lists every refusal at once, one line per problem. */
export function refusalError(tables: readonly TableAssessment[]): SchemaMismatchError | null {
  const lines = tables.flatMap((a) => a.refusals.map((r) => `  - ${qualifiedName(a.table)}: ${r}`));
  if (!lines.length) return null;
  return new SchemaMismatchError(
    `${lines.length} problem(s) prevent init-new; nothing was changed:\n${lines.join('\n')}`,
    {
      hint: "fix NEW's schema to match OLD's, or leave tables out with --exclude; 'fdwmig check' lists every problem",
    },
  );
}

/**
 * --old and --new naming one database: init-new would make each table's `_remote` a foreign
 * table on the table itself, and every query of it would recurse through postgres_fdw until the
 * server runs out of connections. Identities without a known system identifier never match.
 */
export function sameDatabaseError(oldIdentity: string, newIdentity: string): ConfigError | null {
  if (oldIdentity !== newIdentity || oldIdentity.includes('sysid=unknown')) return null;
  return new ConfigError(`--old and --new name the same database (${oldIdentity}); nothing was changed`, {
    hint: 'NEW must be another database, usually on another server: check --new / FDWMIG_NEW_URL and --old / FDWMIG_OLD_URL',
  });
}

/**
 * Roles of --mapping-roles that NEW lacks. Checked before the plan runs: CREATE USER MAPPING
 * for a missing role would fail halfway, after the server and other mappings were created.
 */
export async function findMissingRoles(newDb: Queryable, roles: readonly string[]): Promise<string[]> {
  const named = roles.filter((r) => r !== 'public');
  if (!named.length) return [];
  const r = await newDb.query<{ name: string }>(loadSql('missing-roles'), [named]);
  return r.rows.map((x) => x.name);
}

/** The error for {@link findMissingRoles}' result, or null. */
export function missingRolesError(missing: readonly string[]): PreflightError | null {
  if (!missing.length) return null;
  return new PreflightError(
    `--mapping-roles names role(s) NEW does not have: ${missing.join(', ')}; nothing was changed`,
    {
      hint: 'create the role(s) on NEW first (CREATE ROLE ...), or correct --mapping-roles / mappingRoles (names are case-sensitive)',
    },
  );
}

/**
 * With --copy-schema: OLD's schema SQL when NEW has none of the selected tables, null when it
 * has them all; a NEW with some but not all is refused (whose schema would win is unclear).
 */
async function copySchemaIfMissing(
  config: Config,
  deps: Deps,
  oldModel: DatabaseModel,
  newModel: DatabaseModel,
): Promise<string | null> {
  const onNew = new Set(newModel.tables.map(qualifiedName));
  const wanted = selectTables(oldModel.tables, config).map(qualifiedName);
  const present = wanted.filter((n) => onNew.has(n));
  if (present.length === wanted.length) return null;
  if (present.length) {
    throw new PreflightError(
      `--copy-schema copies into a NEW without OLD's tables, but NEW already has ${present.join(', ')}`,
      {
        hint: 'drop those tables on NEW, or apply the whole schema yourself and run init-new without --copy-schema',
      },
    );
  }
  return deps.dumpSchema({
    pgDump: config.pgDumpPath,
    oldUrl: config.oldUrl,
    oldMajor: Math.floor(oldModel.server.versionNum / 10000),
    schemas: config.schemas ?? [],
  });
}

async function applySchema(newDb: Queryable, sql: string): Promise<void> {
  try {
    await withTransaction(newDb, () => newDb.query(sql));
    // pg_dump's output empties search_path for the session; the plan that follows needs it back.
    await newDb.query('RESET search_path');
  } catch (err) {
    throw err instanceof Error && isDatabaseError(err)
      ? new PgError(err, { step: 'copy-schema', sql: '(pg_dump --schema-only output)' })
      : err;
  }
}

/** For a dry run with --copy-schema: plan as if NEW had OLD's tables and sequences. */
function withTablesOf(newModel: DatabaseModel, oldModel: DatabaseModel): DatabaseModel {
  return {
    ...newModel,
    tables: [...newModel.tables, ...oldModel.tables],
    sequences: [...newModel.sequences, ...oldModel.sequences],
  };
}

/** What init-new has read before it checks its input. */
interface InitNewFacts {
  oldDb: Queryable;
  newDb: Queryable;
  oldModel: DatabaseModel;
  newModel: DatabaseModel;
  state: Awaited<ReturnType<typeof readNewState>>;
  identity: { id: string; display: string };
}

/**
 * NEW's selected tables that already hold rows. Before the first init-new they must be empty:
 * the application would see those rows beside OLD's through the parent table, the move would
 * collide with them, and rows there usually mean --old and --new are swapped.
 */
export async function findNonEmptyTables(
  newDb: Queryable,
  tables: readonly { schema: string; name: string }[],
): Promise<string[]> {
  const found: string[] = [];
  for (const t of tables) {
    const r = await newDb.query<{ any: boolean }>(anyRowSql(t.schema, t.name)).catch((err: unknown) => {
      // A table the role may not read yet: check names the missing privilege, init-new fails on it.
      if (isDatabaseError(err) && err.code === '42501') return { rows: [] };
      throw err;
    });
    if (r.rows[0]?.any) found.push(qualifiedName(t));
  }
  return found;
}

/** Every check of the input before the first change: a mistake must not leave NEW half set up. */
async function refuseBadInput(config: Config, deps: Deps, f: InitNewFacts): Promise<void> {
  const same = sameDatabaseError(f.identity.id, await readIdentity(f.newDb));
  if (same) throw same;
  const recorded = f.state.recorded;
  if (recorded && recorded.oldIdentity !== f.identity.id) {
    throw new StateError(
      `NEW was set up by fdwmig for another OLD (${recorded.oldDisplay}, ${recorded.oldIdentity}), not ${f.identity.display} (${f.identity.id})`,
      { hint: `check --old; to start over, run 'fdwmig cleanup' against the OLD it was set up for` },
    );
  }
  const selection = selectionError(f.oldModel.tables, config, 'OLD');
  if (selection.error) throw selection.error;
  for (const t of selection.unknownExcludes)
    deps.log({ level: 'warn', message: `--exclude-tables ${t}: no such table on OLD` });
  const rolesMissing = missingRolesError(await findMissingRoles(f.newDb, config.mappingRoles));
  if (rolesMissing) throw rolesMissing;
  if (!recorded) {
    const onNew = new Set(f.newModel.tables.map(qualifiedName));
    const filled = await findNonEmptyTables(
      f.newDb,
      selectTables(f.oldModel.tables, config).filter((t) => onNew.has(qualifiedName(t))),
    );
    if (filled.length) throw nonEmptyError(filled);
  }
}

/** The refusal for {@link findNonEmptyTables}' result. */
export function nonEmptyError(tables: readonly string[]): PreflightError {
  return new PreflightError(
    `NEW's ${tables.join(', ')} already hold(s) rows; init-new needs NEW's tables empty; nothing was changed`,
    {
      hint: "the application would see those rows beside OLD's, and the move would collide with them: check that --old and --new are not swapped, then empty the tables on NEW (TRUNCATE) or leave them out (--exclude-tables)",
    },
  );
}

export async function runInitNew(config: Config, deps: Deps): Promise<InitNewResult> {
  return withBoth(deps, config, async (oldDb, newDb) => {
    const skip = { skipSchemas: [config.stateSchema] };
    // Reads only, each connection's in turn, the two connections side by side.
    const [[oldModel, identityId], [firstNewModel, state]] = await Promise.all([
      (async () => [await introspectDatabase(oldDb, skip), await readIdentity(oldDb)] as const)(),
      (async () =>
        [
          await introspectDatabase(newDb, skip),
          await readNewState(newDb, config.stateSchema, config.serverName),
        ] as const)(),
    ]);
    let newModel = firstNewModel;
    const endpoint = oldEndpointFromUrl(config.oldUrl);
    const identity = { id: identityId, display: describeEndpoint(endpoint) };
    await refuseBadInput(config, deps, { oldDb, newDb, oldModel, newModel, state, identity });
    let copiedSchemaSql: string | null = null;
    if (config.copySchema) {
      const copy = await copySchemaIfMissing(config, deps, oldModel, newModel);
      if (copy) {
        copiedSchemaSql = copy;
        if (config.dryRun) newModel = withTablesOf(newModel, oldModel);
        else {
          deps.log({ level: 'info', message: "copying OLD's schema to NEW (pg_dump --schema-only)" });
          await applySchema(newDb, copy);
          newModel = await introspectDatabase(newDb, skip);
        }
      }
    }
    const tables = assessTables(oldModel, newModel, config, { copySchema: false });
    const refused = refusalError(tables);
    if (refused) throw refused;
    const newRole = newModel.server.role;
    const { plan, sequences } = planInitNew({
      oldDb: oldModel,
      newDb: newModel,
      tables,
      state,
      old: endpoint,
      settings: {
        stateSchema: config.stateSchema,
        serverName: config.serverName,
        fetchSize: config.fetchSize,
        sequenceGap: config.sequenceGap,
        truncatableOption: newModel.server.versionNum >= 140000,
        fdwApplicationName: newModel.server.versionNum >= GUARD_MIN_NEW_VERSION,
        mappingRoles: [...new Set([newRole, ...config.mappingRoles])],
        oldIdentity: identity,
        fdwmigVersion: FDWMIG_VERSION,
      },
    });
    const planText =
      (copiedSchemaSql && config.dryRun
        ? `-- first, OLD's schema is copied to NEW (pg_dump --schema-only, ${copiedSchemaSql.length} bytes of SQL)\n`
        : '') + renderPlan(plan);
    if (config.dryRun) return { plan, planText, applied: false, tables, sequences };
    for (const a of tables)
      for (const w of a.warnings) deps.log({ level: 'warn', message: `${qualifiedName(a.table)}: ${w}` });
    await runPlan(newDb, plan, {
      lockTimeoutMs: config.lockTimeoutMs,
      retryForMs: config.lockRetryMs,
      retries: config.ddlRetries,
      onStep: (s, ev, attempt, holders) => {
        if (ev === 'start') deps.log({ level: 'info', message: s.description, data: { step: s.id } });
        if (ev === 'retry')
          deps.log({
            level: 'warn',
            message: `lock not available, retry ${attempt}: ${s.id}${holders ? ` (${holders})` : ''}`,
          });
      },
    });
    return { plan, planText, applied: true, tables, sequences };
  });
}
