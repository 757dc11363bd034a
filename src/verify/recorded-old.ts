/** The check every command after init-new makes first: OLD is the server init-new recorded. */
import { StateError } from '../errors.js';
import { readIdentity } from '../introspect/read-new-state.js';
import type { Queryable } from '../sql/queryable.js';
import type { MigrationRecord } from '../state/records.js';

/** Refuses an OLD other than the one init-new recorded (no record: nothing to compare). */
export async function requireRecordedOld(
  oldDb: Queryable,
  record: MigrationRecord | null,
  consequence = '',
): Promise<void> {
  if (!record) return;
  const identity = await readIdentity(oldDb);
  if (identity === record.oldIdentity) return;
  throw new StateError(
    `NEW was set up for another OLD (${record.oldDisplay}, ${record.oldIdentity}), not this one (${identity})${consequence}`,
    {
      hint: 'check --old: it must name the server init-new was run against',
    },
  );
}
