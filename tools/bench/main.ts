/**
 * `npm run bench`: fdwmig measured side by side with the physical limit (COPY | COPY) and the
 * offline peer (pg_dump | pg_restore) on the same two embedded servers in one run, then under
 * an application load, then at 4x the data. Progress goes to stderr; the table (or --json) to
 * stdout; the figures to docs/BENCHMARKS.md. Exit 0 when every run completed and no write was
 * lost (targets missed are reported, not an error), 1 otherwise, 2 on bad options.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_DEFAULTS } from '../../src/config/schema.js';
import { parseBenchArgs, USAGE, type BenchOptions } from './args.js';
import { createSchema, datasetShape, generateData, tableSizes } from './dataset.js';
import { runCopyLine, runDumpLine, runFdwmigLine, runFloorLine, type LineContext } from './lines.js';
import { otherShare, QUIET_SHARE, sampleCpu, waitForQuiet } from './cpu-monitor.js';
import { describeMachine } from './machine.js';
import { EXPLANATION, keptTail, renderMarkdown } from './markdown.js';
import { renderText, type Contention, type Report } from './report.js';
import { createDatabase, dropDatabase, startBenchServers, withDb, type BenchServers } from './servers.js';
import { summarize, type RunRecord, type ScaleRuns } from './summarize.js';
import { runSwitchoverLine } from './switchover-line.js';
import { findTool, missingTools, toolMajor } from './tools.js';

const OLD_MAJOR = 13;
const NEW_MAJOR = 17;
const t0 = Date.now();
const log = (m: string) =>
  process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${m}\n`);

/** Generates the data at a scale into a template database on OLD. */
async function makeTemplate(
  servers: BenchServers,
  scale: number,
): Promise<{ name: string; rows: Record<string, number>; bytes: number }> {
  const name = `bench_tpl_${String(scale).replace('.', '_')}`;
  const url = await createDatabase(servers.old, name);
  const shape = datasetShape(scale);
  await withDb(url, async (db) => {
    await createSchema(db, { foreignKeys: false });
    await generateData(db, shape);
  });
  const sizes = await withDb(url, tableSizes);
  return {
    name,
    rows: Object.fromEntries(sizes.map((s) => [s.table, s.rows])),
    bytes: sizes.reduce((a, s) => a + s.bytes, 0),
  };
}

/** Other processes' share of the machine during each measured line. */
const contention: Contention = { lines: [], waitedSeconds: 0 };
let quietWaitSeconds = 0;

/**
 * Runs fn once the machine is quiet, or records why it failed and returns null: one failed run
 * does not lose the others.
 */
async function attempt<T>(what: string, notes: string[], fn: () => Promise<T>): Promise<T | null> {
  // The wait is bounded per line and, at three times that, over the whole run.
  const budget = Math.min(quietWaitSeconds, Math.max(0, 3 * quietWaitSeconds - contention.waitedSeconds));
  let told = 0;
  contention.waitedSeconds += await waitForQuiet(budget, (share) => {
    if (Date.now() - told < 30_000) return;
    told = Date.now();
    log(
      `other processes use ${(share * 100).toFixed(0)}% of the machine; waiting up to ${Math.round(budget)} s for quiet before ${what}`,
    );
  });
  const started = Date.now();
  const before = sampleCpu();
  try {
    const r = await fn();
    const share = otherShare(before, sampleCpu());
    contention.lines.push({ what, share });
    log(
      `${what}: ${((Date.now() - started) / 1000).toFixed(1)} s${share > QUIET_SHARE ? ` (other processes used ${(share * 100).toFixed(0)}% of the machine)` : ''}`,
    );
    return r;
  } catch (err) {
    const msg = `${what} FAILED: ${(err as Error).message}`;
    log(msg);
    notes.push(msg);
    return null;
  }
}

interface Lines {
  dump: boolean;
  floor: boolean;
  load: boolean;
  switchover: boolean;
}

