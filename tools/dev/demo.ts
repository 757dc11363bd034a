/**
 * `fdwmig-dev demo` / `make demo`: the main job on embedded servers. Starts OLD and NEW, loads the
 * sample shop on OLD and its schema on NEW, runs check and init-new through the real CLI, shows
 * the application's view through NEW, and removes the servers at the end (also on Ctrl-C).
 * With `keep`, the servers stay up for a look around (tools/dev/demo-state.ts records them).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { main } from '../../src/cli/main.js';
import { shopSql, withDb } from './demo-db.js';
import type { CliIo } from '../../src/cli/context.js';
import { FdwmigError } from '../../src/errors.js';
import { startTestCluster } from './cluster-provider.js';
import { DEMO_STATE_DIR, readDemoState, writeDemoState } from './demo-state.js';
import { startEmbeddedCluster, type Cluster } from './embedded-cluster.js';
import { BANK_SCHEMA, bankData, checkInvariant, startWorkload, type WorkloadStats } from './workload.js';

export interface DemoOptions {
  scale: number;
  oldMajor: number;
  newMajor: number;
  /** Leave the servers running (embedded, detached) and say how to reach and remove them. */
  keep?: boolean;
  io: CliIo;
}

const TABLES = ['categories', 'customers', 'products', 'orders', 'order_lines', 'accounts', 'ledger'];
const ACCOUNTS_PER_SCALE = 5000;

/** Rows per table on url; `only`: in the table itself, not in its children (on NEW, the foreign table that reads OLD). */
async function counts(url: string, only = false): Promise<Record<string, number>> {
  return withDb(url, async (c) => {
    const out: Record<string, number> = {};
    for (const t of TABLES)
      out[t] = Number((await c.query(`SELECT count(*) AS n FROM ${only ? 'ONLY ' : ''}${t}`)).rows[0].n);
    return out;
  });
}

async function cli(io: CliIo, args: string[]): Promise<number> {
  io.stdout(`\n$ fdwmig ${args.filter((a) => !a.startsWith('postgres')).join(' ')}\n`);
  return main(['node', 'fdwmig', ...args], io);
}

