/**
 * An application-like workload for tests, the demo and the benchmark: transfers that each
 * update one account's balance and log the delta, through NEW, while rows move. Its invariant
 * (every balance equals its start plus the sum of its logged deltas) detects any lost write.
 * Its SQL is in sql/demo/bank*.sql, which the Docker example's init scripts load as well.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { maskUrl } from '../../src/config/url.js';
import { FdwmigError } from '../../src/errors.js';
import { closeClient, closeClients, connect } from '../../src/exec/connections.js';
import { REPO_ROOT } from '../repo-root.js';

const bankSql = (name: string) => readFileSync(new URL(`sql/demo/${name}.sql`, REPO_ROOT), 'utf8');

/** The accounts and ledger tables, for OLD and NEW alike. */
export const BANK_SCHEMA = bankSql('bank');

/** The balance every account starts with: the one sql/demo/bank-data.sql writes. */
export const START_BALANCE = 1000;

/** Rows for OLD: `accounts` accounts, each with START_BALANCE. */
export function bankData(accounts: number): string {
  return bankSql('bank-data').replaceAll('$ACCOUNTS', String(accounts));
}

export interface WorkloadStats {
  transactions: number;
  /** Retryable errors the application saw (serialization failure, deadlock), then retried. */
  retried: number;
  /** Statements that updated no row although the account exists: lost writes. Must be 0. */
  lostWrites: number;
  /** UPDATEs that touched two copies of a row (briefly doubled while it moves). */
  doubledUpdates: number;
  /** Reads that counted an account twice. */
  doubledReads: number;
  otherErrors: string[];
  latenciesMs: number[];
}

export interface Workload {
  stop(): Promise<WorkloadStats>;
  stats: WorkloadStats;
}

const RETRYABLE = new Set(['40001', '40P01']);
/** What pg_stat_activity shows for the workload's sessions. */
const APPLICATION_NAME = 'workload';

/** Starts `clients` connections running transfers against `url` until stopped. */
export function startWorkload(url: string, accounts: number, clients = 2, seed = 1): Workload {
  const stats: WorkloadStats = {
    transactions: 0,
    retried: 0,
    lostWrites: 0,
    doubledUpdates: 0,
    doubledReads: 0,
    otherErrors: [],
    latenciesMs: [],
  };
  let running = true;
  let rnd = seed;
  const next = () => (rnd = (rnd * 1103515245 + 12345) % 2147483648) / 2147483648;
  const loop = async (c: pg.Client) => {
    while (running) {
      const id = 1 + Math.floor(next() * accounts);
      const delta = Math.floor(next() * 21) - 10;
      const t0 = performance.now();
      try {
        await c.query('BEGIN');
        const u = await c.query('UPDATE accounts SET balance = balance + $1 WHERE id = $2', [delta, id]);
        if (u.rowCount === 0) stats.lostWrites++;
        if ((u.rowCount ?? 0) > 1) stats.doubledUpdates++;
        await c.query('INSERT INTO ledger (account_id, delta) VALUES ($1, $2)', [id, delta]);
        await c.query('COMMIT');
        stats.transactions++;
        stats.latenciesMs.push(performance.now() - t0);
        if (stats.transactions % 10 === 0) {
          const r = await c.query('SELECT count(*)::int AS n FROM accounts WHERE id = $1', [id]);
          if (r.rows[0].n > 1) stats.doubledReads++;
        }
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        const code = (err as { code?: string }).code ?? '';
        if (RETRYABLE.has(code)) {
          stats.retried++;
          continue;
        }
        if (stats.otherErrors.length < 20) stats.otherErrors.push(`${code} ${(err as Error).message}`);
        // Anything else (the connection gone, the server shutting down): this client stops, and
        // the error is reported, rather than spinning on a dead connection.
        if (!code || code.startsWith('08') || code.startsWith('57')) return;
        await delay(10);
      }
    }
  };
  const conns: pg.Client[] = [];
  const done = (async () => {
    for (let i = 0; i < clients; i++) {
      const c = new pg.Client({ connectionString: url, application_name: APPLICATION_NAME });
      c.on('error', () => undefined);
      await c.connect();
      conns.push(c);
    }
    await Promise.all(conns.map(loop));
  })();
  return {
    stats,
    stop: async () => {
      running = false;
      await done.catch((e: unknown) => stats.otherErrors.push(String(e)));
      await closeClients(...conns);
      return stats;
    },
  };
}

