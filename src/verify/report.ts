/** What verify and status report: the phase a migration is in, and findings a person can act on. */

/**
 * - not-initialized: no completed init-new on NEW (never run, interrupted, or cleaned up)
 * - moving: rows still on OLD, or a batch copied and not yet finished
 * - moved-fks-off: every row on NEW; FKs init-new dropped are not all restored
 * - finalized: every row on NEW, every FK restored
 */
export type Phase = 'not-initialized' | 'moving' | 'moved-fks-off' | 'finalized';

export interface PhaseFacts {
  /** A migration record exists on NEW. */
  recorded: boolean;
  initCompleted: boolean;
  rowsOnOld: number;
  openBatches: number;
  unrestoredFks: number;
}

export function detectPhase(f: PhaseFacts): Phase {
  if (!f.initCompleted) return 'not-initialized';
  if (f.rowsOnOld > 0 || f.openBatches > 0) return 'moving';
  return f.unrestoredFks > 0 ? 'moved-fks-off' : 'finalized';
}

export function describePhase(p: Phase, f: PhaseFacts): string {
  switch (p) {
    case 'not-initialized':
      return f.recorded
        ? 'not initialized: init-new started but did not finish (re-run it)'
        : 'not initialized: no fdwmig state on NEW (init-new not run, or cleaned up)';
    case 'moving':
      return `moving: ${f.rowsOnOld} row(s) still on OLD${f.openBatches ? `, ${f.openBatches} batch(es) copied and not finished` : ''} (run fdwmig migrate)`;
    case 'moved-fks-off':
      return `all rows moved; ${f.unrestoredFks} FK(s) still off (run fdwmig finalize)`;
    case 'finalized':
      return 'finalized: all rows on NEW, FKs restored (fdwmig cleanup removes the FDW objects)';
  }
}

export type Check = 'rows-on-old' | 'duplicate' | 'orphan' | 'foreign-key' | 'sequence' | 'trigger' | 'content';

/** problem: inconsistent, verify exits 1; warning: worth a look; info: a fact. */
export interface Finding {
  severity: 'problem' | 'warning' | 'info';
  check: Check;
  /** schema.table (or schema.sequence) the finding is about. */
  subject: string;
  /** The row's key as `(col, ...)=(value, ...)`, when the finding is about one row. */
  key?: string;
  message: string;
  /** What to do. */
  hint?: string;
}
