/**
 * Line 6: `replicate start --snapshot` then `replicate switchover` while an application (the
 * bank transfer workload of tools/dev/workload.ts, 2 clients, as its own login role) writes to
 * OLD, on fresh databases of the same two servers. Measured: how long switchover refused the
 * application's writes on OLD (from the first refusing statement until NEW was ready), and
 * that no committed write was lost (every balance on NEW equals its start plus its ledger).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Deps } from '../../src/exec/connections.js';
import { BANK_SCHEMA, bankData, checkInvariant, startWorkload } from '../dev/workload.js';
import { connect } from '../../src/exec/connections.js';
import { dumpSchema } from '../../src/exec/pg-dump.js';
import { runReplicateCleanup } from '../../src/replication/cleanup.js';
import { realClock, type ReplicationDeps } from '../../src/replication/deps.js';
import { runReplicateStart } from '../../src/replication/start.js';
import { runReplicateStatus } from '../../src/replication/status.js';
import { runSwitchover, type SwitchoverResult } from '../../src/replication/switchover.js';
import { verifyAfterSwitch } from '../../src/replication/verify-after-switch.js';
import { createDatabase, dropDatabase, settle, withDb, type BenchServers } from './servers.js';

/** Accounts of the bank workload's table per unit of pgbench scale (at least 1 000). */
export const SWITCHOVER_ACCOUNTS_PER_SCALE = 10_000;
const APP_CLIENTS = 2;
/** Seconds the application writes with replication streaming before the switchover. */
const STREAMING_SECONDS = 2;
/** Same as `replicate switchover`'s defaults. */
const MAX_LAG_BYTES = 1_048_576;
const TIMEOUT_MS = 300_000;
/** What the write refusal does to the application: a read-only error or an ended session. */
const EXPECTED = /^(25006|57P01) |^ ?(Connection terminated|Client has encountered a connection error)/;

export interface SwitchoverLineResult {
  writesRefusedMs: number;
  timeline: { step: string; ms: number }[];
  accounts: number;
  /** The application's committed transactions on OLD over the whole line. */
  transactions: number;
  /** Its writes refused by the switchover (read-only error or ended session), as expected. */
  refused: number;
  verifyOk: boolean;
  invariantOk: boolean;
  problems: string[];
}

let counter = 0;

export function switchoverAccounts(scale: number): number {
  return Math.max(1000, Math.round(SWITCHOVER_ACCOUNTS_PER_SCALE * scale));
}

export async function runSwitchoverLine(
  servers: BenchServers,
  scale: number,
  log: (m: string) => void,
): Promise<SwitchoverLineResult> {
  const n = ++counter;
  const line: LineNames = {
    name: `bench_repl_${process.pid}_${n}`,
    role: `bench_app_${process.pid}_${n}`,
    // A throwaway password for a role on a throwaway server.
    password: `bench-app-${n}`,
  };
  const accounts = switchoverAccounts(scale);
  const base: Deps = { connect, dumpSchema, log: () => undefined };
  const deps: ReplicationDeps = { ...base, ...realClock, verify: verifyAfterSwitch(base) };
  let config: Config | undefined;
  try {
    const { oldUrl, newUrl } = await prepareDatabases(servers, line, accounts);
    config = await lineConfig(oldUrl, newUrl, line);
    const app = new URL(oldUrl);
    app.username = line.role;
    app.password = line.password;
    const workload = startWorkload(app.toString(), accounts, APP_CLIENTS, 7 + n);
    let result: SwitchoverResult;
    try {
      result = await startAndSwitchOver(config, base, deps);
    } finally {
      await workload.stop();
    }
    const w = workload.stats;
    const unexpected = w.otherErrors.filter((e) => !EXPECTED.test(e));
    const invariant = await withDb(newUrl, (db) => checkInvariant(db, accounts));
    const problems = [
      ...invariant.problems,
      ...(w.lostWrites ? [`${w.lostWrites} lost write(s) seen by the application`] : []),
      ...unexpected.slice(0, 5).map((e) => `application error: ${e}`),
    ];
    log(
      `switchover: writes refused ${Math.round(result.writesRefusedMs)} ms (${result.timeline.map((t) => `${t.step} ${Math.round(t.ms)} ms`).join('; ')})`,
    );
    return {
      writesRefusedMs: result.writesRefusedMs,
      timeline: result.timeline,
      accounts,
      transactions: w.transactions,
      refused: w.otherErrors.length - unexpected.length,
      verifyOk: result.verify?.ok ?? false,
      invariantOk: invariant.ok,
      problems,
    };
  } finally {
    if (config) await runReplicateCleanup(config, deps).catch(() => undefined);
    await dropDatabase(servers.new, line.name).catch(() => undefined);
    await dropDatabase(servers.old, line.name).catch(() => undefined);
    await withDb(servers.old.url(), (db) => db.query(`DROP ROLE IF EXISTS ${line.role}`)).catch(() => undefined);
  }
}

/** What one run of the line names: its databases (and replication objects) and its application's role. */
interface LineNames {
  name: string;
  role: string;
  password: string;
}

/**
 * A fresh database on each server: on OLD the bank's tables and rows, and the application's role
 * with the rights it writes with; on NEW the tables alone.
 */
async function prepareDatabases(
  servers: BenchServers,
  line: LineNames,
  accounts: number,
): Promise<{ oldUrl: string; newUrl: string }> {
  const oldUrl = await createDatabase(servers.old, line.name);
  const newUrl = await createDatabase(servers.new, line.name);
  await withDb(oldUrl, async (db) => {
    await db.query(BANK_SCHEMA + bankData(accounts));
    await db.query(`CREATE ROLE ${line.role} LOGIN PASSWORD '${line.password}';
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${line.role};
        GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${line.role}`);
  });
  await withDb(newUrl, (db) => db.query(BANK_SCHEMA));
  await settle(servers);
  return { oldUrl, newUrl };
}

/** fdwmig's configuration for the run, as the flags of `replicate` would give it. */
function lineConfig(oldUrl: string, newUrl: string, line: LineNames): Promise<Config> {
  return loadConfig({
    flags: {
      old: oldUrl,
      new: newUrl,
      publicationName: `pub_${line.name}`,
      subscriptionName: `sub_${line.name}`,
      slotName: `slot_${line.name}`,
      appRoles: [line.role],
    },
    env: {},
    readFile: async () => '{}',
  });
}

/** `replicate start --snapshot`, streaming for STREAMING_SECONDS, then `replicate switchover`. */
async function startAndSwitchOver(config: Config, base: Deps, deps: ReplicationDeps): Promise<SwitchoverResult> {
  const start = await runReplicateStart(config, 'snapshot', deps);
  if (!start.applied) throw new Error('replicate start did not apply');
  const deadline = Date.now() + TIMEOUT_MS;
  while ((await runReplicateStatus(config, base)).phase !== 'streaming') {
    if (Date.now() > deadline) throw new Error(`replication did not reach streaming in ${TIMEOUT_MS / 1000} s`);
    await delay(100);
  }
  await delay(STREAMING_SECONDS * 1000);
  return runSwitchover(
    config,
    { maxLagBytes: MAX_LAG_BYTES, timeoutMs: TIMEOUT_MS, beforeSql: null, rollbackSql: null },
    deps,
  );
}
