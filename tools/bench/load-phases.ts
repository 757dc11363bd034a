/** Splits the workload's transactions into before, during and after the move. Pure. */
import type { TxRecord } from './pgbench-load.js';
import { percentile } from './stats.js';

export interface PhaseStats {
  seconds: number;
  /** Transactions that committed. */
  committed: number;
  tps: number;
  p50Ms: number;
  p99Ms: number;
  /** Transactions that failed after their retries (rolled back, reported to the application). */
  failed: number;
  /** Committed transactions that needed at least one retry (serialization failure or deadlock). */
  retried: number;
}

export interface LoadPhases {
  /** init-new done, rows still on OLD, served through postgres_fdw. */
  before: PhaseStats;
  /** While fdwmig migrate ran. */
  during: PhaseStats;
  /** After migrate: every row local (the foreign tables stay until cleanup). */
  after: PhaseStats;
}

function phase(txs: readonly TxRecord[], from: number, to: number): PhaseStats {
  const inside = txs.filter((t) => t.startMs >= from && t.startMs < to);
  const ok = inside.filter((t) => !t.failed);
  const lat = ok.map((t) => t.latencyMs);
  const seconds = Math.max(0, (to - from) / 1000);
  return {
    seconds,
    committed: ok.length,
    tps: seconds > 0 ? ok.length / seconds : NaN,
    p50Ms: percentile(lat, 50),
    p99Ms: percentile(lat, 99),
    failed: inside.length - ok.length,
    retried: ok.filter((t) => t.retries > 0).length,
  };
}

/** Epoch milliseconds: the load's start and end, and migrate's. */
export interface LoadWindow {
  loadStart: number;
  start: number;
  end: number;
  loadEnd: number;
}

/** Phases by start time: load start to migrate start, migrate's run, migrate's end to the load's end. */
export function splitPhases(txs: readonly TxRecord[], w: LoadWindow): LoadPhases {
  return {
    before: phase(txs, w.loadStart, w.start),
    during: phase(txs, w.start, w.end),
    after: phase(txs, w.end, w.loadEnd),
  };
}
