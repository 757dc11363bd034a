/**
 * What every command after init-new needs first: NEW set up by init-new, for this OLD, and the
 * list of tables it serves.
 */
import type pg from 'pg';
import type { Config } from '../config/schema.js';
import { StateError } from '../errors.js';
import { readMigrationRecord, readTables, type RecordedTable } from '../state/records.js';
import { requireRecordedOld } from '../verify/recorded-old.js';

/** A table init-new serves: its foreign table on NEW is `remoteName`. */
export type ServedTable = RecordedTable;

/** Refuses unless init-new completed on NEW for this OLD; returns the tables it set up. */
export async function requireInitialized(config: Config, oldDb: pg.Client, newDb: pg.Client): Promise<ServedTable[]> {
  const recorded = await readMigrationRecord(newDb, config.stateSchema);
  if (!recorded || !recorded.initCompletedAt) {
    throw new StateError('NEW has not been set up by init-new yet', {
      hint: 'run fdwmig init-new first (fdwmig check tells whether it can)',
    });
  }
  await requireRecordedOld(oldDb, recorded);
  return readTables(newDb, config.stateSchema);
}
