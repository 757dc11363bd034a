/**
 * Line 6: `replicate start --snapshot` then `replicate switchover` while an application (the
 * bank transfer workload of tools/dev/workload.ts, 2 clients, as its own login role) writes to
 * OLD, on fresh databases of the same two servers. Measured: how long switchover refused the
 * application's writes on OLD (from the first refusing statement until NEW was ready), and
 * that no committed write was lost (every balance on NEW equals its start plus its ledger).
 */
import { loadConfig } from '../../src/config/load.js';
import type { Deps } from '../../src/exec/connections.js';
import { BANK_SCHEMA, bankData, checkInvariant, startWorkload } from '../dev/workload.js';
import { connect } from '../../src/exec/connections.js';
import { dumpSchema } from '../../src/exec/pg-dump.js';
import { runReplicateCleanup } from '../../src/replication/cleanup.js';
import { realClock, type ReplicationDeps } from '../../src/replication/deps.js';
import { runReplicateStart } from '../../src/replication/start.js';
import { runReplicateStatus } from '../../src/replication/status.js';
import { runSwitchover } from '../../src/replication/switchover.js';
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
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

export function switchoverAccounts(scale: number): number {
  return Math.max(1000, Math.round(SWITCHOVER_ACCOUNTS_PER_SCALE * scale));
}

export async function runSwitchoverLine(
  servers: BenchServers,
  scale: number,
  log: (m: string) => void,
): Promise<SwitchoverLineResult> {
  const n = ++counter;
  const name = `bench_repl_${process.pid}_${n}`;
  const role = `bench_app_${process.pid}_${n}`;
  // A throwaway password for a role on a throwaway server.
  const password = `bench-app-${n}`;
  const accounts = switchoverAccounts(scale);
  const { old: oldC, new: newC } = servers;
  const base: Deps = { connect, dumpSchema, log: () => undefined };
  const deps: ReplicationDeps = { ...base, ...realClock, verify: verifyAfterSwitch(base) };
  let config: Awaited<ReturnType<typeof loadConfig>> | undefined;
  try {
    const oldUrl = await createDatabase(oldC, name);
    const newUrl = await createDatabase(newC, name);
    await withDb(oldUrl, async (db) => {
      await db.query(BANK_SCHEMA + bankData(accounts));
      await db.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}';
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role};
        GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
    });
    await withDb(newUrl, (db) => db.query(BANK_SCHEMA));
    await settle(servers);
    config = await loadConfig({
      flags: {
        old: oldUrl,
        new: newUrl,
        publicationName: `pub_${name}`,
        subscriptionName: `sub_${name}`,
        slotName: `slot_${name}`,
        appRoles: [role],
      },
      env: {},
      readFile: async () => '{}',
    });
    const app = new URL(oldUrl);
    app.username = role;
    app.password = password;
    const workload = startWorkload(app.toString(), accounts, APP_CLIENTS, 7 + n);
    let result: Awaited<ReturnType<typeof runSwitchover>>;
    try {
      const start = await runReplicateStart(config, 'snapshot', deps);
      if (!start.applied) throw new Error('replicate start did not apply');
      const deadline = Date.now() + TIMEOUT_MS;
      while ((await runReplicateStatus(config, base)).phase !== 'streaming') {
        if (Date.now() > deadline) throw new Error(`replication did not reach streaming in ${TIMEOUT_MS / 1000} s`);
        await sleep(0.1);
      }
      await sleep(STREAMING_SECONDS);
      result = await runSwitchover(
        config,
        { maxLagBytes: MAX_LAG_BYTES, timeoutMs: TIMEOUT_MS, beforeSql: null, rollbackSql: null },
        deps,
      );
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
    await dropDatabase(newC, name).catch(() => undefined);
    await dropDatabase(oldC, name).catch(() => undefined);
    await withDb(oldC.url(), (db) => db.query(`DROP ROLE IF EXISTS ${role}`)).catch(() => undefined);
  }
}
