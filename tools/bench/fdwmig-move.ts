/**
 * Lines 4-6: `fdwmig init-new` then `fdwmig migrate`, as child processes. migrate skips a table
 * it cannot move (pgbench_history has no primary key); the tables it references still move where
 * the movers run in replica mode on OLD (the benchmark's superuser). Where migrate leaves them
 * not-run instead, the benchmark does what the user would, a second pass that leaves the skipped
 * tables out (`--exclude-tables`), and reports both the skip and the extra pass.
 */
import { failureOf, parseMigrateSummary, runCli, type ChildRun, type TableOutcome } from './fdwmig-run.js';

export interface FdwmigMove {
  /** init-new plus every migrate pass, each from spawn to exit. */
  seconds: number;
  initSeconds: number;
  migrateSeconds: number;
  passes: number;
  /** Peak RSS of any fdwmig process of this move, in MiB. */
  peakRssMb: number;
  rowsMoved: number;
  /** Each table's final status, with migrate's reason when it did not move. */
  tables: TableOutcome[];
  /** Whether migrate ended with finalize (FKs re-added and validated, sequences synced). */
  finalized: boolean;
  /** When migrate ran (epoch ms), to split the workload's transactions. */
  window: { start: number; end: number };
  /** Why migrate did not move every table it could (null when it did). */
  failure: string | null;
}

export interface MoveOptions {
  urls: { oldUrl: string; newUrl: string };
  /** Extra `migrate` arguments (e.g. --batch). */
  migrateArgs?: readonly string[];
  /** Runs between init-new and migrate: the application switching to NEW. */
  beforeMigrate?: () => Promise<void>;
}

function ensure(run: ChildRun, what: string): void {
  if (run.exitCode !== 0) throw new Error(`fdwmig ${what} failed: ${failureOf(run)}`);
}

export interface MigratePasses {
  runs: ChildRun[];
  tables: TableOutcome[];
  finalized: boolean;
  rowsMoved: number;
  failure: string | null;
}

/** `fdwmig migrate`, and a second pass without the skipped tables when the first left others waiting. */
export async function runMigratePasses(
  urls: MoveOptions['urls'],
  migrateArgs: readonly string[] = [],
): Promise<MigratePasses> {
  const runs: ChildRun[] = [];
  const final = new Map<string, TableOutcome>();
  let exclude: string[] = [];
  let finalized = false;
  let rowsMoved = 0;
  let failure: string | null = null;
  for (let pass = 1; pass <= 2; pass++) {
    const run = await runCli(
      ['migrate', ...migrateArgs, ...(exclude.length ? ['--exclude-tables', ...exclude] : [])],
      urls,
    );
    runs.push(run);
    const summary = parseMigrateSummary(run.stdout);
    if (!summary) {
      failure = `migrate (pass ${pass}) printed no summary: ${failureOf(run)}`;
      break;
    }
    for (const t of summary.tables) final.set(t.table, t);
    rowsMoved += summary.rows;
    finalized = summary.finalized !== null;
    const skipped = summary.tables.filter((t) => t.status === 'skipped').map((t) => t.table);
    const waiting = summary.tables.some((t) => t.status === 'not-run');
    if (pass === 2 || skipped.length === 0 || !waiting) break;
    exclude = skipped;
  }
  const unfinished = [...final.values()].filter((t) => t.status !== 'moved' && t.status !== 'skipped');
  if (!failure && unfinished.length)
    failure = `migrate left ${unfinished.map((t) => `${t.table} ${t.status}${t.reason ? ` (${t.reason})` : ''}`).join(', ')}`;
  return {
    runs,
    tables: [...final.values()].sort((a, b) => a.table.localeCompare(b.table)),
    finalized,
    rowsMoved,
    failure,
  };
}

/**
 * Runs the move. A migrate that leaves tables unmoved (other than the ones it skips by design)
 * is reported in `failure`, so the workload's figures and the invariant are still measured;
 * only an init-new that fails throws.
 */
export async function runFdwmigMove(o: MoveOptions): Promise<FdwmigMove> {
  const init = await runCli(['init-new'], o.urls);
  ensure(init, 'init-new');
  await o.beforeMigrate?.();
  const start = Date.now();
  const m = await runMigratePasses(o.urls, o.migrateArgs);
  const end = Date.now();
  const migrateSeconds = m.runs.reduce((a, r) => a + r.seconds, 0);
  return {
    seconds: init.seconds + migrateSeconds,
    initSeconds: init.seconds,
    migrateSeconds,
    passes: m.runs.length,
    peakRssMb: Math.max(init.peakRssMb, ...m.runs.map((r) => r.peakRssMb)),
    rowsMoved: m.rowsMoved,
    tables: m.tables,
    finalized: m.finalized,
    window: { start, end },
    failure: m.failure,
  };
}
