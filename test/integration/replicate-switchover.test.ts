/**
 * replicate switchover under a live write workload on OLD (real OLD 13, NEW 17): no committed
 * write is lost, sequences on NEW end past OLD's, verify finds OLD and NEW identical, and the
 * write pause is measured. A failure after writes were refused says how to roll back, and
 * --rollback does.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { BANK_SCHEMA, bankData, checkInvariant, startWorkload } from '../../tools/dev/workload.js';
import { PreflightError } from '../../src/errors.js';
import { runReplicateCleanup } from '../../src/replication/cleanup.js';
import { realClock, type ReplicationDeps } from '../../src/replication/deps.js';
import { runReplicateStart } from '../../src/replication/start.js';
import { runReplicateStatus } from '../../src/replication/status.js';
import {
  runSwitchover,
  runSwitchoverRollback,
  SwitchoverError,
  type SwitchoverOptions,
} from '../../src/replication/switchover.js';
import { verifyAfterSwitch } from '../../src/replication/verify-after-switch.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { configFor, tableDigest, testDeps } from './support/fixtures.js';

const ACCOUNTS = 5_000;
/**
 * What the write refusal does to the application: read_only_sql_transaction (25006) on a new
 * session, and its ended sessions (57P01, or a client error without SQLSTATE when the connection
 * closed under a query). The workload records them; the application would reconnect and retry.
 */
function unexpected(errors: string[]): string[] {
  return errors.filter(
    (e) => !/^(25006|57P01) /.test(e) && !/^ (Connection terminated|Client has encountered a connection error)/.test(e),
  );
}
const APP_PASSWORD = 'app-test-pw';

function deps(): ReplicationDeps {
  const base = testDeps();
  return { ...base, ...realClock, verify: verifyAfterSwitch(base) };
}

const OPTS: SwitchoverOptions = { maxLagBytes: 1_048_576, timeoutMs: 60_000, beforeSql: null, rollbackSql: null };

