/** `fdwmig init-new`: make every OLD row visible and writable through NEW's tables. */
import type { Command } from 'commander';
import { runInitNew } from '../../fdw/init-new.js';
import { redactSecrets } from '../../config/url.js';
import type { CommandModule } from '../context.js';
import { cliDeps } from '../deps.js';
import { describeWithDefault, parseNonNegativeInt, parseIntInRange, addLockOptions } from '../options.js';
import { addSelectionOptions } from '../selection-options.js';

const EXAMPLES = `
Creates on NEW: postgres_fdw, a server for OLD, user mappings, <table>_remote foreign tables
inheriting from NEW's tables, the state schema; drops NEW's FKs (kept for finalize) and moves
sequences past OLD's. Refuses, changing nothing, when NEW's tables do not match OLD's.
Safe to re-run. --dry-run prints the SQL plan (passwords masked) and changes nothing.

Examples:
  $ fdwmig init-new --old postgres://app@old-db/shop --new postgres://app@new-db/shop --dry-run
  $ fdwmig init-new --mapping-roles shop_app --sequence-gap 100000
`;

export const initNewCommand: CommandModule = {
  register(program, ctx) {
    addLockOptions(
      addSelectionOptions(
        program.command('init-new').description("set up NEW to serve OLD's rows through postgres_fdw"),
      )
        .option(
          '--mapping-roles <roles...>',
          describeWithDefault('extra NEW roles that read through NEW (get a user mapping)', 'mappingRoles'),
        )
        .option(
          '--sequence-gap <n>',
          describeWithDefault("added to OLD's last value when moving sequences on NEW", 'sequenceGap'),
          parseNonNegativeInt('--sequence-gap'),
        )
        .option(
          '--fetch-size <rows>',
          describeWithDefault('postgres_fdw fetch_size', 'fetchSize'),
          parseIntInRange('--fetch-size', 100),
        ),
      'DDL on NEW',
    )
      .addHelpText('after', EXAMPLES)
      .action(async (_opts: unknown, cmd: Command) => {
        const config = await ctx.loadConfig(cmd);
        const result = await runInitNew(config, cliDeps(ctx.io, config.json));
        if (config.json) {
          ctx.io.stdout(
            `${redactSecrets(JSON.stringify({ event: 'done', applied: result.applied, steps: result.plan.steps.map((s) => ({ id: s.id, description: s.description, sql: s.sql })), sequences: result.sequences }))}\n`,
          );
          return;
        }
        if (config.dryRun) {
          ctx.io.stdout(redactSecrets(result.planText));
          ctx.io.stdout('-- dry run: nothing was changed\n');
          return;
        }
        ctx.io.stdout(
          `init-new: ${result.plan.steps.length} step(s) applied; ${result.tables.length} table(s) served through NEW\n`,
        );
        ctx.io.stdout('next: point the application at NEW, then run fdwmig migrate\n');
      });
  },
};
