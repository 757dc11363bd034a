/**
 * init-new: after it, every row of OLD is visible and writable through NEW's tables.
 * Refuses before changing anything when a table cannot be migrated or NEW belongs to another OLD.
 */
import type { Config } from '../config/schema.js';
import { SchemaMismatchError, StateError } from '../errors.js';
import { runPlan } from '../exec/run-plan.js';
import { introspectDatabase } from '../introspect/introspect.js';
import { readIdentity, readNewState } from '../introspect/read-new-state.js';
import { assessTables, type TableAssessment } from '../plan/assess-tables.js';
import { planInitNew } from '../plan/plan-init-new.js';
import { renderPlan, type Plan } from '../plan/step.js';
import type { SequenceChange } from '../sequences/plan-sequence-sync.js';
import { FDWMIG_VERSION } from '../version.js';
import { withBoth, type CoreDeps } from './context.js';
import { describeEndpoint, oldEndpointFromUrl } from './old-endpoint.js';

export interface InitNewResult {
  plan: Plan;
  planText: string;
  applied: boolean;
  tables: TableAssessment[];
  sequences: SequenceChange[];
}

/** Lists every refusal at once, one line per problem. */
export function refusalError(tables: readonly TableAssessment[]): SchemaMismatchError | null {
  const lines = tables.flatMap((a) => a.refusals.map((r) => `  - ${a.table.schema}.${a.table.name}: ${r}`));
  if (!lines.length) return null;
  return new SchemaMismatchError(`${lines.length} problem(s) prevent init-new; nothing was changed:\n${lines.join('\n')}`, {
    hint: "fix NEW's schema to match OLD's, or leave tables out with --exclude; 'fdwmig check' lists every problem",
  });
}

export async function runInitNew(config: Config, deps: CoreDeps): Promise<InitNewResult> {
  return withBoth(deps, config, async (oldDb, newDb) => {
    const skip = { skipSchemas: [config.stateSchema] };
    const [oldModel, newModel] = [await introspectDatabase(oldDb, skip), await introspectDatabase(newDb, skip)];
    const state = await readNewState(newDb, config.stateSchema, config.serverName);
    const endpoint = oldEndpointFromUrl(config.oldUrl);
    const identity = { id: await readIdentity(oldDb), display: describeEndpoint(endpoint) };
    if (state.recorded && state.recorded.oldIdentity !== identity.id) {
      throw new StateError(
        `NEW was set up by fdwmig for another OLD (${state.recorded.oldDisplay}, ${state.recorded.oldIdentity}), not ${identity.display} (${identity.id})`,
        { hint: `check --old; to start over, run 'fdwmig cleanup' against the OLD it was set up for` },
      );
    }
    const tables = assessTables(oldModel, newModel, config, { copySchema: false });
    const refused = refusalError(tables);
    if (refused) throw refused;
    const newRole = newModel.server.role;
    const { plan, sequences } = planInitNew({
      oldDb: oldModel, newDb: newModel, tables, state, old: endpoint,
      settings: {
        stateSchema: config.stateSchema, serverName: config.serverName, fetchSize: config.fetchSize,
        sequenceGap: config.sequenceGap, truncatableOption: newModel.server.versionNum >= 140000,
        mappingRoles: [...new Set([newRole, ...config.mappingRoles])],
        oldIdentity: identity, fdwmigVersion: FDWMIG_VERSION,
      },
    });
    const planText = renderPlan(plan);
    if (config.dryRun) return { plan, planText, applied: false, tables, sequences };
    for (const a of tables) for (const w of a.warnings) deps.log({ level: 'warn', message: `${a.table.schema}.${a.table.name}: ${w}` });
    await runPlan(newDb, plan, {
      lockTimeoutMs: config.lockTimeoutMs, retries: config.ddlRetries,
      onStep: (s, ev, attempt) => {
        if (ev === 'start') deps.log({ level: 'info', message: s.description, data: { step: s.id } });
        if (ev === 'retry') deps.log({ level: 'warn', message: `lock not available, retry ${attempt}: ${s.id}` });
      },
    });
    return { plan, planText, applied: true, tables, sequences };
  });
}
