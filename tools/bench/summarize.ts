/** From the runs to the figures: medians, pairwise ratios and the issue's targets. Pure. */
import type { CpuSplit } from './cpu-monitor.js';
import type { TableOutcome } from './fdwmig-run.js';
import type { FdwmigLineResult } from './lines.js';
import type { PhaseStats } from './load-phases.js';
import type { SwitchoverLineResult } from './switchover-line.js';
import { median, medianRatio } from './stats.js';

/** One run of every line at one data size; null where the line failed or was not run. */
export interface RunRecord {
  copy: number | null;
  /** CPU of the copy line (servers and pipe); absent or null: not measured. */
  copyCpu?: CpuSplit | null;
  dump: number | null;
  fdwmig: FdwmigLineResult | null;
  load: FdwmigLineResult | null;
  /** replicate switchover under an application workload on OLD; absent or null: not run or failed. */
  switchover?: SwitchoverLineResult | null;
  /** The floor lines (floor.ts): batches into NEW only, and with each batch deleted on OLD; absent or null: not run or failed. */
  floorCopy?: FloorRun | null;
  floorDelete?: FloorRun | null;
}

export interface FloorRun {
  seconds: number;
  cpu: CpuSplit | null;
}

/** A floor line's medians over the runs where it and copy completed. */
export interface FloorFigure {
  seconds: number;
  ratioCopy: number;
  cpu: CpuSplit | null;
  runs: number;
}

/** Every run of one data size. */
export interface ScaleRuns {
  scale: number;
  rows: Record<string, number>;
  /** Tables and indexes on OLD, bytes. */
  bytes: number;
  runs: RunRecord[];
}

const done = (r: FdwmigLineResult | null): r is FdwmigLineResult => r !== null && r.move.failure === null;

/** Seconds of copy and of fdwmig in the runs where both completed: the pairs the ratios use. */
function pairs(runs: readonly RunRecord[]): { copy: number[]; fdwmig: number[]; results: FdwmigLineResult[] } {
  const ok = runs.filter((r) => r.copy !== null && done(r.fdwmig));
  return {
    copy: ok.map((r) => r.copy!),
    fdwmig: ok.map((r) => r.fdwmig!.move.seconds),
    results: ok.map((r) => r.fdwmig!),
  };
}

export interface Target {
  name: string;
  goal: string;
  value: string;
  /** null: not measured in this run (the reason is in value). */
  met: boolean | null;
}

export interface LoadSummary {
  before: PhaseStats;
  during: PhaseStats;
  after: PhaseStats;
  /** Median over runs of p99 during / p99 after, pair by pair. */
  p99Ratio: number;
  /** pgbench's error lines over all runs (clients aborted on an error it does not retry). */
  errors: string[];
  /** Runs the figures come from: those where migrate completed, or all when none did. */
  runs: number;
  completedRuns: number;
}

export interface Summary {
  totalRows: number;
  copySeconds: number;
  dumpSeconds: number | null;
  fdwmigSeconds: number;
  initSeconds: number;
  migrateSeconds: number;
  ratioFdwmigCopy: number;
  ratioDumpCopy: number | null;
  passes: number;
  finalized: boolean;
  tables: TableOutcome[];
  leftOnOld: Record<string, number>;
  load: LoadSummary | null;
  invariantProblems: string[];
  invariantChecks: number;
  scale: null | {
    scale: number;
    totalRows: number;
    copySeconds: number;
    fdwmigSeconds: number;
    ratioFdwmigCopy: number;
    perRowRatio: number;
    peakRssMb: number;
    runs: number;
    floor: Summary['floor'];
  };
  peakRssMb: number;
  switchover: SwitchoverSummary | null;
  /**
   * Median CPU seconds of the copy line and of fdwmig's no-load line, over the runs where both
   * completed and were measured; null when none was.
   */
  cpu: { copy: CpuSplit; fdwmig: CpuSplit; runs: number } | null;
  /**
   * The design floor: batches without fdwmig, into NEW only and with the delete on OLD; and
   * fdwmig over the latter, pair by pair (what fdwmig adds to its design's own cost). null: not run.
   */
  floor: { copyOnly: FloorFigure | null; withDelete: FloorFigure | null; fdwmigOverFloor: number | null } | null;
  targets: Target[];
}

