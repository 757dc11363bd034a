/**
 * One run of each line of the benchmark, each on fresh databases: OLD's is a copy of the
 * generated template (CREATE DATABASE ... TEMPLATE, not timed), NEW's is new. Both are checked
 * after the line and dropped.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { AUTO_BATCH } from '../../src/config/schema.js';
import { postmasterPid } from '../dev/embedded-cluster.js';
import { runCopyBaseline } from './copy-baseline.js';
import { measureCpu, type CpuSplit } from './cpu-monitor.js';
import {
  checkInvariant,
  createSchema,
  KEY_COLUMNS,
  tableSizes,
  type DatasetShape,
  type InvariantResult,
} from './dataset.js';
import { runDumpRestore } from './dump-restore.js';
import { runFloor } from './floor.js';
import { runFdwmigMove, runMigratePasses, type FdwmigMove } from './fdwmig-move.js';
import { splitPhases, type LoadPhases } from './load-phases.js';
import { startLoad, type RunningLoad } from './pgbench-load.js';
import { createDatabase, dropDatabase, settle, withDb, type BenchServers } from './servers.js';

export interface LineContext {
  servers: BenchServers;
  /** OLD's template database holding the generated data. */
  template: string;
  shape: DatasetShape;
  /** Expected rows per table (from the template). */
  rows: Record<string, number>;
  concurrency: number;
  migrateArgs: string[];
  load: { clients: number; rate: number; warmupSeconds: number; afterSeconds: number };
}

let counter = 0;

async function withPair<T>(
  ctx: LineContext,
  newSchema: 'none' | 'no-fks' | 'full',
  fn: (oldUrl: string, newUrl: string) => Promise<T>,
): Promise<T> {
  const name = `bench_run_${++counter}`;
  const { old: oldC, new: newC } = ctx.servers;
  try {
    const oldUrl = await createDatabase(oldC, name, ctx.template);
    const newUrl = await createDatabase(newC, name);
    if (newSchema !== 'none') await withDb(newUrl, (db) => createSchema(db, { foreignKeys: newSchema === 'full' }));
    await settle(ctx.servers);
    return await fn(oldUrl, newUrl);
  } finally {
    await dropDatabase(newC, name).catch(() => undefined);
    await dropDatabase(oldC, name).catch(() => undefined);
  }
}

/** CPU of OLD's and NEW's servers and of the rest of the benchmark while fn runs (cpu-monitor.ts). */
function withCpu<T>(ctx: LineContext, fn: () => Promise<T>): Promise<{ result: T; cpu: CpuSplit | null }> {
  const pid = (c: { dataDir: string }) => postmasterPid(c.dataDir) ?? null;
  return measureCpu({ old: pid(ctx.servers.old), new: pid(ctx.servers.new) }, fn);
}

async function expectRows(ctx: LineContext, url: string, what: string): Promise<void> {
  const sizes = await withDb(url, tableSizes);
  const wrong = sizes.filter((s) => s.rows !== ctx.rows[s.table]);
  if (wrong.length)
    throw new Error(
      `${what}: ${wrong.map((s) => `${s.table} has ${s.rows} rows, expected ${ctx.rows[s.table]}`).join(', ')}`,
    );
}

/** Line 1: COPY | COPY. */
export async function runCopyLine(ctx: LineContext): Promise<{ seconds: number; cpu: CpuSplit | null }> {
  return withPair(ctx, 'no-fks', async (oldUrl, newUrl) => {
    const { result: r, cpu } = await withCpu(ctx, () => runCopyBaseline(oldUrl, newUrl, ctx.concurrency));
    await expectRows(ctx, newUrl, 'copy');
    return { seconds: r.seconds, cpu };
  });
}

/**
 * Line 3, the floor (floor.ts): key-order batches of fdwmig's quiet batch size into NEW, on as many NEW
 * sessions as fdwmig's concurrency, with or without each batch's delete on OLD. Checked: NEW
 * holds every row, and with the delete OLD holds none of a keyed table's.
 */
export async function runFloorLine(
  ctx: LineContext,
  deleteOnOld: boolean,
): Promise<{ seconds: number; cpu: CpuSplit | null }> {
  return withPair(ctx, 'no-fks', async (oldUrl, newUrl) => {
    const { result: r, cpu } = await withCpu(ctx, () =>
      runFloor(oldUrl, newUrl, KEY_COLUMNS, { batch: AUTO_BATCH.quiet, copiers: ctx.concurrency, deleteOnOld }),
    );
    await expectRows(ctx, newUrl, 'floor');
    if (deleteOnOld) {
      const left = (await withDb(oldUrl, tableSizes)).filter(
        (t) => KEY_COLUMNS[t.table as keyof typeof KEY_COLUMNS] && t.rows > 0,
      );
      if (left.length)
        throw new Error(`floor: OLD still holds ${left.map((t) => `${t.table} ${t.rows} rows`).join(', ')}`);
    }
    return { seconds: r.seconds, cpu };
  });
}

