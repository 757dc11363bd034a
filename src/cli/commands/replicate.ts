/**
 * `fdwmig replicate start | status | switchover | cleanup`: the logical replication mode. The
 * application stays on OLD while NEW follows it; a short, measured switchover ends it.
 */
import type { Command } from 'commander';
import { redactSecrets } from '../../config/url.js';
import { runReplicateCleanup } from '../../replication/cleanup.js';
import { formatFindings, runReplicateStart, type StartResult } from '../../replication/start.js';
import { UsageError } from '../../errors.js';
import type { CommandModule } from '../context.js';
import { describeWithDefault, parsePositiveInt, addLockOptions } from '../options.js';
import { addSelectionOptions } from '../selection-options.js';
import { addNameOptions, replicationDeps } from './replicate-options.js';
import { registerReplicateStatus } from './replicate-status.js';
import { registerReplicateSwitchover } from './replicate-switchover.js';

const GROUP_HELP = `
The application keeps using OLD while NEW follows it through logical replication; a short,
measured switchover ends it: writes on OLD are refused only while NEW applies the last bytes.

Examples:
  $ fdwmig replicate start --snapshot
  $ fdwmig replicate status
  $ fdwmig replicate switchover --app-roles shop_app
  $ fdwmig replicate cleanup
`;

const START_HELP = `
Preflight first (wal_level, replication privilege, free slots and wal senders, a primary key or
replica identity on every table, NEW's tables matching OLD's and empty); every problem is listed
with its fix and nothing changes. Then a publication on OLD and a subscription on NEW.
--copy-data (the default) lets NEW copy each table; --snapshot creates the slot first and copies
the tables itself from the slot's snapshot, --concurrency at a time (faster for large tables).

Examples:
  $ fdwmig replicate start --dry-run
  $ fdwmig replicate start --snapshot --concurrency 4
`;

function renderStart(r: StartResult): string {
  const lines = [`replicate start (${r.mode}): publishing ${r.tables.length} table(s)`];
  for (const c of r.copies) lines.push(`  ${c.table}: ${c.rows} rows copied in ${c.seconds.toFixed(1)} s`);
  const notes = r.findings.filter((f) => f.severity !== 'error');
  if (notes.length) lines.push(formatFindings(notes));
  lines.push(
    r.mode === 'copy-data'
      ? 'NEW copies each table, then streams the changes: fdwmig replicate status shows progress'
      : `streaming every change since ${r.consistentPoint}: fdwmig replicate status shows the lag`,
  );
  return `${redactSecrets(lines.join('\n'))}\n`;
}

function registerStart(group: Command, ctx: Parameters<CommandModule['register']>[1]): void {
  const start = addLockOptions(
    group
      .command('start')
      .description('preflight, then publish on OLD and subscribe on NEW')
      .option('--copy-data', "NEW's subscription copies the rows (default)")
      .option(
        '--snapshot',
        "copy the rows from the slot's exported snapshot in parallel, then subscribe without copying",
      )
      .option(
        '--concurrency <n>',
        describeWithDefault('tables copied at once with --snapshot', 'concurrency'),
        parsePositiveInt('--concurrency', 64),
      ),
    'CREATE PUBLICATION on the live OLD',
  );
  addNameOptions(addSelectionOptions(start))
    .addHelpText('after', START_HELP)
    .action(async (opts: { copyData?: boolean; snapshot?: boolean }, cmd: Command) => {
      if (opts.copyData && opts.snapshot)
        throw new UsageError('--copy-data and --snapshot exclude each other', {
          hint: 'pick one way to copy the rows present now',
        });
      const config = await ctx.loadConfig(cmd);
      const result = await runReplicateStart(
        config,
        opts.snapshot ? 'snapshot' : 'copy-data',
        replicationDeps(ctx.io, config.json),
      );
      if (config.json) ctx.io.stdout(`${redactSecrets(JSON.stringify({ event: 'done', ...result }))}\n`);
      else if (config.dryRun) ctx.io.stdout(`${redactSecrets(result.planText)}-- dry run: nothing was changed\n`);
      else ctx.io.stdout(renderStart(result));
    });
}

function registerCleanup(group: Command, ctx: Parameters<CommandModule['register']>[1]): void {
  const cleanup = group
    .command('cleanup')
    .description('drop the subscription, its slots and the publication (idempotent)')
    .option(
      '--lock-timeout-ms <ms>',
      describeWithDefault('lock_timeout for the DDL', 'lockTimeoutMs'),
      parsePositiveInt('--lock-timeout-ms'),
    );
  addNameOptions(cleanup)
    .addHelpText(
      'after',
      '\nRows on NEW are left alone. A second run does nothing.\n\nExamples:\n  $ fdwmig replicate cleanup --dry-run\n',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const config = await ctx.loadConfig(cmd);
      const r = await runReplicateCleanup(config, replicationDeps(ctx.io, config.json));
      if (config.json) ctx.io.stdout(`${JSON.stringify({ event: 'done', applied: r.applied, dropped: r.dropped })}\n`);
      else if (config.dryRun) ctx.io.stdout(`${redactSecrets(r.planText)}-- dry run: nothing was dropped\n`);
      else
        ctx.io.stdout(
          r.dropped.length
            ? `replicate cleanup: dropped\n${r.dropped.map((d) => `  ${d}`).join('\n')}\n`
            : 'replicate cleanup: nothing left to drop\n',
        );
    });
}

export const replicateCommand: CommandModule = {
  register(program, ctx) {
    const group = program
      .command('replicate')
      .description('logical replication mode: NEW follows OLD until a short switchover')
      .addHelpText('after', GROUP_HELP);
    registerStart(group, ctx);
    registerReplicateStatus(group, ctx);
    registerReplicateSwitchover(group, ctx);
    registerCleanup(group, ctx);
  },
};
