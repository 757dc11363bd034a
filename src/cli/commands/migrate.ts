/** `fdwmig migrate`: move every row from OLD into NEW while the application runs. */
import type { Command } from 'commander';
import { redactSecrets } from '../../config/url.js';
import { AUTO_BATCH } from '../../config/schema.js';
import { runMigrate, type MigrateResult } from '../../fdw/migrate.js';
import { FdwmigError } from '../../errors.js';
import type { CliContext, CommandModule } from '../context.js';
import { cliDeps } from '../deps.js';
import { describeWithDefault, parseNonNegativeInt, parsePositiveInt } from '../options.js';
import { progressView } from '../progress.js';

const EXAMPLES = `
Moves rows in FK-safe order (referencing tables first), tables in parallel, in batches keyed
by primary key; each batch is copied to NEW before it is deleted on OLD (docs/PROTOCOL.md).
Ctrl-C finishes the batch in flight and stops; re-running continues where it stopped and
repairs a batch an interruption left half done. At the end FKs come back, validated, and
sequences are synced (--no-finalize to skip).

Examples:
  $ fdwmig migrate --batch 5000 --concurrency 2
  $ fdwmig migrate --tables public.orders public.order_lines --no-finalize
  $ fdwmig migrate --json > migrate.log
`;

export function renderSummary(r: MigrateResult): string {
  const lines = [
    '',
    'table'.padEnd(36) + 'status'.padEnd(10) + 'rows'.padStart(12) + 'seconds'.padStart(10) + 'rows/s'.padStart(10),
  ];
  for (const t of r.tables) {
    lines.push(
      t.table.slice(0, 35).padEnd(36) +
        t.status.padEnd(10) +
        String(t.rows).padStart(12) +
        t.seconds.toFixed(1).padStart(10) +
        String(t.seconds > 0 ? Math.round(t.rows / t.seconds) : 0).padStart(10),
    );
    if (t.reason) lines.push(`  ${t.reason}`);
  }
  lines.push(
    '',
    `${r.rows} rows in ${r.seconds.toFixed(1)} s (${r.seconds > 0 ? Math.round(r.rows / r.seconds) : 0} rows/s)`,
  );
  if (r.deadlocksBroken)
    lines.push(
      `guard: ${r.deadlocksBroken} deadlock(s) across OLD and NEW broken (the application saw 57014 and may retry)`,
    );
  if (r.finalized)
    lines.push(
      `finalize: ${r.finalized.foreignKeys.length} FK(s) re-added and validated, ${r.finalized.sequences.filter((s) => s.target).length} sequence(s) synced`,
    );
  return redactSecrets(lines.join('\n')) + '\n';
}

export const migrateCommand: CommandModule = {
  register(program, ctx) {
    program
      .command('migrate')
      .description('move every row from OLD into NEW while the application runs')
      .option(
        '--batch <rows>',
        `rows per batch (default: ${AUTO_BATCH.busy} while the application is busy on NEW, ${AUTO_BATCH.quiet} while it is quiet; see --no-yield-to-app)`,
        parsePositiveInt('--batch', 1_000_000),
      )
      .option(
        '--concurrency <n>',
        describeWithDefault('pipelines at once: tables, and key ranges of a large table', 'concurrency'),
        parsePositiveInt('--concurrency', 64),
      )
      .option('--tables <schema.table...>', 'only these tables (default: all that init-new set up)')
      .option('--exclude-tables <schema.table...>', 'leave these tables for later (default: none)')
      .option(
        '--drain-timeout-ms <ms>',
        describeWithDefault('wait for old snapshots on NEW before a batch is deferred', 'drainTimeoutMs'),
        parsePositiveInt('--drain-timeout-ms'),
      )
      .option(
        '--lock-timeout-ms <ms>',
        describeWithDefault("lock_timeout for fdwmig's writes that could wait on the application", 'lockTimeoutMs'),
        parsePositiveInt('--lock-timeout-ms'),
      )
      .option(
        '--max-rows-per-second <n>',
        describeWithDefault(
          "cap on each table's rows moved per second (0: none), to spare the application's latency",
          'maxRowsPerSecond',
        ),
        parseNonNegativeInt('--max-rows-per-second'),
      )
      .option(
        '--no-yield-to-app',
        'keep every pipeline at full speed while the application is busy on NEW (default: one pipeline, resting between batches)',
      )
      .option('--no-finalize', 'leave FKs off and sequences as they are at the end')
      .addHelpText('after', EXAMPLES)
      .action(async (_opts: unknown, cmd: Command) => runMigrateCommand(ctx, cmd));
  },
};

/**
 * migrate from the command line: progress; Ctrl-C and SIGTERM stop after the batches in flight;
 * a summary; exit 1 if a table is not done.
 */
async function runMigrateCommand(ctx: CliContext, cmd: Command): Promise<void> {
  const config = await ctx.loadConfig(cmd);
  const view = progressView(ctx.io, config.json);
  const stop = new AbortController();
  // Ctrl-C, or SIGTERM from a container runtime or Kubernetes: finish the batches in flight.
  const onSigint = () => {
    if (stop.signal.aborted) process.exit(130);
    ctx.io.stderr(
      '\nstopping after the batches in flight (Ctrl-C again to quit at once; a re-run repairs either way)\n',
    );
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  let result: MigrateResult;
  try {
    result = await runMigrate(config, {
      ...cliDeps(ctx.io, config.json),
      onEvent: (e) => view.onEvent(e),
      signal: stop.signal,
    });
  } finally {
    view.stop();
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigint);
  }
  if (config.json) ctx.io.stdout(`${redactSecrets(JSON.stringify({ event: 'summary', ...result }))}\n`);
  else if (config.dryRun) ctx.io.stdout('-- dry run: nothing was moved\n');
  else ctx.io.stdout(renderSummary(result));
  const bad = result.tables.filter((t) => t.status !== 'moved');
  if (bad.length) {
    throw new FdwmigError(
      `${bad.length} table(s) not fully moved: ${bad.map((t) => `${t.table} (${t.status})`).join(', ')}`,
      {
        code: 'INCOMPLETE',
        exitCode: 1,
        hint: 're-run fdwmig migrate: it continues where it stopped and repairs any half-done batch',
      },
    );
  }
}
