/**
 * `fdwmig-dev demo --logical` / `make demo-logical`: the replication mode on embedded servers. The
 * application (a transfer workload, as role shop_app) keeps writing to OLD while
 * `replicate start --snapshot` copies and streams to NEW; `replicate switchover` refuses
 * shop_app's writes on OLD for a moment, lets NEW catch up, syncs sequences and verifies;
 * `replicate cleanup` removes what is left. Servers are removed at the end, also on Ctrl-C.
 */
import { main } from '../../src/cli/main.js';
import { shopSql, withDb } from './demo-db.js';
import type { CliIo } from '../../src/cli/context.js';
import { startTestCluster, type Cluster } from './cluster-provider.js';
import { BANK_SCHEMA, bankData, checkInvariant, startWorkload } from './workload.js';

export interface LogicalDemoOptions {
  scale: number;
  oldMajor: number;
  newMajor: number;
  io: CliIo;
}

const APP_ROLE = 'shop_app';
// A throwaway password for a throwaway server: the demo's application logs in with it.
const APP_PASSWORD = 'shop-app-demo';
const ACCOUNTS_PER_SCALE = 5000;
/** What the write refusal does to the application: a read-only error or an ended session. */
const EXPECTED = /^(25006|57P01) |^ ?(Connection terminated|Client has encountered a connection error)/;

async function cli(io: CliIo, args: string[]): Promise<number> {
  io.stdout(`\n$ fdwmig ${args.filter((a) => !/^postgres(ql)?:/.test(a)).join(' ')}\n`);
  return main(['node', 'fdwmig', ...args], io);
}

function asApp(url: string): string {
  const u = new URL(url);
  u.username = APP_ROLE;
  u.password = APP_PASSWORD;
  return u.toString();
}

/** Runs the logical-replication demo; resolves to the exit code. */
export async function runLogicalDemo(o: LogicalDemoOptions): Promise<number> {
  const started: Cluster[] = [];
  const stopAll = () => Promise.all(started.map((c) => c.destroy()));
  const onSigint = () => void stopAll().then(() => process.exit(130));
  process.once('SIGINT', onSigint);
  const t0 = Date.now();
  try {
    o.io.stdout(`starting OLD (PostgreSQL ${o.oldMajor}) and NEW (PostgreSQL ${o.newMajor}), wal_level=logical...\n`);
    const [oldC, newC] = await Promise.all([
      startTestCluster({ major: o.oldMajor, name: 'demo-old' }).then((c) => (started.push(c), c)),
      startTestCluster({ major: o.newMajor, name: 'demo-new' }).then((c) => (started.push(c), c)),
    ]);
    for (const c of [oldC, newC]) await withDb(c.url(), (db) => db.query('CREATE DATABASE shop'));
    const oldUrl = oldC.url('shop');
    const newUrl = newC.url('shop');
    const accounts = ACCOUNTS_PER_SCALE * o.scale;
    await withDb(oldUrl, async (db) => {
      await db.query(shopSql('shop', o.scale) + BANK_SCHEMA);
      await db.query(shopSql('shop-data', o.scale) + bankData(accounts));
      await db.query(`CREATE ROLE ${APP_ROLE} LOGIN PASSWORD '${APP_PASSWORD}';
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${APP_ROLE};
        GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${APP_ROLE}`);
    });
    await withDb(newUrl, (db) => db.query(shopSql('shop', o.scale) + BANK_SCHEMA));
    o.io.stdout(
      `loaded the sample shop on OLD; the application (role ${APP_ROLE}, 2 clients making transfers) writes to OLD\n`,
    );
    const conn = ['--old', oldUrl, '--new', newUrl];
    const workload = startWorkload(asApp(oldUrl), accounts, 2, 7);
    let started1 = 1;
    let switched = 1;
    try {
      started1 = await cli(o.io, ['replicate', 'start', '--snapshot', ...conn]);
      if (started1 === 0) {
        await cli(o.io, ['replicate', 'status', ...conn]);
        switched = await cli(o.io, ['replicate', 'switchover', '--app-roles', APP_ROLE, '--max-lag', '65536', ...conn]);
      }
    } finally {
      await workload.stop();
    }
    await cli(o.io, ['replicate', 'cleanup', ...conn]);
    const w = workload.stats;
    const unexpected = w.otherErrors.filter((e) => !EXPECTED.test(e));
    const invariant = await withDb(newUrl, (db) => checkInvariant(db, accounts));
    const ledger = await Promise.all(
      [oldUrl, newUrl].map((u) =>
        withDb(u, async (db) => Number((await db.query('SELECT count(*) AS n FROM ledger')).rows[0].n)),
      ),
    );
    const ok =
      started1 === 0 &&
      switched === 0 &&
      invariant.ok &&
      w.lostWrites === 0 &&
      unexpected.length === 0 &&
      ledger[0] === ledger[1];
    o.io.stdout(
      [
        '',
        '==== summary ====',
        `application on OLD:    ${w.transactions} transactions committed, ${w.otherErrors.length - unexpected.length} refused by the switchover (expected), ${unexpected.length} other errors`,
        `ledger rows:           OLD ${ledger[0]}, NEW ${ledger[1]} (every committed write arrived: ${ledger[0] === ledger[1] ? 'yes' : 'NO'})`,
        `workload invariant:    ${invariant.ok ? 'on NEW every balance equals its start plus its logged deltas' : `BROKEN: ${invariant.problems.join('; ')}`}`,
        `total time:            ${((Date.now() - t0) / 1000).toFixed(1)} s`,
        `result:                ${ok ? 'OK' : 'FAILED'}`,
        '',
      ].join('\n'),
    );
    if (unexpected.length) o.io.stdout(`unexpected workload errors: ${unexpected.slice(0, 5).join('; ')}\n`);
    return ok ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await stopAll();
    o.io.stdout('servers stopped and removed\n');
  }
}
