/**
 * The benchmark's data: pgbench's four tables with pgbench's own DDL (`pgbench -i
 * --foreign-keys`), generated in SQL so that any scale works without pgbench. History, which has
 * no primary key, starts with 1% as many rows as accounts (pgbench -i leaves it empty), and every
 * balance equals the sum of its history deltas, the invariant the workload keeps.
 */
import type pg from 'pg';
import { qualified } from '../../src/sql/quote.js';

/** pgbench's fixed ratios: per unit of scale, 1 branch, 10 tellers, 100 000 accounts. */
export const ACCOUNTS_PER_SCALE = 100_000;
const TELLERS_PER_BRANCH = 10;
/** History rows per account at the start: enough to exercise a table without a primary key. */
const HISTORY_PER_ACCOUNT = 0.01;

export const TABLES = ['pgbench_accounts', 'pgbench_branches', 'pgbench_history', 'pgbench_tellers'] as const;

/** Each table's primary key column (PRIMARY_KEYS below), null for history, which has none. */
export const KEY_COLUMNS: Record<(typeof TABLES)[number], string | null> = {
  pgbench_accounts: 'aid',
  pgbench_branches: 'bid',
  pgbench_history: null,
  pgbench_tellers: 'tid',
};

export interface DatasetShape {
  scale: number;
  accounts: number;
  tellers: number;
  branches: number;
  history: number;
}

/** Row counts for a scale; fractional scales (small smoke runs) keep at least one branch. */
export function datasetShape(scale: number): DatasetShape {
  const accounts = Math.max(1, Math.round(scale * ACCOUNTS_PER_SCALE));
  const branches = Math.max(1, Math.ceil(scale));
  return {
    scale,
    accounts,
    branches,
    tellers: branches * TELLERS_PER_BRANCH,
    history: Math.round(accounts * HISTORY_PER_ACCOUNT),
  };
}

/** pgbench 15's CREATE TABLEs (aid becomes bigint only beyond scale 20 000). */
const CREATE_TABLES = [
  'CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22))',
  'CREATE TABLE pgbench_tellers (tid int NOT NULL, bid int, tbalance int, filler char(84)) WITH (fillfactor = 100)',
  'CREATE TABLE pgbench_accounts (aid int NOT NULL, bid int, abalance int, filler char(84)) WITH (fillfactor = 100)',
  'CREATE TABLE pgbench_branches (bid int NOT NULL, bbalance int, filler char(88)) WITH (fillfactor = 100)',
];
const PRIMARY_KEYS = [
  'ALTER TABLE pgbench_branches ADD PRIMARY KEY (bid)',
  'ALTER TABLE pgbench_tellers ADD PRIMARY KEY (tid)',
  'ALTER TABLE pgbench_accounts ADD PRIMARY KEY (aid)',
];
/** pgbench's `f` init step. */
const FOREIGN_KEYS = [
  'ALTER TABLE pgbench_tellers ADD CONSTRAINT pgbench_tellers_bid_fkey FOREIGN KEY (bid) REFERENCES pgbench_branches',
  'ALTER TABLE pgbench_accounts ADD CONSTRAINT pgbench_accounts_bid_fkey FOREIGN KEY (bid) REFERENCES pgbench_branches',
  'ALTER TABLE pgbench_history ADD CONSTRAINT pgbench_history_bid_fkey FOREIGN KEY (bid) REFERENCES pgbench_branches',
  'ALTER TABLE pgbench_history ADD CONSTRAINT pgbench_history_tid_fkey FOREIGN KEY (tid) REFERENCES pgbench_tellers',
  'ALTER TABLE pgbench_history ADD CONSTRAINT pgbench_history_aid_fkey FOREIGN KEY (aid) REFERENCES pgbench_accounts',
];

/** The empty schema: with FKs for OLD and for NEW as an application's migration tool makes it; without for the copy baseline. */
export async function createSchema(db: pg.Client, o: { foreignKeys: boolean }): Promise<void> {
  for (const sql of [...CREATE_TABLES, ...PRIMARY_KEYS, ...(o.foreignKeys ? FOREIGN_KEYS : [])]) await db.query(sql);
}

// Deterministic pseudo-random history rows (multiplicative hashing of the row number); deltas
// in pgbench's range -5000..5000.
const HISTORY_SQL = `INSERT INTO pgbench_history (tid, bid, aid, delta, mtime, filler)
SELECT 1 + (g * 7919) % $2, 1 + (g * 104729) % $3, 1 + (g * 2654435761) % $4, (g * 6151) % 10001 - 5000,
       timestamp '2026-01-01' + g * interval '1 second', ''
  FROM generate_series(1, $1::int8) g`;
