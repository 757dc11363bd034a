/**
 * `replicate cleanup`: drops the subscription on NEW, its slots on OLD and the publication, each
 * only if it exists, so a second run does nothing. Leaves the rows on NEW alone.
 */
import type { Config } from '../config/schema.js';
import { withBoth } from '../exec/connections.js';
import { renderPlan } from '../plan/step.js';
import { literal } from '../sql/quote.js';
import type { ReplicationDeps } from './deps.js';
import { dropReplicationObjects } from './drop-objects.js';
import { DROP_SLOT_SQL, planDropPublication, planDropSubscription, replicationNames } from './plan-replication.js';

export interface ReplicateCleanupResult {
  applied: boolean;
  /** What was dropped, one line each (empty: nothing was left). */
  dropped: string[];
  planText: string;
}

/** The statements cleanup may run, for --dry-run. */
export function renderCleanupPlan(config: Config): string {
  const names = replicationNames(config);
  return [
    renderPlan({
      title: 'fdwmig replicate cleanup (NEW), if the subscription exists',
      steps: [planDropSubscription(names)],
    }),
    `-- OLD: the slot and NEW's table-sync slots, once no walsender holds them\n${DROP_SLOT_SQL.replace('$1', literal(names.slot))};\n`,
    renderPlan({ title: 'fdwmig replicate cleanup (OLD)', steps: [planDropPublication(names)] }),
  ].join('\n');
}

export async function runReplicateCleanup(config: Config, deps: ReplicationDeps): Promise<ReplicateCleanupResult> {
  const planText = renderCleanupPlan(config);
  if (config.dryRun) return { applied: false, dropped: [], planText };
  const dropped = await withBoth(deps, config, (oldDb, newDb) =>
    dropReplicationObjects(oldDb, newDb, replicationNames(config), config, deps),
  );
  return { applied: true, dropped, planText };
}
