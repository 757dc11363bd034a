/**
 * status: where a migration stands, per table (rows left on OLD, rows moved, batches copied and
 * not finished) and overall (phase, FKs on or off). Read-only.
 */
import type { Config } from '../config/schema.js';
import { countRowsOnOld } from '../exec/count-rows.js';
import { batchTotals } from '../state/batches.js';
import { readRecordedState } from '../state/records.js';
import { requireRecordedOld } from '../verify/recorded-old.js';
import { describePhase, detectPhase, type Phase } from '../verify/report.js';
import { prepareVerifySession } from '../verify/session.js';
import { withBoth, type Deps } from '../exec/connections.js';
import { qualifiedName } from '../introspect/model.js';

/** waiting: nothing moved yet; moving: some moved, some left; moved: none left on OLD. */
export type TableState = 'waiting' | 'moving' | 'moved';

export interface TableStatus {
  table: string;
  state: TableState;
  rowsOnOld: number;
  rowsMoved: number;
  /** Batches copied to NEW and not yet finished (deleted on OLD and marked moved). */
  openBatches: number;
  /**
   * Rows those batches copied: each is on both sides, so a reader through NEW sees it twice
   * until migrate runs again and finishes the batch (fewer, if the application deleted some).
   */
  rowsVisibleTwice: number;
}

export interface StatusReport {
  phase: Phase;
  phaseText: string;
  oldDisplay: string | null;
  foreignKeys: { total: number; restored: number; on: boolean };
  tables: TableStatus[];
}

/** Pure: a table's state from its numbers. */
export function tableState(rowsOnOld: number, rowsMoved: number, openBatches: number): TableState {
  if (rowsOnOld === 0 && openBatches === 0) return 'moved';
  return rowsMoved > 0 || openBatches > 0 ? 'moving' : 'waiting';
}

export async function runStatus(config: Config, deps: Deps): Promise<StatusReport> {
  return withBoth(deps, config, async (oldDb, newDb) => {
    await prepareVerifySession(oldDb);
    await prepareVerifySession(newDb);
    const state = await readRecordedState(newDb, config.stateSchema);
    await requireRecordedOld(oldDb, state.record);
    const counts = await countRowsOnOld(oldDb, state.tables);
    const batches = await batchTotals(newDb, config.stateSchema);
    const tables = state.tables.map((t) => {
      const name = qualifiedName(t);
      const b = batches.get(name) ?? { moved: 0, open: 0, openRows: 0 };
      const rowsOnOld = counts.get(name) ?? 0;
      return {
        table: name,
        state: tableState(rowsOnOld, b.moved, b.open),
        rowsOnOld,
        rowsMoved: b.moved,
        openBatches: b.open,
        rowsVisibleTwice: b.openRows,
      };
    });
    const restored = state.foreignKeys.filter((f) => f.restoredAt !== null).length;
    const facts = {
      recorded: state.record !== null,
      initCompleted: state.record?.initCompletedAt != null,
      rowsOnOld: tables.reduce((a, t) => a + t.rowsOnOld, 0),
      openBatches: tables.reduce((a, t) => a + t.openBatches, 0),
      unrestoredFks: state.foreignKeys.length - restored,
    };
    const phase = detectPhase(facts);
    return {
      phase,
      phaseText: describePhase(phase, facts),
      oldDisplay: state.record?.oldDisplay ?? null,
      foreignKeys: { total: state.foreignKeys.length, restored, on: restored === state.foreignKeys.length },
      tables,
    };
  });
}