const BRANCHES_SQL = `INSERT INTO pgbench_branches (bid, bbalance)
SELECT b.bid, coalesce(h.s, 0) FROM generate_series(1, $1::int) b(bid)
  LEFT JOIN (SELECT bid, sum(delta)::int AS s FROM pgbench_history GROUP BY bid) h ON h.bid = b.bid`;
const TELLERS_SQL = `INSERT INTO pgbench_tellers (tid, bid, tbalance)
SELECT t.tid, (t.tid - 1) / ${TELLERS_PER_BRANCH} + 1, coalesce(h.s, 0) FROM generate_series(1, $1::int) t(tid)
  LEFT JOIN (SELECT tid, sum(delta)::int AS s FROM pgbench_history GROUP BY tid) h ON h.tid = t.tid`;
const ACCOUNTS_SQL = `INSERT INTO pgbench_accounts (aid, bid, abalance, filler)
SELECT a.aid, (a.aid - 1) / ${ACCOUNTS_PER_SCALE} + 1, coalesce(h.s, 0), '' FROM generate_series(1, $1::int) a(aid)
  LEFT JOIN (SELECT aid, sum(delta)::int AS s FROM pgbench_history GROUP BY aid) h ON h.aid = a.aid`;

/** Fills an empty database made by createSchema without FKs, then adds pgbench's FKs. */
export async function generateData(db: pg.Client, shape: DatasetShape): Promise<void> {
  await db.query(HISTORY_SQL, [shape.history, shape.tellers, shape.branches, shape.accounts]);
  await db.query(BRANCHES_SQL, [shape.branches]);
  await db.query(TELLERS_SQL, [shape.tellers]);
  await db.query(ACCOUNTS_SQL, [shape.accounts]);
  // pgbench's `v` step; also sets hint bits, so that no measured reader pays for them.
  await db.query('VACUUM (FREEZE, ANALYZE) pgbench_history, pgbench_branches, pgbench_tellers, pgbench_accounts');
  for (const sql of FOREIGN_KEYS) await db.query(sql);
}

export interface TableSize {
  table: string;
  rows: number;
  bytes: number;
}

/** Rows and on-disk size (table, TOAST and indexes) of each table as this database holds it locally. */
export async function tableSizes(db: pg.Client): Promise<TableSize[]> {
  const out: TableSize[] = [];
  for (const t of TABLES) {
    const r = await db.query<{ n: string; b: string }>(
      `SELECT (SELECT count(*) FROM ONLY ${qualified('public', t)}) AS n, pg_total_relation_size($1::regclass) AS b`,
      [qualified('public', t)],
    );
    out.push({ table: t, rows: Number(r.rows[0]!.n), bytes: Number(r.rows[0]!.b) });
  }
  return out;
}

export interface InvariantResult {
  ok: boolean;
  problems: string[];
  sums: { history: number; accounts: number; tellers: number; branches: number };
}

/**
 * pgbench's invariant, through whichever server is asked: each of the three balance sums equals
 * the sum of history's deltas (every transaction adds one delta to one account, one teller, one
 * branch and one history row), and every account is there exactly once. A lost or doubled
 * write breaks one of them.
 */
export async function checkInvariant(db: pg.Client, shape: DatasetShape): Promise<InvariantResult> {
  const r = await db.query<Record<string, string>>(`SELECT
      (SELECT coalesce(sum(delta), 0) FROM pgbench_history) AS history,
      (SELECT coalesce(sum(abalance), 0) FROM pgbench_accounts) AS accounts,
      (SELECT coalesce(sum(tbalance), 0) FROM pgbench_tellers) AS tellers,
      (SELECT coalesce(sum(bbalance), 0) FROM pgbench_branches) AS branches,
      (SELECT count(*) FROM pgbench_accounts) AS n, (SELECT count(DISTINCT aid) FROM pgbench_accounts) AS d`);
  const row = r.rows[0]!;
  const sums = {
    history: Number(row.history),
    accounts: Number(row.accounts),
    tellers: Number(row.tellers),
    branches: Number(row.branches),
  };
  const problems: string[] = [];
  for (const k of ['accounts', 'tellers', 'branches'] as const) {
    if (sums[k] !== sums.history)
      problems.push(`sum of ${k} balances ${sums[k]} <> sum of history deltas ${sums.history}`);
  }
  if (Number(row.n) !== shape.accounts || Number(row.d) !== shape.accounts) {
    problems.push(`pgbench_accounts: ${row.n} rows, ${row.d} distinct, expected ${shape.accounts}`);
  }
  return { ok: problems.length === 0, problems, sums };
}