async function waitStreaming(config: Config): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await runReplicateStatus(config, testDeps())).phase !== 'streaming') {
    if (Date.now() > deadline) throw new Error('replication did not reach streaming');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('replicate switchover', () => {
  let db: DbPair;
  let config: Config;
  let app: string;
  let appUrl: string;

  async function appWrite(): Promise<string> {
    const c = new pg.Client(appUrl);
    await c.connect();
    try {
      await c.query('INSERT INTO ledger (account_id, delta) VALUES (1, 0)');
      return 'ok';
    } catch (err) {
      return (err as { code: string }).code;
    } finally {
      await c.end();
    }
  }

  beforeAll(async () => {
    db = await freshDatabases('switch');
    const name = decodeURIComponent(new URL(db.oldUrl).pathname.slice(1));
    app = `app_${name}`;
    await db.old.query(BANK_SCHEMA + bankData(ACCOUNTS));
    await db.old.query(
      `INSERT INTO ledger (account_id, delta) SELECT 1 + g % ${ACCOUNTS}, 0 FROM generate_series(1, 2000) g`,
    );
    await db.old.query(
      `CREATE ROLE ${app} LOGIN PASSWORD '${APP_PASSWORD}'; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${app}; GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${app}`,
    );
    await db.new.query(
      BANK_SCHEMA +
        'CREATE MATERIALIZED VIEW totals AS SELECT count(*) AS n, sum(balance) AS s FROM accounts WITH NO DATA',
    );
    const u = new URL(db.oldUrl);
    u.username = app;
    u.password = APP_PASSWORD;
    appUrl = u.toString();
    config = await configFor(db, {
      publicationName: `pub_${name}`,
      subscriptionName: `sub_${name}`,
      slotName: `slot_${name}`,
      appRoles: [app],
    });
  });
  afterAll(async () => {
    if (config) await runReplicateCleanup(config, deps()).catch(() => undefined);
    await db?.drop();
    // The role's per-database setting went with the database.
    if (app)
      await new pg.Client(new URL('/postgres', db.oldUrl).toString()).connect().then(async (c) => {
        await c.query(`DROP ROLE IF EXISTS ${app}`).catch(() => undefined);
        await c.end();
      });
  });

  it('refuses an unknown application role before changing anything', async () => {
    const err = await runSwitchover({ ...config, appRoles: ['no_such_role_x'] }, OPTS, deps()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreflightError);
    expect((err as Error).message).toContain('nothing was changed');
    expect((err as Error).message).toContain('no role no_such_role_x on OLD');
  });

  it('a failure after writes were refused prints how to roll back; --rollback re-allows writes', async () => {
    await runReplicateStart(config, 'snapshot', deps());
    await waitStreaming(config);
    const revoke = `REVOKE INSERT, UPDATE, DELETE ON accounts, ledger FROM ${app}`;
    const grant = `GRANT INSERT, UPDATE, DELETE ON accounts, ledger TO ${app}`;
    const failing: ReplicationDeps = {
      ...deps(),
      verify: async () => {
        throw new Error('verify exploded');
      },
    };
    const err = await runSwitchover(config, { ...OPTS, beforeSql: revoke, rollbackSql: grant }, failing).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SwitchoverError);
    expect((err as Error).message).toContain('verify could not run after the switch: verify exploded');
    const hint = (err as SwitchoverError).hint!;
    expect(hint).toContain(`fdwmig replicate switchover --rollback --app-roles ${app} --rollback-sql <file>`);
    expect(hint).toContain(`ALTER ROLE "${app}" IN DATABASE`);
    expect(hint).toContain('RESET default_transaction_read_only');
    expect(await appWrite()).toBe('25006');
    const lines = await runSwitchoverRollback(config, { beforeSql: revoke, rollbackSql: grant }, deps());
    expect(lines.join('\n')).toContain('NEW no longer follows OLD');
    expect(await appWrite()).toBe('ok');
    await runReplicateCleanup(config, deps());
    await db.new.query('TRUNCATE accounts, ledger');
  });

  it('loses no committed write under a running workload; sequences past OLD; verify ok; the pause is measured', async () => {
    await runReplicateStart(config, 'copy-data', deps());
    await waitStreaming(config);
    const workload = startWorkload(appUrl, ACCOUNTS, 4, 11);
    await new Promise((r) => setTimeout(r, 1000));
    const before = workload.stats.transactions;
    const result = await runSwitchover(config, OPTS, deps());
    const stats = await workload.stop();
    console.log(
      `switchover: writes refused for ${Math.round(result.writesRefusedMs)} ms; ${result.timeline.map((t) => `${t.step} ${Math.round(t.ms)} ms`).join('; ')}; ` +
        `workload ${stats.transactions} transactions (${before} before the switch), errors ${JSON.stringify(stats.otherErrors.map((e) => e.slice(0, 5)))}`,
    );
    expect(unexpected(stats.otherErrors)).toEqual([]);
    expect(stats.lostWrites).toBe(0);
    expect(result.sessionsEnded).toBeGreaterThanOrEqual(1);
    expect(result.verify).toMatchObject({ ok: true });
    expect(result.refreshedViews).toEqual(['public.totals']);
    expect(result.writesRefusedMs).toBeLessThan(2000);
    // Every committed write is on NEW: same rows as OLD, and the invariant holds there.
    expect(await checkInvariant(db.new, ACCOUNTS)).toEqual({ ok: true, problems: [] });
    for (const t of ['accounts', 'ledger'])
      expect(await tableDigest(db.new, t, 'id')).toEqual(await tableDigest(db.old, t, 'id'));
    const ledgerRows = (await db.new.query('SELECT count(*)::int AS n FROM ledger')).rows[0].n;
    expect(ledgerRows).toBeGreaterThanOrEqual(2000 + stats.transactions);
    const oldSeq = (await db.old.query(`SELECT last_value::int8 AS v FROM ledger_id_seq`)).rows[0].v;
    const newSeq = (await db.new.query(`SELECT last_value::int8 AS v FROM ledger_id_seq`)).rows[0].v;
    expect(BigInt(newSeq)).toBeGreaterThan(BigInt(oldSeq));
    expect((await db.new.query('SELECT n::int FROM totals')).rows[0].n).toBe(ACCOUNTS);
    // OLD refuses the application's writes; NEW no longer replicates; the slot is gone.
    expect(await appWrite()).toBe('25006');
    const s = await runReplicateStatus(config, testDeps());
    expect(s).toMatchObject({ phase: 'incomplete', slot: null, subscription: null, publicationExists: true });
  });
});
