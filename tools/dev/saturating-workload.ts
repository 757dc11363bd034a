/**
 * A saturating application for tests and the benchmark: pgbench's TPC-B transaction, unthrottled,
 * in two lock orders at once. The `tpcb` clients update an account, its teller, then its
 * branch (pgbench's order); the `reverse` clients update branch, teller, then account. Both
 * insert a history row. With rows of those tables split between OLD and NEW, two clients can
 * wait for each other across the two servers (docs/PROTOCOL.md, "Deadlocks across the two
 * servers").
 *
 * Each transaction is retried, as an application would, on 40001 (serialization failure),
 * 40P01 (deadlock) and 57014 (a statement cancelled: fdwmig's guard breaking a cross-server
 * deadlock), up to `maxTries`; one that still fails counts as failed. pgbench's invariant (the
 * sums of account, teller and branch balances and of history's deltas are equal; history holds
 * one row per committed transaction) detects a lost or doubled write.
 */
import pg from 'pg';
import { closeClients, withClient } from '../../src/exec/connections.js';
import { isDatabaseError } from '../../src/errors.js';

/** The tables, as `pgbench -i --foreign-keys` makes them; history with a key unless `keylessHistory`. */
export function tpcbSchema(o: { keylessHistory?: boolean } = {}): string {
  return `CREATE TABLE pgbench_branches (bid int PRIMARY KEY, bbalance int NOT NULL, filler char(88));
CREATE TABLE pgbench_tellers (tid int PRIMARY KEY, bid int NOT NULL REFERENCES pgbench_branches, tbalance int NOT NULL, filler char(84));
CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int NOT NULL REFERENCES pgbench_branches, abalance int NOT NULL, filler char(84));
CREATE TABLE pgbench_history (${o.keylessHistory ? '' : 'hid bigserial PRIMARY KEY, '}tid int REFERENCES pgbench_tellers, bid int REFERENCES pgbench_branches,
  aid int REFERENCES pgbench_accounts, delta int, mtime timestamp, filler char(22));`;
}

/** Rows: `branches` branches, 10 tellers and `accountsPerBranch` accounts each, every balance 0. */
export function tpcbData(branches: number, accountsPerBranch: number): string {
  return `INSERT INTO pgbench_branches SELECT b, 0 FROM generate_series(1, ${branches}) b;
INSERT INTO pgbench_tellers SELECT t, (t - 1) / 10 + 1, 0 FROM generate_series(1, ${branches * 10}) t;
INSERT INTO pgbench_accounts SELECT a, (a - 1) / ${accountsPerBranch} + 1, 0 FROM generate_series(1, ${branches * accountsPerBranch}) a;
ANALYZE;`;
}

/**
 * Tries per transaction for tests whose subject is not hot rows: with a table's few hot rows
 * still on OLD, postgres_fdw's REPEATABLE READ there turns waits into 40001, and one transaction
 * in a run can exhaust pgbench's 50 tries (the issue on hiding moved rows takes that on).
 */
export const HOT_ROW_TRIES = 500;

export interface WorkloadOptions {
  /** Clients in pgbench's lock order (account, teller, branch). */
  tpcb: number;
  /** Clients in the opposite order (branch, teller, account). */
  reverse: number;
  branches: number;
  accountsPerBranch: number;
  /** Tries per transaction before it counts as failed. */
  maxTries?: number;
  /**
   * A client whose transaction has not ended this long after the run was stopped counts as
   * stuck, and its connection is cut (a wait no server will end).
   */
  stuckAfterMs?: number;
  seed?: number;
}

export interface WorkloadReport {
  committed: number;
  /** Retries by SQLSTATE (40001, 40P01, 57014). */
  retries: Record<string, number>;
  /** Transactions that failed after maxTries, or with an error no retry helps; their first errors. */
  failed: number;
  errors: string[];
  /** The longest any one try took, from BEGIN to COMMIT or error (ms). */
  maxTryMs: number;
  /** Clients still inside a transaction stuckAfterMs after the stop. */
  stuck: number;
  seconds: number;
}

export interface RunningWorkload {
  /** Stops the clients after their transaction in flight and reports. */
  stop(): Promise<WorkloadReport>;
  readonly report: WorkloadReport;
}

const RETRY = new Set(['40001', '40P01', '57014']);