export interface SwitchoverSummary {
  /** Median over the completed runs of the time writes on OLD were refused. */
  writesRefusedMs: number;
  /** Every run's figure, in run order. */
  allMs: number[];
  /** Median per step inside the pause, in the order of the first run. */
  steps: { step: string; ms: number }[];
  runs: number;
  accounts: number;
  /** Median of the application's committed transactions, and of its writes refused as expected. */
  transactions: number;
  refused: number;
  /** Runs where verify or the workload's invariant found a difference. */
  problems: string[];
}

function summarizeSwitchover(rs: readonly SwitchoverLineResult[]): SwitchoverSummary | null {
  const first = rs[0];
  if (!first) return null;
  return {
    writesRefusedMs: median(rs.map((r) => r.writesRefusedMs)),
    allMs: rs.map((r) => r.writesRefusedMs),
    runs: rs.length,
    accounts: first.accounts,
    steps: first.timeline.map((t, i) => ({
      step: t.step,
      ms: median(rs.map((r) => r.timeline[i]?.ms ?? Number.NaN).filter(Number.isFinite)),
    })),
    transactions: median(rs.map((r) => r.transactions)),
    refused: median(rs.map((r) => r.refused)),
    problems: rs.flatMap((r) => [...(r.verifyOk ? [] : ['verify found differences']), ...r.problems]),
  };
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

function medianPhase(ps: readonly PhaseStats[]): PhaseStats {
  const m = (f: (p: PhaseStats) => number) => median(ps.map(f));
  return {
    seconds: m((p) => p.seconds),
    committed: m((p) => p.committed),
    tps: m((p) => p.tps),
    p50Ms: m((p) => p.p50Ms),
    p99Ms: m((p) => p.p99Ms),
    failed: ps.reduce((a, p) => a + p.failed, 0),
    retried: ps.reduce((a, p) => a + p.retried, 0),
  };
}

function summarizeLoad(all: readonly FdwmigLineResult[]): LoadSummary | null {
  const completed = all.filter(done);
  const loads = (completed.length ? completed : all).flatMap((r) => (r.load ? [r.load] : []));
  if (loads.length === 0) return null;
  return {
    runs: loads.length,
    completedRuns: completed.length,
    before: medianPhase(loads.map((l) => l.phases.before)),
    during: medianPhase(loads.map((l) => l.phases.during)),
    after: medianPhase(loads.map((l) => l.phases.after)),
    p99Ratio: medianRatio(
      loads.map((l) => l.phases.during.p99Ms),
      loads.map((l) => l.phases.after.p99Ms),
    ),
    errors: loads.flatMap((l) => l.errors),
  };
}

function medianCpu(xs: readonly CpuSplit[]): CpuSplit {
  return {
    old: median(xs.map((x) => x.old)),
    new: median(xs.map((x) => x.new)),
    client: median(xs.map((x) => x.client)),
  };
}

/** Where the CPU went, copy against fdwmig, in the runs where both completed with a reading. */
function summarizeCpu(runs: readonly RunRecord[]): Summary['cpu'] {
  const both = runs.flatMap((r) =>
    r.copy !== null && r.copyCpu && done(r.fdwmig) && r.fdwmig.cpu ? [{ copy: r.copyCpu, fdwmig: r.fdwmig.cpu }] : [],
  );
  if (!both.length) return null;
  return { copy: medianCpu(both.map((b) => b.copy)), fdwmig: medianCpu(both.map((b) => b.fdwmig)), runs: both.length };
}

function summarizeFloorLine(
  runs: readonly RunRecord[],
  pick: (r: RunRecord) => FloorRun | null | undefined,
): FloorFigure | null {
  const ok = runs.filter((r) => r.copy !== null && pick(r));
  if (!ok.length) return null;
  const secs = ok.map((r) => pick(r)!.seconds);
  const cpus = ok.flatMap((r) => (pick(r)!.cpu ? [pick(r)!.cpu!] : []));
  return {
    seconds: median(secs),
    ratioCopy: medianRatio(
      secs,
      ok.map((r) => r.copy!),
    ),
    cpu: cpus.length ? medianCpu(cpus) : null,
    runs: ok.length,
  };
}

function summarizeFloor(runs: readonly RunRecord[]): Summary['floor'] {
  const copyOnly = summarizeFloorLine(runs, (r) => r.floorCopy);
  const withDelete = summarizeFloorLine(runs, (r) => r.floorDelete);
  if (!copyOnly && !withDelete) return null;
  const both = runs.filter((r) => r.floorDelete && done(r.fdwmig));
  const fdwmigOverFloor = both.length
    ? medianRatio(
        both.map((r) => r.fdwmig!.move.seconds),
        both.map((r) => r.floorDelete!.seconds),
      )
    : null;
  return { copyOnly, withDelete, fdwmigOverFloor };
}

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

const nonNull = <T>(xs: (T | null)[]): T[] => xs.filter((x): x is T => x !== null);

/** The fdwmig runs of each line that had one (failed or not), and all of them together. */
interface LineRuns {
  noLoad: FdwmigLineResult[];
  underLoad: FdwmigLineResult[];
  bigRuns: FdwmigLineResult[];
  all: FdwmigLineResult[];
}

/** Figures and targets; null when no fdwmig run without load completed (nothing to compare). */
export function summarize(
  base: ScaleRuns,
  big: ScaleRuns | null,
  notes: { load?: string; switchover?: string },
): Summary | null {
  const p = pairs(base.runs);
  const first = p.results[0];
  if (!first) return null;
  const noLoad = nonNull(base.runs.map((r) => r.fdwmig));
  const underLoad = nonNull(base.runs.map((r) => r.load));
  const bigRuns = nonNull(big?.runs.map((r) => r.fdwmig) ?? []);
  const lines: LineRuns = { noLoad, underLoad, bigRuns, all: [...noLoad, ...underLoad, ...bigRuns] };
  const totalRows = sum(base.rows);
  const dumps = base.runs.filter((r) => r.dump !== null && r.copy !== null);
  const s: Omit<Summary, 'targets'> = {
    totalRows,
    copySeconds: median(p.copy),
    dumpSeconds: dumps.length ? median(dumps.map((r) => r.dump!)) : null,
    fdwmigSeconds: median(p.fdwmig),
    initSeconds: median(p.results.map((r) => r.move.initSeconds)),
    migrateSeconds: median(p.results.map((r) => r.move.migrateSeconds)),
    ratioFdwmigCopy: medianRatio(p.fdwmig, p.copy),
    ratioDumpCopy: dumps.length
      ? medianRatio(
          dumps.map((r) => r.dump!),
          dumps.map((r) => r.copy!),
        )
      : null,
    passes: first.move.passes,
    finalized: first.move.finalized,
    tables: first.move.tables,
    leftOnOld: first.leftOnOld,
    load: summarizeLoad(underLoad),
    invariantProblems: lines.all.flatMap((r) => r.invariant.problems),
    invariantChecks: lines.all.length,
    scale: summarizeScale(big, p.fdwmig, totalRows),
    peakRssMb: Math.max(...lines.all.map((r) => r.move.peakRssMb)),
    switchover: summarizeSwitchover(nonNull(base.runs.map((r) => r.switchover ?? null))),
    cpu: summarizeCpu(base.runs),
    floor: summarizeFloor(base.runs),
  };
  return { ...s, targets: judgeTargets(s, lines, base.runs.length, notes) };
}

/**
 * The larger data size against the base one (`baseFdwmig`: fdwmig's seconds in the base pairs,
 * over `baseRows` rows); null when it was not run or no pair of it completed.
 */
function summarizeScale(big: ScaleRuns | null, baseFdwmig: number[], baseRows: number): Summary['scale'] {
  const bp = big ? pairs(big.runs) : null;
  if (!big || !bp || !bp.fdwmig.length) return null;
  const bigRows = sum(big.rows);
  const bigRuns = nonNull(big.runs.map((r) => r.fdwmig));
  return {
    scale: big.scale,
    totalRows: bigRows,
    copySeconds: median(bp.copy),
    fdwmigSeconds: median(bp.fdwmig),
    ratioFdwmigCopy: medianRatio(bp.fdwmig, bp.copy),
    perRowRatio: medianRatio(
      bp.fdwmig.map((s) => s / bigRows),
      baseFdwmig.map((s) => s / baseRows),
    ),
    peakRssMb: Math.max(...bigRuns.map((r) => r.move.peakRssMb)),
    runs: bp.fdwmig.length,
    floor: summarizeFloor(big.runs),
  };
}

/** The issue's targets, each judged against the figures (`runs`: the base size's runs). */
function judgeTargets(
  s: Omit<Summary, 'targets'>,
  lines: LineRuns,
  runs: number,
  notes: { load?: string; switchover?: string },
): Target[] {
  const { noLoad, underLoad, bigRuns, all } = lines;
  const { invariantProblems, peakRssMb, scale } = s;
  const completes = (xs: FdwmigLineResult[]) => `${xs.filter(done).length} of ${xs.length}`;
  return [
    {
      name: 'fdwmig completes: no load, under load, at 4x',
      goal: 'every run',
      value: `${completes(noLoad)}, ${underLoad.length ? completes(underLoad) : 'not run'}, ${bigRuns.length ? completes(bigRuns) : 'not run'}`,
      met: all.every(done),
    },
    { name: 'fdwmig / copy, no load', goal: '<= 1.4', value: fmt(s.ratioFdwmigCopy), met: s.ratioFdwmigCopy <= 1.4 },
    loadTarget(s.load, notes.load),
    {
      name: 'lost writes (pgbench invariant)',
      goal: '0',
      value: invariantProblems.length
        ? `${invariantProblems.length} problem(s) in ${all.length} checks`
        : `0 (invariant held in all ${all.length} runs)`,
      met: invariantProblems.length === 0,
    },
    {
      name: 'peak RSS of fdwmig',
      goal: '< 200 MB',
      value: `${fmt(peakRssMb, 0)} MB${scale ? ` (${fmt(scale.peakRssMb, 0)} MB at scale ${scale.scale})` : ''}`,
      met: peakRssMb < 200,
    },
    switchoverTarget(s.switchover, runs, notes.switchover),
  ];
}

/** p99 latency during the move against after it; `note`: why the load line was not run. */
function loadTarget(load: LoadSummary | null, note: string | undefined): Target {
  const target = { name: 'p99 during move / p99 after', goal: '<= 2' };
  if (load && load.completedRuns)
    return {
      ...target,
      value: `${fmt(load.p99Ratio)} (${fmt(load.during.p99Ms, 1)} ms / ${fmt(load.after.p99Ms, 1)} ms)`,
      met: load.p99Ratio <= 2,
    };
  if (load) return { ...target, value: 'migrate did not complete under load in any run', met: false };
  return { ...target, value: `not measured: ${note ?? 'no load line'}`, met: null };
}

/** The switchover's pause; `runs`: the base size's runs; `note`: why the line was not run. */
function switchoverTarget(sw: SwitchoverSummary | null, runs: number, note: string | undefined): Target {
  const target = { name: 'replication switchover: writes refused', goal: '< 2 s' };
  if (sw)
    return {
      ...target,
      value: `${fmt(sw.writesRefusedMs / 1000)} s (median of ${sw.runs} run(s)${sw.runs < runs ? ` of ${runs}` : ''})`,
      met: sw.writesRefusedMs < 2000,
    };
  return {
    ...target,
    value: `not measured: ${note ?? 'no switchover run completed'}`,
    met: note ? null : false,
  };
}