/** Line 2: pg_dump | pg_restore into an empty database. */
export async function runDumpLine(ctx: LineContext): Promise<{ seconds: number }> {
  return withPair(ctx, 'none', async (oldUrl, newUrl) => {
    const r = await runDumpRestore(oldUrl, newUrl);
    await expectRows(ctx, newUrl, 'pg_dump | pg_restore');
    return r;
  });
}

export interface FdwmigLineResult {
  move: FdwmigMove;
  /** Rows still on OLD per table after the move (the tables migrate skipped). */
  leftOnOld: Record<string, number>;
  invariant: InvariantResult;
  /**
   * After a migrate that did not complete, migrate is run again with no load (what its error's
   * hint says to do) before the invariant is checked: until then a half-moved batch is visible
   * twice through NEW, by design. null when no re-run was needed.
   */
  rerun: null | { completed: boolean; failure: string | null };
  load: null | { phases: LoadPhases; errors: string[]; slices: number };
  /** CPU of init-new and migrate with no load: each server's, and the fdwmig processes'; absent under load. */
  cpu?: CpuSplit | null;
}

/** Lines 4-6: init-new + migrate, with the pgbench load against NEW when `withLoad`. */
export async function runFdwmigLine(ctx: LineContext, withLoad: boolean): Promise<FdwmigLineResult> {
  return withPair(ctx, 'full', async (oldUrl, newUrl) => {
    let load: RunningLoad | undefined;
    let loadStart = 0;
    const newC = ctx.servers.new;
    const dbName = decodeURIComponent(new URL(newUrl).pathname.slice(1));
    try {
      const run = () =>
        runFdwmigMove({
          urls: { oldUrl, newUrl },
          migrateArgs: ctx.migrateArgs,
          beforeMigrate: withLoad
            ? async () => {
                loadStart = Date.now();
                load = startLoad({
                  host: newC.host,
                  port: newC.port,
                  user: newC.superuser,
                  password: newC.password,
                  database: dbName,
                  shape: ctx.shape,
                  ...ctx.load,
                });
                await delay(ctx.load.warmupSeconds * 1000);
              }
            : undefined,
        });
      // Under load pgbench's CPU would count as the client's: no reading then.
      const { result: move, cpu } = withLoad ? { result: await run(), cpu: null } : await withCpu(ctx, run);
      let loadResult: FdwmigLineResult['load'] = null;
      if (load) {
        await delay(ctx.load.afterSeconds * 1000);
        const trace = await load.stop();
        load = undefined;
        const last = trace.transactions.at(-1)?.endMs ?? Date.now();
        loadResult = {
          phases: splitPhases(trace.transactions, {
            loadStart,
            ...move.window,
            loadEnd: Math.max(last + 1e-3, move.window.end),
          }),
          errors: trace.errors,
          slices: trace.slices,
        };
      }
      let rerun: FdwmigLineResult['rerun'] = null;
      if (move.failure) {
        const again = await runMigratePasses({ oldUrl, newUrl }, ctx.migrateArgs);
        rerun = { completed: again.failure === null, failure: again.failure };
      }
      const invariant = await withDb(newUrl, (db) => checkInvariant(db, ctx.shape));
      const leftOnOld = Object.fromEntries(
        (await withDb(oldUrl, tableSizes)).filter((s) => s.rows > 0).map((s) => [s.table, s.rows]),
      );
      if (!withLoad && !move.failure) await expectLocalRows(ctx, newUrl, leftOnOld);
      return { move, leftOnOld, invariant, rerun, load: loadResult, cpu };
    } finally {
      await (load as RunningLoad | undefined)?.stop().catch(() => undefined);
    }
  });
}

/** With no load, NEW holds locally exactly the generated rows of every table that left OLD. */
async function expectLocalRows(ctx: LineContext, newUrl: string, leftOnOld: Record<string, number>): Promise<void> {
  const sizes = await withDb(newUrl, tableSizes);
  const wrong = sizes.filter((s) => s.rows + (leftOnOld[s.table] ?? 0) !== ctx.rows[s.table]);
  if (wrong.length)
    throw new Error(
      `fdwmig: ${wrong.map((s) => `${s.table} has ${s.rows} rows on NEW and ${leftOnOld[s.table] ?? 0} on OLD, expected ${ctx.rows[s.table]} in all`).join(', ')}`,
    );
}