/** Starts the clients against `url` (the application's server); they run until stop(). */
export function startSaturatingWorkload(url: string, o: WorkloadOptions): RunningWorkload {
  const report: WorkloadReport = {
    committed: 0,
    retries: {},
    failed: 0,
    errors: [],
    maxTryMs: 0,
    stuck: 0,
    seconds: 0,
  };
  const t0 = Date.now();
  let running = true;
  let seed = o.seed ?? 1;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor((seed / 2147483648) * n) + 1;
  };
  const clients: { client?: pg.Client; busy: boolean; done: Promise<void> }[] = [];
  const orders = [...Array<'tpcb'>(o.tpcb).fill('tpcb'), ...Array<'reverse'>(o.reverse).fill('reverse')];
  for (const order of orders) {
    const slot: { client?: pg.Client; busy: boolean; done: Promise<void> } = { busy: false, done: Promise.resolve() };
    slot.done = (async () => {
      const client = new pg.Client({ connectionString: url, application_name: `workload-${order}` });
      client.on('error', () => undefined);
      slot.client = client;
      await client.connect();
      while (running) {
        const aid = random(o.branches * o.accountsPerBranch);
        const tid = random(o.branches * 10);
        const bid = random(o.branches);
        const delta = random(10_001) - 5_001;
        slot.busy = true;
        await transfer(client, order, { aid, tid, bid, delta }, o.maxTries ?? 50, report);
        slot.busy = false;
      }
    })().catch((err: unknown) => {
      if (running) report.errors.push(`client: ${(err as Error).message}`);
    });
    clients.push(slot);
  }
  return {
    report,
    async stop() {
      running = false;
      const stuckAfter = o.stuckAfterMs ?? 10_000;
      const all = Promise.all(clients.map((c) => c.done));
      const late = await Promise.race([
        all.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), stuckAfter)),
      ]);
      if (late) {
        report.stuck = clients.filter((c) => c.busy).length;
        // Cut them: no server will end these waits.
        await closeClients(...clients.filter((c) => c.busy).map((c) => c.client));
        await all;
      }
      await closeClients(...clients.map((c) => c.client));
      report.seconds = (Date.now() - t0) / 1000;
      return report;
    },
  };
}

type Transfer = { aid: number; tid: number; bid: number; delta: number };

const STATEMENTS = {
  account: 'UPDATE pgbench_accounts SET abalance = abalance + $2 WHERE aid = $1',
  teller: 'UPDATE pgbench_tellers SET tbalance = tbalance + $2 WHERE tid = $1',
  branch: 'UPDATE pgbench_branches SET bbalance = bbalance + $2 WHERE bid = $1',
};

async function transfer(
  client: pg.Client,
  order: 'tpcb' | 'reverse',
  t: Transfer,
  maxTries: number,
  report: WorkloadReport,
) {
  const steps: [string, number][] = [
    [STATEMENTS.account, t.aid],
    [STATEMENTS.teller, t.tid],
    [STATEMENTS.branch, t.bid],
  ];
  if (order === 'reverse') steps.reverse();
  for (let attempt = 1; ; attempt++) {
    const started = Date.now();
    try {
      await client.query('BEGIN');
      for (const [sql, id] of steps) await client.query(sql, [id, t.delta]);
      if (order === 'tpcb') await client.query('SELECT abalance FROM pgbench_accounts WHERE aid = $1', [t.aid]);
      await client.query(
        'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)',
        [t.tid, t.bid, t.aid, t.delta],
      );
      await client.query('COMMIT');
      report.committed++;
      report.maxTryMs = Math.max(report.maxTryMs, Date.now() - started);
      return;
    } catch (err) {
      report.maxTryMs = Math.max(report.maxTryMs, Date.now() - started);
      await client.query('ROLLBACK').catch(() => undefined);
      const code = isDatabaseError(err) ? err.code : undefined;
      if (code && RETRY.has(code) && attempt < maxTries) {
        report.retries[code] = (report.retries[code] ?? 0) + 1;
        continue;
      }
      report.failed++;
      if (report.errors.length < 10) report.errors.push(`${code ?? '?'}: ${(err as Error).message}`);
      return;
    }
  }
}

export interface TpcbInvariant {
  accounts: number;
  tellers: number;
  branches: number;
  history: number;
  historyRows: number;
}

/** The sums pgbench's invariant compares, read through `url`. */
export async function readTpcbInvariant(url: string): Promise<TpcbInvariant> {
  return withClient(url, 'NEW', async (c) => {
    const r = (
      await c.query<Record<keyof TpcbInvariant, string>>(`SELECT
  (SELECT coalesce(sum(abalance), 0) FROM pgbench_accounts)::text AS accounts,
  (SELECT coalesce(sum(tbalance), 0) FROM pgbench_tellers)::text AS tellers,
  (SELECT coalesce(sum(bbalance), 0) FROM pgbench_branches)::text AS branches,
  (SELECT coalesce(sum(delta), 0) FROM pgbench_history)::text AS history,
  (SELECT count(*) FROM pgbench_history)::text AS "historyRows"`)
    ).rows[0]!;
    return {
      accounts: Number(r.accounts),
      tellers: Number(r.tellers),
      branches: Number(r.branches),
      history: Number(r.history),
      historyRows: Number(r.historyRows),
    };
  });
}
