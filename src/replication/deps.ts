/** What the replication mode's functions get from outside: Deps plus a clock and verify. */
import { setTimeout as delay } from 'node:timers/promises';
import type { Config } from '../config/schema.js';
import type { Deps } from '../exec/connections.js';

/** The outcome of `fdwmig verify` with content comparison, as switchover needs it. */
export interface VerifyOutcome {
  ok: boolean;
  /** One line per problem (or a one-line summary when there is none). */
  lines: string[];
}

export interface ReplicationDeps extends Deps {
  /** Milliseconds from a monotonic clock (performance.now()). */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** The shared verify, comparing OLD's and NEW's rows; switchover runs it last (skipped when absent). */
  verify?(config: Config): Promise<VerifyOutcome>;
}

/** The real clock and sleep. */
export const realClock = {
  now: () => performance.now(),
  sleep: (ms: number): Promise<void> => delay(ms),
};