/** Runs the demo; resolves to the exit code. */
export async function runDemo(o: DemoOptions): Promise<number> {
  if (o.keep && readDemoState()) {
    throw new FdwmigError(`the servers of an earlier 'demo --keep' (make demo-keep) still run (${DEMO_STATE_DIR})`, {
      code: 'DEMO',
      exitCode: 1,
      hint: 'remove them first: make demo-stop (or fdwmig-dev demo --stop)',
    });
  }
  const started: Cluster[] = [];
  let kept = false;
  const stopAll = () => Promise.all(started.map((c) => c.destroy()));
  const onSigint = () => {
    if (kept) o.io.stdout('\nthe servers keep running: make demo-stop removes them\n');
    void (kept ? Promise.resolve() : stopAll()).then(() => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  const t0 = Date.now();
  try {
    const [oldC, newC] = await startServers(o, started);
    const oldUrl = oldC.url('shop');
    const newUrl = newC.url('shop');
    if (o.keep) {
      writeDemoState({
        old: { major: o.oldMajor, url: oldUrl, dataDir: oldC.dataDir },
        new: { major: o.newMajor, url: newUrl, dataDir: newC.dataDir },
        startedAt: new Date().toISOString(),
      });
      kept = true;
    }
    const accounts = ACCOUNTS_PER_SCALE * o.scale;
    const onOld = await loadShop(o, oldUrl, newUrl, accounts);
    const conn = ['--old', oldUrl, '--new', newUrl];
    if ((await cli(o.io, ['check', ...conn])) !== 0) return 1;
    if ((await cli(o.io, ['init-new', ...conn])) !== 0) return 1;
    const viaNew = await counts(newUrl);
    const same = TABLES.every((t) => viaNew[t] === onOld[t]);
    o.io.stdout(`\nthrough NEW the application sees every OLD row: ${same ? 'yes' : 'NO'}\n`);
    const { migrated, workload } = await migrateUnderLoad(o.io, conn, newUrl, accounts);
    const end = await checkAfterMove(o.io, conn, oldUrl, newUrl, accounts);
    const outcome: DemoOutcome = { same, migrated, workload, ...end };
    const ok = succeeded(outcome);
    o.io.stdout(renderSummary(outcome, ok, t0));
    return ok ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
    if (kept) o.io.stdout(keptNotes(started));
    else {
      await stopAll();
      o.io.stdout('servers stopped and removed\n');
    }
  }
}

/**
 * Starts OLD and NEW side by side, each added to `started` as soon as it runs (so that Ctrl-C
 * removes it), and creates the database shop on both.
 */
async function startServers(o: DemoOptions, started: Cluster[]): Promise<[Cluster, Cluster]> {
  // Kept servers are embedded and detached: testcontainers would remove containers at exit.
  const start = (major: number, name: string) =>
    o.keep ? startEmbeddedCluster({ major, name, detached: true }) : startTestCluster({ major, name });
  o.io.stdout(
    `starting OLD (PostgreSQL ${o.oldMajor}) and NEW (PostgreSQL ${o.newMajor}) from the embedded binaries...\n`,
  );
  const [oldC, newC] = await Promise.all([
    start(o.oldMajor, 'demo-old').then((c) => (started.push(c), c)),
    start(o.newMajor, 'demo-new').then((c) => (started.push(c), c)),
  ]);
  for (const c of [oldC, newC]) await withDb(c.url(), (db) => db.query('CREATE DATABASE shop'));
  return [oldC, newC];
}

/** The sample shop and the bank's accounts on OLD, their tables alone on NEW; resolves to OLD's row counts. */
async function loadShop(
  o: DemoOptions,
  oldUrl: string,
  newUrl: string,
  accounts: number,
): Promise<Record<string, number>> {
  await withDb(oldUrl, async (db) => {
    await db.query(shopSql('shop', o.scale) + BANK_SCHEMA);
    await db.query(shopSql('shop-data', o.scale) + bankData(accounts));
  });
  await withDb(newUrl, (db) => db.query(shopSql('shop', o.scale) + BANK_SCHEMA));
  const onOld = await counts(oldUrl);
  o.io.stdout(`loaded the sample shop on OLD: ${TABLES.map((t) => `${t} ${onOld[t]}`).join(', ')}\n`);
  return onOld;
}

/** `fdwmig migrate` while the application (2 clients making transfers) writes through NEW. */
async function migrateUnderLoad(
  io: CliIo,
  conn: string[],
  newUrl: string,
  accounts: number,
): Promise<{ migrated: number; workload: WorkloadStats }> {
  io.stdout('\nthe application now runs against NEW: 2 clients making transfers (update a balance, log the delta)\n');
  const workload = startWorkload(newUrl, accounts, 2, 42);
  let migrated: number;
  try {
    await delay(500);
    migrated = await cli(io, ['migrate', '--batch', '5000', ...conn]);
    await delay(500);
  } finally {
    await workload.stop();
  }
  return { migrated, workload: workload.stats };
}

/** What the demo found at the end: the move, the application's view and fdwmig's own checks. */
interface DemoOutcome {
  /** Whether NEW showed every OLD row after init-new. */
  same: boolean;
  /** migrate's exit code, and verify's and cleanup's. */
  migrated: number;
  verified: number;
  cleaned: number;
  workload: WorkloadStats;
  invariant: { ok: boolean; problems: string[] };
  /** Rows in NEW's own tables, and rows left on OLD. */
  local: Record<string, number>;
  leftOnOld: Record<string, number>;
}

/** The workload's invariant and the row counts on both sides, then `fdwmig verify` and `fdwmig cleanup`. */
async function checkAfterMove(
  io: CliIo,
  conn: string[],
  oldUrl: string,
  newUrl: string,
  accounts: number,
): Promise<Pick<DemoOutcome, 'invariant' | 'local' | 'leftOnOld' | 'verified' | 'cleaned'>> {
  const invariant = await withDb(newUrl, (db) => checkInvariant(db, accounts));
  const local = await counts(newUrl, true);
  const leftOnOld = await counts(oldUrl);
  const verified = await cli(io, ['verify', ...conn]);
  const cleaned = await cli(io, ['cleanup', ...conn]);
  return { invariant, local, leftOnOld, verified, cleaned };
}

function succeeded(r: DemoOutcome): boolean {
  const allMoved = TABLES.every((t) => r.leftOnOld[t] === 0);
  return (
    r.same &&
    r.migrated === 0 &&
    allMoved &&
    r.invariant.ok &&
    r.workload.lostWrites === 0 &&
    r.verified === 0 &&
    r.cleaned === 0
  );
}

function renderSummary(r: DemoOutcome, ok: boolean, t0: number): string {
  const w = r.workload;
  return [
    '',
    '==== summary ====',
    `rows moved to NEW:     ${TABLES.map((t) => `${t} ${r.local[t]}`).join(', ')}`,
    `rows left on OLD:      ${TABLES.reduce((a, t) => a + r.leftOnOld[t]!, 0)}`,
    `workload during move:  ${w.transactions} transactions, ${w.retried} retried after a serialization failure, ${w.lostWrites} lost writes, ${w.otherErrors.length} other errors`,
    `workload invariant:    ${r.invariant.ok ? 'every balance equals its start plus its logged deltas' : `BROKEN: ${r.invariant.problems.join('; ')}`}`,
    `verify:                ${r.verified === 0 ? 'consistent' : `FAILED (exit ${r.verified})`}`,
    `cleanup:               ${r.cleaned === 0 ? 'every FDW object fdwmig made is gone' : `FAILED (exit ${r.cleaned})`}`,
    `total time:            ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    `result:                ${ok ? 'OK' : 'FAILED'}`,
    '',
  ].join('\n');
}

/** How to reach the kept servers; no password (it is in .fdwmig-demo/env, readable by you alone). */
function keptNotes([oldC, newC]: Cluster[]): string {
  return [
    'the servers keep running (make demo-stop removes them):',
    `  OLD  PostgreSQL ${oldC!.major}  postgresql://postgres@127.0.0.1:${oldC!.port}/shop`,
    `  NEW  PostgreSQL ${newC!.major}  postgresql://postgres@127.0.0.1:${newC!.port}/shop`,
    `their URLs, with the password, are in ${DEMO_STATE_DIR}env:`,
    '  make psql-old                       # psql on OLD (make psql-new: on NEW)',
    '  (set -a; . .fdwmig-demo/env; env -u LD_LIBRARY_PATH psql "$FDWMIG_NEW_URL")',
    '  (set -a; . .fdwmig-demo/env; npx fdwmig verify)',
    'psql is your own (12 or later; the embedded packages have none). Run it without LD_LIBRARY_PATH',
    "pointing at the embedded servers' lib/ directory: those libraries are the servers', and psql",
    'must load its own libpq.',
    '',
  ].join('\n');
}
