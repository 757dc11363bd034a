/** `fdwmig replicate switchover`: a short, measured write pause on OLD, then NEW has everything. */
import type { Command } from 'commander';
import { redactSecrets } from '../../config/url.js';
import { verifyAfterSwitch } from '../../replication/verify-after-switch.js';
import { runSwitchover, runSwitchoverRollback, type SwitchoverResult } from '../../replication/switchover.js';
import type { CliContext } from '../context.js';
import { describeWithDefault, parseNonNegativeInt, parsePositiveInt } from '../options.js';
import { addNameOptions, replicationDeps } from './replicate-options.js';

/** Writes are refused only once NEW is at most this far behind, so the pause stays short. */
const DEFAULT_MAX_LAG_BYTES = 1_048_576;
const DEFAULT_TIMEOUT_S = 300;

const HELP = `
1. waits until every table is in sync and the lag is at most --max-lag (nothing changed yet);
2. refuses the application's writes on OLD: runs --before-sql, and/or makes --app-roles read-only
   in OLD's database (ALTER ROLE ... IN DATABASE ... SET default_transaction_read_only = on) and
   ends their sessions;
3. waits until NEW confirmed OLD's WAL position taken after that (lag 0);
4. syncs sequences (OLD's last value plus --sequence-gap), refreshes NEW's materialized views,
   drops the subscription, then its slot on OLD; 5. verifies.
It prints how long writes were refused. A failure before step 2 changes nothing; after it, the
message says how to re-allow writes on OLD, which --rollback does.

Examples:
  $ fdwmig replicate switchover --app-roles shop_app --max-lag 100000
  $ fdwmig replicate switchover --before-sql revoke.sql --rollback-sql grant.sql
  $ fdwmig replicate switchover --rollback --app-roles shop_app
`;

interface SwitchoverFlags {
  maxLag?: number;
  timeout?: number;
  beforeSql?: string;
  rollbackSql?: string;
  rollback?: boolean;
}

export function renderSwitchover(r: SwitchoverResult): string {
  if (!r.applied)
    return `-- on OLD, to refuse the application's writes:\n${r.planText}\n-- dry run: nothing was changed\n`;
  const lines = [
    'switchover: NEW has every write OLD committed',
    ...r.timeline.map((t) => `  ${String(Math.round(t.ms)).padStart(6)} ms  ${t.step}`),
  ];
  lines.push(
    `writes on OLD were refused for ${Math.round(r.writesRefusedMs)} ms until NEW was ready (${r.sessionsEnded} application session(s) ended)`,
  );
  const moved = r.sequences.filter((s) => s.target !== null).length;
  lines.push(
    `sequences: ${moved} of ${r.sequences.length} moved past OLD's; materialized views refreshed: ${r.refreshedViews.length}; slots dropped on OLD: ${r.droppedSlots.join(', ') || 'none'}`,
  );
  lines.push(
    r.verify === null
      ? 'verify: not run'
      : `verify: ${r.verify.ok ? 'OLD and NEW hold the same rows' : 'differences found'} (${(r.verifyMs / 1000).toFixed(1)} s)`,
  );
  lines.push('point the application at NEW; fdwmig replicate cleanup drops the publication on OLD');
  return `${redactSecrets(lines.join('\n'))}\n`;
}

export function registerReplicateSwitchover(group: Command, ctx: CliContext): void {
  const cmd = group
    .command('switchover')
    .description('refuse writes on OLD briefly, let NEW catch up, end replication')
    .option(
      '--app-roles <roles...>',
      'OLD roles the application connects as: made read-only, sessions ended (default: none)',
    )
    .option(
      '--before-sql <file>',
      'SQL run on OLD to refuse writes (e.g. REVOKE ...), before the roles (default: none)',
    )
    .option('--rollback-sql <file>', 'SQL run on OLD by --rollback to undo --before-sql (default: none)')
    .option(
      '--max-lag <bytes>',
      `refuse writes only once the lag is at most this (default: ${DEFAULT_MAX_LAG_BYTES})`,
      parseNonNegativeInt('--max-lag'),
    )
    .option(
      '--timeout <s>',
      `bound on each wait for replication (default: ${DEFAULT_TIMEOUT_S})`,
      parsePositiveInt('--timeout'),
    )
    .option('--rollback', 're-allow writes on OLD after a failed switchover')
    .option(
      '--sequence-gap <n>',
      describeWithDefault("added to OLD's last value when moving sequences on NEW", 'sequenceGap'),
      parseNonNegativeInt('--sequence-gap'),
    )
    .option(
      '--lock-timeout-ms <ms>',
      describeWithDefault('lock_timeout for DDL', 'lockTimeoutMs'),
      parsePositiveInt('--lock-timeout-ms'),
    );
  addNameOptions(cmd)
    .addHelpText('after', HELP)
    .action(async (flags: SwitchoverFlags, command: Command) => {
      const config = await ctx.loadConfig(command);
      const base = replicationDeps(ctx.io, config.json);
      const deps = { ...base, verify: verifyAfterSwitch(base) };
      const beforeSql = flags.beforeSql === undefined ? null : await ctx.io.readFile(flags.beforeSql);
      const rollbackSql = flags.rollbackSql === undefined ? null : await ctx.io.readFile(flags.rollbackSql);
      if (flags.rollback) {
        const lines = await runSwitchoverRollback(config, { beforeSql, rollbackSql }, deps);
        ctx.io.stdout(config.json ? `${JSON.stringify({ event: 'rollback', lines })}\n` : `${lines.join('\n')}\n`);
        return;
      }
      const result = await runSwitchover(
        config,
        {
          maxLagBytes: flags.maxLag ?? DEFAULT_MAX_LAG_BYTES,
          timeoutMs: (flags.timeout ?? DEFAULT_TIMEOUT_S) * 1000,
          beforeSql,
          rollbackSql,
        },
        deps,
      );
      ctx.io.stdout(
        config.json ? `${redactSecrets(JSON.stringify({ event: 'done', ...result }))}\n` : renderSwitchover(result),
      );
    });
}
