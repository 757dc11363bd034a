/** `fdwmig cleanup`: drop every object fdwmig created on NEW and OLD, and nothing else. */
import type { Command } from 'commander';
import { redactSecrets } from '../../config/url.js';
import { runCleanup } from '../../fdw/cleanup.js';
import type { CommandModule } from '../context.js';
import { cliDeps } from '../deps.js';
import { addLockOptions } from '../options.js';

const EXAMPLES = `
Drops on NEW the <table>_remote foreign tables, the user mappings (they hold OLD's password),
the foreign server, postgres_fdw if init-new installed it, and the state schema; on OLD the
marker schema. The application's tables and rows are not touched. Refuses while rows remain on
OLD or NEW's FKs are not restored (--force overrides). A second run does nothing.

Examples:
  $ fdwmig cleanup --dry-run
  $ fdwmig cleanup
  $ fdwmig cleanup --force      # give up on a migration: NEW stops seeing OLD's remaining rows
`;

export const cleanupCommand: CommandModule = {
  register(program, ctx) {
    addLockOptions(
      program
        .command('cleanup')
        .description('drop what fdwmig created on NEW and OLD once the move is done')
        .option('--force', 'drop even while rows remain on OLD or FKs are not restored (default: false)'),
      'DDL on NEW',
    )
      .addHelpText('after', EXAMPLES)
      .action(async (opts: { force?: boolean }, cmd: Command) => {
        const config = await ctx.loadConfig(cmd);
        const result = await runCleanup(config, cliDeps(ctx.io, config.json), { force: opts.force === true });
        const steps = result.plan.segments.flatMap((s) =>
          s.plan.steps.map((st) => ({ side: s.side, id: st.id, description: st.description, sql: st.sql })),
        );
        if (config.json) {
          ctx.io.stdout(
            `${redactSecrets(JSON.stringify({ event: 'done', applied: result.applied, steps, notes: result.plan.notes, overridden: result.overridden }))}\n`,
          );
          return;
        }
        if (config.dryRun) {
          ctx.io.stdout(redactSecrets(result.planText));
          ctx.io.stdout('-- dry run: nothing was dropped\n');
          return;
        }
        ctx.io.stdout(
          steps.length
            ? `cleanup: ${steps.length} step(s) applied; fdwmig left nothing behind\n`
            : "cleanup: nothing of fdwmig's left to drop\n",
        );
      });
  },
};
