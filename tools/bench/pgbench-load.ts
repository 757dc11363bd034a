/**
 * Line 4's application: pgbench's built-in TPC-B-like script against NEW, run as back-to-back
 * slices of SLICE_SECONDS so that it can be stopped at a slice boundary and every transaction
 * is in a per-transaction log (pgbench writes its logs only when it ends). Each transaction is
 * then placed before, during or after the move by when it started (a transaction held up by the
 * move and finishing after it counts as during).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetShape } from './dataset.js';
import { toolEnv } from './tools.js';

const SLICE_SECONDS = 5;
/** Serialization failures and deadlocks are retried as an application would; beyond this, counted failed. */
const MAX_TRIES = 10;

/** pgbench 15's built-in "tpcb-like" script, with the ranges passed in (-D) so any scale works. */
export const TPCB_SCRIPT = `\\set aid random(1, :naccounts)
\\set bid random(1, :nbranches)
\\set tid random(1, :ntellers)
\\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
END;
`;

export interface LoadOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  shape: DatasetShape;
  clients: number;
  /** Target transactions per second over all clients; 0 runs as fast as it can. */
  rate: number;
}

/** One transaction from pgbench's log. */
export interface TxRecord {
  /** When it was scheduled to start (with --rate) or started, epoch milliseconds. */
  startMs: number;
  /** When it completed, epoch milliseconds. */
  endMs: number;
  latencyMs: number;
  /** Failed after its retries (serialization or deadlock), or rolled back for another error. */
  failed: boolean;
  retries: number;
}

export interface LoadTrace {
  transactions: TxRecord[];
  /** pgbench's own error lines (a client aborted on an error it does not retry). */
  errors: string[];
  slices: number;
}

/**
 * Parses pgbench 15 per-transaction log lines, run with --rate or not and with --max-tries > 1:
 * `client_id tx_no time script_no epoch epoch_us [schedule_lag] retries`; time is the latency in
 * microseconds, or `failed`/`serialization`/`deadlock` (--failures-detailed).
 */
export function parsePgbenchLog(text: string, withRate: boolean): TxRecord[] {
  const out: TxRecord[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const endMs = Number(f[4]) * 1000 + Number(f[5]) / 1000;
    const failed = !/^\d+$/.test(f[2]!);
    const retries = Number(f[withRate ? 7 : 6] ?? 0);
    const latencyMs = failed ? NaN : Number(f[2]) / 1000;
    out.push({
      startMs: failed ? endMs : endMs - latencyMs,
      endMs,
      latencyMs,
      failed,
      retries: Number.isFinite(retries) ? retries : 0,
    });
  }
  return out;
}

function pgbenchArgs(o: LoadOptions, scriptFile: string, logPrefix: string): string[] {
  return [
    '--no-vacuum',
    '--file',
    scriptFile,
    '--client',
    String(o.clients),
    '--jobs',
    '1',
    '--time',
    String(SLICE_SECONDS),
    '-D',
    `naccounts=${o.shape.accounts}`,
    '-D',
    `nbranches=${o.shape.branches}`,
    '-D',
    `ntellers=${o.shape.tellers}`,
    `--max-tries=${MAX_TRIES}`,
    '--failures-detailed',
    '--log',
    `--log-prefix=${logPrefix}`,
    ...(o.rate > 0 ? ['--rate', String(o.rate)] : []),
  ];
}

function runSlice(o: LoadOptions, args: string[], dir: string): Promise<string[]> {
  const env = toolEnv({
    PGHOST: o.host,
    PGPORT: String(o.port),
    PGUSER: o.user,
    PGPASSWORD: o.password,
    PGDATABASE: o.database,
  });
  return new Promise((resolve, reject) => {
    const child = spawn('pgbench', args, { env, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      // Exit 2: some clients aborted on an error, the others ran on; anything else is a setup error.
      const errors = stderr
        .split('\n')
        .filter((l) => /error|abort/i.test(l))
        .map((l) => l.trim());
      if (code === 0 || code === 2)
        resolve(code === 2 && errors.length === 0 ? ['pgbench exited 2 with no message'] : errors);
      else reject(new Error(`pgbench failed (${code}): ${stderr.trim().slice(-500)}`));
    });
  });
}

export interface RunningLoad {
  /** Ends the load at the next slice boundary and returns every transaction. */
  stop(): Promise<LoadTrace>;
}

/** Starts pgbench slices against NEW; the first slice is running when this resolves. */
export function startLoad(o: LoadOptions): RunningLoad {
  const dir = mkdtempSync(join(tmpdir(), 'fdwmig-bench-pgbench-'));
  const scriptFile = join(dir, 'tpcb-like.sql');
  writeFileSync(scriptFile, TPCB_SCRIPT);
  let stopping = false;
  let slices = 0;
  const errors: string[] = [];
  const loop = (async () => {
    while (!stopping) {
      errors.push(...(await runSlice(o, pgbenchArgs(o, scriptFile, join(dir, `slice${slices}`)), dir)));
      slices++;
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      try {
        await loop;
        const transactions = readdirSync(dir)
          .filter((f) => f.startsWith('slice'))
          .flatMap((f) => parsePgbenchLog(readFileSync(join(dir, f), 'utf8'), o.rate > 0));
        return { transactions: transactions.sort((a, b) => a.endMs - b.endMs), errors, slices };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
