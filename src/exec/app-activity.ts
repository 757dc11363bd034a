/**
 * Yielding to the application: while other sessions are busy on NEW's database, migrate runs one
 * pipeline at a time and rests between batches, so that the application's statements find CPU
 * and WAL flushes free more often. With no application activity every pipeline runs flat out.
 * The activity is sampled from pg_stat_activity at most every SAMPLE_MS, by whichever pipeline
 * is about to start a batch, on its own NEW connection (between transactions); it counts once
 * two samples in a row find it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Queryable } from '../sql/queryable.js';
import { GUARD_APPLICATION_NAME } from './deadlock-guard.js';

/**
 * Other client sessions on this database doing something now (in a statement or transaction),
 * by pid, to say whom migrate yields to; $1: fdwmig's own sessions when the query was sent.
 */
const BUSY = `SELECT pid, application_name AS app, state FROM pg_catalog.pg_stat_activity
 WHERE datname = current_database()
   AND pid <> ALL ($1::int[])
   AND application_name IS DISTINCT FROM '${GUARD_APPLICATION_NAME}'
   AND CASE WHEN backend_type IS NULL THEN usename IS NOT NULL AND backend_xmin IS NOT NULL
            ELSE backend_type = 'client backend' AND state <> 'idle' END
 ORDER BY pid LIMIT 100`;

export interface BusySample {
  n: number;
  /** Up to three of them, as `pid 123 (psql, idle in transaction)`. */
  examples: string[];
}

/**
 * The other client sessions busy on db's database now. `ownPids` is asked twice: a session of
 * fdwmig's own that opened while the query ran (its pid is added before it sends its first
 * statement, so before the server could see it busy) is left out by the second answer. Asked
 * once, it made migrate take its own new mover, busy with its session settings, for the
 * application (migrate.test.ts caught it: one pipeline at a time where two should run).
 */
export async function sampleBusy(db: Queryable, ownPids: () => readonly number[]): Promise<BusySample> {
  const rows = (await db.query<{ pid: number; app: string | null; state: string | null }>(BUSY, [[...ownPids()]])).rows;
  const own = new Set(ownPids());
  const busy = rows.filter((r) => !own.has(r.pid));
  return {
    n: busy.length,
    examples: busy
      .slice(0, 3)
      .map((r) => `pid ${r.pid} (${r.app || 'no application_name'}, ${r.state ?? 'state hidden'})`),
  };
}

const SAMPLE_MS = 200;
/** After activity was last seen (in two samples in a row), how long the application still counts as busy. */
const HOLD_MS = 2_000;
/** While busy, a pipeline rests this many times as long as its last batch took, between batches. */
const REST_FACTOR = 1;
/**
 * Before the first batch: up to this many quick samples, PRIME_GAP_MS apart; activity in any of
 * them makes the move start yielding. The regular samples (two in a row, SAMPLE_MS apart) would
 * let the first batches of a busy application's move run flat out, at the quiet batch size.
 */
const PRIME_SAMPLES = 5;
const PRIME_GAP_MS = 10;

export interface YieldOptions {
  ownPids: () => readonly number[];
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Told when the application starts or stops counting as busy, with a few of the busy sessions. */
  onChange?: (busy: boolean, seen: readonly string[]) => void;
}

export class AppYield {
  private lastSample = -Infinity;
  private busyUntil = -Infinity;
  private solo: symbol | null = null;
  private wasBusy = false;
  /** Samples in a row that found activity: one alone (a passing admin query) is not load. */
  private streak = 0;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private primed: Promise<void> | null = null;
  /** The busy sessions of the last sample that found any. */
  private seen: string[] = [];

  constructor(private readonly o: YieldOptions) {
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? ((ms) => delay(ms));
  }

  /** Whether the application counted as busy at the last sample (or within HOLD_MS of it). */
  busy(): boolean {
    return this.now() < this.busyUntil;
  }

  /**
   * Starts the quick samples taken before the first batch, on `db` (a NEW connection of fdwmig's
   * own that nothing else uses meanwhile); every turn waits for them. A failed sample counts as
   * none: the regular samples go on.
   */
  prime(db: Queryable): void {
    this.primed = (async () => {
      for (let i = 0; i < PRIME_SAMPLES; i++) {
        if (i) await this.sleep(PRIME_GAP_MS);
        const s = await sampleBusy(db, this.o.ownPids);
        if (s.n > 0) {
          this.seen = s.examples;
          this.lastSample = this.now();
          this.streak = 2;
          this.busyUntil = this.now() + HOLD_MS;
          this.tellChange();
          return;
        }
      }
    })().catch(() => undefined);
  }

  private tellChange(): void {
    if (this.busy() !== this.wasBusy) {
      this.wasBusy = this.busy();
      this.o.onChange?.(this.wasBusy, this.wasBusy ? this.seen : []);
    }
  }

  private async sample(db: Queryable): Promise<void> {
    if (this.now() - this.lastSample < SAMPLE_MS) return;
    this.lastSample = this.now();
    const s = await sampleBusy(db, this.o.ownPids);
    if (s.n > 0) this.seen = s.examples;
    this.streak = s.n > 0 ? this.streak + 1 : 0;
    if (this.streak >= 2) this.busyUntil = this.now() + HOLD_MS;
    this.tellChange();
  }

  /**
   * Waits until pipeline `me` may start its next batch: at once when the application is idle;
   * while it is busy, once `me` is the one pipeline running (the first to ask keeps the turn
   * until it calls done) and has rested after its last batch (`lastBatchMs`). Returns early when
   * `signal` aborts.
   */
  async turn(me: symbol, db: Queryable, lastBatchMs: number, signal?: AbortSignal): Promise<void> {
    let rested = false;
    if (this.primed) await this.primed;
    for (;;) {
      if (signal?.aborted) return;
      await this.sample(db);
      if (!this.busy()) {
        if (this.solo === me) this.solo = null;
        return;
      }
      this.solo ??= me;
      if (this.solo === me) {
        if (rested || lastBatchMs <= 0) return;
        rested = true;
        await this.sleep(Math.min(lastBatchMs * REST_FACTOR, 1_000));
        continue;
      }
      await this.sleep(SAMPLE_MS);
    }
  }

  /** Pipeline `me` has no more batches: another may take the turn. */
  done(me: symbol): void {
    if (this.solo === me) this.solo = null;
  }
}
