/**
 * finalize on a busy NEW: re-adding an FK locks the referenced and the referencing table
 * (SHARE ROW EXCLUSIVE, which waits for the application's open writes and makes later writes
 * queue behind it). With an application transaction left open on a referencing table, finalize
 * must wait at most lockTimeoutMs per attempt, retry ddlRetries times, then give up with a hint;
 * meanwhile the application's other writes to that table are never held up for longer than one
 * lockTimeoutMs. A re-run after the application lets go restores the rest.
 */
import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInitNew } from '../../src/fdw/init-new.js';
import { runMigrate } from '../../src/fdw/migrate.js';
import { freshDatabases, type DbPair } from './support/databases.js';
import { applyFixture, configFor, testDeps } from './support/fixtures.js';

const BIN = new URL('../../bin/fdwmig.js', import.meta.url).pathname;
// Under a quarter of deadlock_timeout (1 s), which caps each DDL lock wait (run-plan.ts).
const LOCK_TIMEOUT_MS = 200;
const RETRIES = 2;

function finalize(db: DbPair, extra: string[] = []) {
  const child = spawn(process.execPath, [BIN, 'finalize', ...extra], {
    env: { PATH: process.env.PATH ?? '', FDWMIG_OLD_URL: db.oldUrl, FDWMIG_NEW_URL: db.newUrl },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise<{ code: number | null; out: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, out })),
  );
}

async function restoredFks(db: pg.Client): Promise<string[]> {
  const r = await db.query<{ c: string }>(
    `SELECT conname AS c FROM pg_constraint WHERE contype = 'f' AND convalidated ORDER BY 1`,
  );
  return r.rows.map((x) => x.c);
}

describe('finalize against an application holding a lock on a referencing table', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('finlocks');
    await applyFixture(db.old, 'features');
    await applyFixture(db.old, 'features-data');
    await applyFixture(db.new, 'features');
    await runInitNew(await configFor(db, { excludeTables: ['public.events'] }), testDeps());
    const r = await runMigrate(await configFor(db, { finalize: false }), testDeps());
    expect(r.tables.every((t) => t.status === 'moved')).toBe(true);
  });
  afterAll(async () => db?.drop());

  it("backs off within lockTimeoutMs per attempt, never stalling the application's writes longer", async () => {
    const holder = new pg.Client(db.newUrl);
    const writer = new pg.Client(db.newUrl);
    await holder.connect();
    await writer.connect();
    try {
      // An application transaction left open after a write to order_lines: ROW EXCLUSIVE.
      const holderPid = (holder as unknown as { processID: number }).processID;
      await holder.query('BEGIN');
      await holder.query(`INSERT INTO order_lines (order_id, line_no) VALUES (1, 100001)`);
      // Another application session keeps writing to the same table while finalize tries.
      let writing = true;
      const latencies: number[] = [];
      let line = 200_000;
      const writes = (async () => {
        while (writing) {
          const t0 = performance.now();
          await writer.query(`INSERT INTO order_lines (order_id, line_no) VALUES (2, $1)`, [line++]);
          latencies.push(performance.now() - t0);
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const started = Date.now();
      const r = await finalize(db, ['--lock-timeout-ms', String(LOCK_TIMEOUT_MS), '--ddl-retries', String(RETRIES)]);
      const elapsed = Date.now() - started;
      writing = false;
      await writes;
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(/^error: canceling statement due to lock timeout$/m);
      // The hint names who holds the lock: the open application transaction on order_lines.
      expect(r.out).toMatch(
        new RegExp(
          `^ {2}hint: the application holds locks fdwmig needs \\(held by pid ${holderPid} \\(.*idle in transaction: INSERT INTO order_lines.*tried 3 times`,
          'm',
        ),
      );
      expect(r.out).toMatch(/^ {2}step: add-fk:public\.order_lines\.order_lines_/m);
      // 3 attempts of LOCK_TIMEOUT_MS and backoffs of 200 and 400 ms, plus two CLI starts at most.
      expect(elapsed).toBeGreaterThanOrEqual(3 * LOCK_TIMEOUT_MS + 600);
      expect(elapsed).toBeLessThan(3 * LOCK_TIMEOUT_MS + 600 + 8_000);
      // The writer queued behind finalize's lock request, and never for longer than one timeout.
      const worst = Math.max(...latencies);
      expect(latencies.length).toBeGreaterThan(3);
      expect(worst).toBeGreaterThan(LOCK_TIMEOUT_MS / 3);
      expect(worst).toBeLessThan(LOCK_TIMEOUT_MS + 700);
      // FKs not on order_lines were restored meanwhile; order_lines' wait for the re-run.
      expect(await restoredFks(db.new)).toEqual(['Order_user_fkey', 'categories_parent_id_fkey']);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
      await writer.end();
    }
    const again = await finalize(db, ['--lock-timeout-ms', String(LOCK_TIMEOUT_MS)]);
    expect(again.code, again.out).toBe(0);
    expect(await restoredFks(db.new)).toEqual([
      'Order_user_fkey',
      'categories_parent_id_fkey',
      'order_lines_category_id_fkey',
      'order_lines_order_id_fkey',
    ]);
  });
});
