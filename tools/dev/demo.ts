/**
 * `fdwmig-dev demo` / `make demo`: the main job on embedded servers. Starts OLD and NEW, loads the
 * sample shop on OLD and its schema on NEW, runs check and init-new through the real CLI, shows
 * the application's view through NEW, and removes the servers at the end (also on Ctrl-C).
 * With `keep`, the servers stay up for a look around (tools/dev/demo-state.ts records them).
 */
import { main } from '../../src/cli/main.js';
import { shopSql, withDb } from './demo-db.js';
import type { CliIo } from '../../src/cli/context.js';
import { FdwmigError } from '../../src/errors.js';
import { startTestCluster } from './cluster-provider.js';
import { DEMO_STATE_DIR, readDemoState, writeDemoState } from './demo-state.js';
import { startEmbeddedCluster, type Cluster } from './embedded-cluster.js';
import { BANK_SCHEMA, bankData, checkInvariant, startWorkload } from './workload.js';

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

async function counts(url: string): Promise<Record<string, number>> {
  return withDb(url, async (c) => {
    const out: Record<string, number> = {};
    for (const t of TABLES) out[t] = Number((await c.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
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
  // Kept servers are embedded and detached: testcontainers would remove containers at exit.
  const start = (major: number, name: string) =>
    o.keep ? startEmbeddedCluster({ major, name, detached: true }) : startTestCluster({ major, name });
  try {
    o.io.stdout(
      `starting OLD (PostgreSQL ${o.oldMajor}) and NEW (PostgreSQL ${o.newMajor}) from the embedded binaries...\n`,
    );
    const [oldC, newC] = await Promise.all([
      start(o.oldMajor, 'demo-old').then((c) => (started.push(c), c)),
      start(o.newMajor, 'demo-new').then((c) => (started.push(c), c)),
    ]);
    for (const c of [oldC, newC]) await withDb(c.url(), (db) => db.query('CREATE DATABASE shop'));
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
    await withDb(oldUrl, async (db) => {
      await db.query(shopSql('shop', o.scale) + BANK_SCHEMA);
      await db.query(shopSql('shop-data', o.scale) + bankData(accounts));
    });
    await withDb(newUrl, (db) => db.query(shopSql('shop', o.scale) + BANK_SCHEMA));
    const onOld = await counts(oldUrl);
    o.io.stdout(`loaded the sample shop on OLD: ${TABLES.map((t) => `${t} ${onOld[t]}`).join(', ')}\n`);
    const conn = ['--old', oldUrl, '--new', newUrl];
    if ((await cli(o.io, ['check', ...conn])) !== 0) return 1;
    if ((await cli(o.io, ['init-new', ...conn])) !== 0) return 1;
    const viaNew = await counts(newUrl);
    const same = TABLES.every((t) => viaNew[t] === onOld[t]);
    o.io.stdout(`\nthrough NEW the application sees every OLD row: ${same ? 'yes' : 'NO'}\n`);
    o.io.stdout(
      '\nthe application now runs against NEW: 2 clients making transfers (update a balance, log the delta)\n',
    );
    const workload = startWorkload(newUrl, accounts, 2, 42);
    let migrated: number;
    try {
      await new Promise((r) => setTimeout(r, 500));
      migrated = await cli(o.io, ['migrate', '--batch', '5000', ...conn]);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await workload.stop();
    }
    const w = workload.stats;
    const invariant = await withDb(newUrl, (db) => checkInvariant(db, accounts));
    const local = await withDb(newUrl, async (db) => {
      const out: Record<string, number> = {};
      for (const t of TABLES) out[t] = Number((await db.query(`SELECT count(*) AS n FROM ONLY ${t}`)).rows[0].n);
      return out;
    });
    const leftOnOld = await counts(oldUrl);
    const allMoved = TABLES.every((t) => leftOnOld[t] === 0);
    const verified = await cli(o.io, ['verify', ...conn]);
    const cleaned = await cli(o.io, ['cleanup', ...conn]);
    const ok =
      same && migrated === 0 && allMoved && invariant.ok && w.lostWrites === 0 && verified === 0 && cleaned === 0;
    o.io.stdout(
      [
        '',
        '==== summary ====',
        `rows moved to NEW:     ${TABLES.map((t) => `${t} ${local[t]}`).join(', ')}`,
        `rows left on OLD:      ${TABLES.reduce((a, t) => a + leftOnOld[t]!, 0)}`,
        `workload during move:  ${w.transactions} transactions, ${w.retried} retried after a serialization failure, ${w.lostWrites} lost writes, ${w.otherErrors.length} other errors`,
        `workload invariant:    ${invariant.ok ? 'every balance equals its start plus its logged deltas' : `BROKEN: ${invariant.problems.join('; ')}`}`,
        `verify:                ${verified === 0 ? 'consistent' : `FAILED (exit ${verified})`}`,
        `cleanup:               ${cleaned === 0 ? 'every FDW object fdwmig made is gone' : `FAILED (exit ${cleaned})`}`,
        `total time:            ${((Date.now() - t0) / 1000).toFixed(1)} s`,
        `result:                ${ok ? 'OK' : 'FAILED'}`,
        '',
      ].join('\n'),
    );
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