async function measureScale(
  servers: BenchServers,
  o: BenchOptions,
  scale: number,
  count: number,
  lines: Lines,
  notes: string[],
): Promise<ScaleRuns> {
  log(`generating pgbench scale ${scale} on OLD`);
  const tpl = await makeTemplate(servers, scale);
  log(
    `template ${tpl.name}: ${Object.entries(tpl.rows)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')}; ${(tpl.bytes / 2 ** 20).toFixed(0)} MB`,
  );
  const ctx: LineContext = {
    servers,
    template: tpl.name,
    shape: datasetShape(scale),
    rows: tpl.rows,
    concurrency: o.concurrency ?? CONFIG_DEFAULTS.concurrency,
    migrateArgs: [
      ...(o.batch ? ['--batch', String(o.batch)] : []),
      ...(o.concurrency ? ['--concurrency', String(o.concurrency)] : []),
    ],
    load: { clients: o.clients, rate: o.rate, warmupSeconds: o.warmupSeconds, afterSeconds: o.afterSeconds },
  };
  const runs: RunRecord[] = [];
  const fdwmigLine = async (what: string, withLoad: boolean) => {
    const r = await attempt(what, notes, () => runFdwmigLine(ctx, withLoad));
    if (r?.move.failure) {
      notes.push(
        `${what} did not complete: ${r.move.failure}; re-run with no load: ${r.rerun?.completed ? 'completed' : `did not complete either (${r.rerun?.failure})`}`,
      );
    }
    if (r && !r.invariant.ok) notes.push(`${what}: pgbench invariant BROKEN: ${r.invariant.problems.join('; ')}`);
    return r;
  };
  try {
    for (let i = 1; i <= count; i++) {
      const tag = `scale ${scale} run ${i}/${count}`;
      const copyRun = await attempt(`${tag} copy`, notes, () => runCopyLine(ctx));
      const copy = copyRun?.seconds ?? null;
      const dump = lines.dump
        ? ((await attempt(`${tag} pg_dump | pg_restore`, notes, () => runDumpLine(ctx)))?.seconds ?? null)
        : null;
      const floorCopy = lines.floor
        ? await attempt(`${tag} floor, batches into NEW only`, notes, () => runFloorLine(ctx, false))
        : null;
      const floorDelete = lines.floor
        ? await attempt(`${tag} floor, batches deleted on OLD`, notes, () => runFloorLine(ctx, true))
        : null;
      const fdwmig = await fdwmigLine(`${tag} fdwmig`, false);
      const load = lines.load ? await fdwmigLine(`${tag} fdwmig under load`, true) : null;
      // Each run's latency, not only the medians: a noisy run shows as one.
      const ph = load?.load?.phases;
      if (ph)
        log(
          `${tag} application p50/p99 ms: before ${ph.before.p50Ms.toFixed(1)}/${ph.before.p99Ms.toFixed(1)}, during ${ph.during.p50Ms.toFixed(1)}/${ph.during.p99Ms.toFixed(1)}, after ${ph.after.p50Ms.toFixed(1)}/${ph.after.p99Ms.toFixed(1)}`,
        );
      const switchover = lines.switchover
        ? await attempt(`${tag} replicate switchover under an application load`, notes, () =>
            runSwitchoverLine(servers, scale, log),
          )
        : null;
      if (switchover && switchover.problems.length)
        notes.push(`${tag} replicate switchover FAILED its checks: ${switchover.problems.slice(0, 5).join('; ')}`);
      runs.push({ copy, copyCpu: copyRun?.cpu ?? null, dump, fdwmig, load, switchover, floorCopy, floorDelete });
    }
  } finally {
    await dropDatabase(servers.old, tpl.name).catch(() => undefined);
  }
  return { scale, rows: tpl.rows, bytes: tpl.bytes, runs };
}

async function run(o: BenchOptions): Promise<number> {
  const notes: string[] = [];
  quietWaitSeconds = o.quietWaitSeconds;
  const tools = (['pg_dump', 'pg_restore', 'pgbench'] as const).map(findTool);
  const dumpMissing =
    missingTools(tools.filter((t) => t.name !== 'pgbench')) ??
    ((toolMajor(tools[0]!) ?? 0) < OLD_MAJOR
      ? `pg_dump ${toolMajor(tools[0]!)} cannot dump PostgreSQL ${OLD_MAJOR}; install postgresql-client-${OLD_MAJOR} or later`
      : null);
  const loadMissing = missingTools(tools.filter((t) => t.name === 'pgbench'));
  if (dumpMissing) notes.push(`pg_dump | pg_restore line skipped: ${dumpMissing}`);
  if (loadMissing) notes.push(`load line skipped: ${loadMissing}`);
  if (o.skipScale) notes.push('4x scale line skipped (--no-scale)');
  for (const n of notes) log(n);
  log(
    `starting OLD (PostgreSQL ${OLD_MAJOR}) and NEW (PostgreSQL ${NEW_MAJOR}), fsync ${o.fsync ? 'on' : 'off'}${o.hugePages ? ', huge pages on' : ''}`,
  );
  const servers = await startBenchServers({
    oldMajor: OLD_MAJOR,
    newMajor: NEW_MAJOR,
    fsync: o.fsync,
    hugePages: o.hugePages,
  });
  const onSigint = () => void servers.destroy().finally(() => process.exit(130));
  process.once('SIGINT', onSigint);
  try {
    const machine = await describeMachine(servers, tools);
    const base = await measureScale(
      servers,
      o,
      o.scale,
      o.runs,
      { dump: !dumpMissing, floor: true, load: !loadMissing, switchover: true },
      notes,
    );
    const big = o.skipScale
      ? null
      : await measureScale(
          servers,
          o,
          o.scale * 4,
          o.runs4x,
          { dump: false, floor: true, load: false, switchover: false },
          notes,
        );
    const summary = summarize(base, big, { load: loadMissing ?? undefined });
    if (!summary) {
      process.stderr.write(
        `no run of both copy and fdwmig completed, so there is nothing to compare:\n${notes.join('\n')}\n`,
      );
      return 1;
    }
    const report: Report = {
      options: o,
      machine,
      settings: servers.settings,
      summary,
      notes,
      runtimeSeconds: (Date.now() - t0) / 1000,
      contention,
      shape: { scale: o.scale, rows: base.rows, megabytes: base.bytes / 2 ** 20 },
    };
    process.stdout.write(
      o.json ? `${JSON.stringify({ ...report, runs: { base, big } }, null, 2)}\n` : renderText(report),
    );
    if (o.docsPath) {
      const kept = keptTail(existsSync(o.docsPath) ? readFileSync(o.docsPath, 'utf8') : null);
      writeFileSync(o.docsPath, renderMarkdown(report, EXPLANATION, kept));
      log(`wrote ${o.docsPath}`);
    }
    const failedRuns = notes.some((n) => n.includes('FAILED') || n.includes('did not complete'));
    return failedRuns || summary.invariantProblems.length ? 1 : 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await servers.destroy();
  }
}

async function cli(): Promise<number> {
  let o: BenchOptions | 'help';
  try {
    o = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (o === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    return await run(o);
  } catch (err) {
    // What stopped the whole run (servers that would not start, --huge-pages without the pages):
    // one line, not a stack.
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await cli();