/** Accounts whose balance is not START_BALANCE plus their logged deltas, or missing or doubled. */
export async function checkInvariant(db: pg.Client, accounts: number): Promise<{ ok: boolean; problems: string[] }> {
  const r = await db.query(`SELECT a.id, a.balance, ${START_BALANCE} + coalesce(l.s, 0) AS expected
      FROM accounts a LEFT JOIN (SELECT account_id, sum(delta) AS s FROM ledger GROUP BY 1) l ON l.account_id = a.id
     WHERE a.balance <> ${START_BALANCE} + coalesce(l.s, 0) LIMIT 20`);
  const c = await db.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM accounts');
  const problems = r.rows.map((x) => `account ${x.id}: balance ${x.balance}, expected ${x.expected}`);
  if (c.rows[0].n !== accounts || c.rows[0].d !== accounts)
    problems.push(`accounts: ${c.rows[0].n} rows, ${c.rows[0].d} distinct, expected ${accounts}`);
  return { ok: problems.length === 0, problems };
}

export interface WorkloadRunOptions {
  accounts: number;
  clients: number;
  seconds: number;
  seed: number;
  /** Called every `progressEverySeconds` with the counts so far. */
  onProgress?: (elapsedSeconds: number, stats: WorkloadStats) => void;
  progressEverySeconds?: number;
}

export interface WorkloadRun {
  stats: WorkloadStats;
  invariant: { ok: boolean; problems: string[] };
  /** True when the workload saw no lost write, no other error and an intact invariant. */
  ok: boolean;
}

/**
 * The workload as a program (`fdwmig-dev workload`): runs for `seconds` against `url`, then checks
 * the invariant there. Refuses to start unless `url` shows exactly `accounts` accounts, since an
 * update of an account the database does not serve yet would count as a lost write.
 */
export async function runWorkloadFor(url: string, o: WorkloadRunOptions): Promise<WorkloadRun> {
  const seen = await countAccounts(url);
  if (seen !== o.accounts) {
    throw new FdwmigError(`the database at ${maskUrl(url)} shows ${seen} accounts, not ${o.accounts}`, {
      code: 'WORKLOAD',
      exitCode: 1,
      hint:
        seen === 0
          ? "run fdwmig init-new first: the workload runs through NEW once it serves OLD's rows"
          : `pass --accounts ${seen}`,
    });
  }
  const workload = startWorkload(url, o.accounts, o.clients, o.seed);
  const t0 = Date.now();
  const every = (o.progressEverySeconds ?? 10) * 1000;
  const ticker = setInterval(() => o.onProgress?.(Math.round((Date.now() - t0) / 1000), workload.stats), every);
  try {
    await delay(o.seconds * 1000);
  } finally {
    clearInterval(ticker);
  }
  const stats = await workload.stop();
  const invariant = await withWorkloadClient(url, (c) => checkInvariant(c, o.accounts));
  return { stats, invariant, ok: invariant.ok && stats.lostWrites === 0 && stats.otherErrors.length === 0 };
}

async function countAccounts(url: string): Promise<number> {
  return withWorkloadClient(url, async (c) => {
    try {
      return Number((await c.query('SELECT count(*) AS n FROM accounts')).rows[0].n);
    } catch (err) {
      if ((err as { code?: string }).code !== '42P01') throw err;
      throw new FdwmigError(`the database at ${maskUrl(url)} has no accounts table`, {
        code: 'WORKLOAD',
        exitCode: 1,
        hint: 'load sql/demo/bank.sql on OLD and NEW, and bank-data.sql on OLD (the demo and the Docker example do)',
      });
    }
  });
}

/**
 * Runs fn on a session of the program's own and always closes it: the product's connect(), which
 * names a failure as NEW's (the database the program runs through), under the application_name
 * of the workload's sessions rather than fdwmig's (withClient's), since it is not fdwmig's.
 */
async function withWorkloadClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await connect(url, 'NEW', APPLICATION_NAME);
  try {
    return await fn(c);
  } finally {
    await closeClient(c);
  }
}
