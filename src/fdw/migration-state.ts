/**
 * What every command after init-new needs first: NEW set up by init-new, for this OLD, and the
 * list of tables it serves.
 */
import type pg from 'pg';
import type { Config } from '../config/schema.js';
import { StateError } from '../errors.js';
import { readIdentity, readNewState } from '../introspect/read-new-state.js';
import { ident } from '../sql/quote.js';

export interface ServedTable {
  schema: string;
  name: string;
  remoteName: string;
}

/** Refuses unless init-new completed on NEW for this OLD; returns the tables it set up. */
export async function requireInitialized(config: Config, oldDb: pg.Client, newDb: pg.Client): Promise<ServedTable[]> {
  const state = await readNewState(newDb, config.stateSchema, config.serverName);
  if (!state.recorded || !state.recorded.initCompletedAt) {
    throw new StateError('NEW has not been set up by init-new yet', {
      hint: 'run fdwmig init-new first (fdwmig check tells whether it can)',
    });
  }
  const identity = await readIdentity(oldDb);
  if (state.recorded.oldIdentity !== identity) {
    throw new StateError(
      `NEW was set up for another OLD (${state.recorded.oldDisplay}, ${state.recorded.oldIdentity}), not this one (${identity})`,
      {
        hint: 'check --old: it must name the server init-new was run against',
      },
    );
  }
  const r = await newDb.query<{ schema_name: string; table_name: string; remote_name: string }>(
    `SELECT schema_name, table_name, remote_name FROM ${ident(config.stateSchema)}.tables ORDER BY 1, 2`,
  );
  return r.rows.map((x) => ({ schema: x.schema_name, name: x.table_name, remoteName: x.remote_name }));
}
