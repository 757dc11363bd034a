/** `fdwmig finalize`: FKs back on NEW, validated, and sequences synced, once every row moved. */
import type { Command } from 'commander';
import { redactSecrets } from '../../config/url.js';
import { runFinalizeCommand } from '../../fdw/finalize.js';
import type { CommandModule } from '../context.js';
import { cliDeps } from '../deps.js';
import { addLockOptions, describeWithDefault, parseNonNegativeInt } from '../options.js';

const EXAMPLES = `
Re-adds each FK init-new dropped, NOT VALID first (new writes are checked at once), then
validates it without blocking the application's writes, and moves NEW's sequences past OLD's.
migrate runs this at its end unless --no-finalize. An FK with orphan rows is reported with the
first keys and stays NOT VALID; fix the rows and run finalize again. Refuses while rows remain
on OLD.

Examples:
  $ fdwmig finalize --dry-run
  $ fdwmig finalize --lock-timeout-ms 5000
`;

export const finalizeCommand: CommandModule = {
  register(program, ctx) {
    addLockOptions(
      program
        .command('finalize')
        .description("turn NEW's FKs back on (validated) and sync sequences after the move")
        .option(
          '--sequence-gap <n>',
          describeWithDefault("added to OLD's last value when moving sequences on NEW", 'sequenceGap'),
          parseNonNegativeInt('--sequence-gap'),
        ),
      'DDL on NEW',
    )
      .addHelpText('after', EXAMPLES)
      .action(async (_opts: unknown, cmd: Command) => {
        const config = await ctx.loadConfig(cmd);
        const result = await runFinalizeCommand(config, cliDeps(ctx.io, config.json));
        if (config.json) {
          ctx.io.stdout(`${redactSecrets(JSON.stringify({ event: 'done', applied: !config.dryRun, ...result }))}\n`);
          return;
        }
        if (config.dryRun) {
          ctx.io.stdout(`${result.planText ?? ''}-- dry run: nothing was changed\n`);
          return;
        }
        const moved = result.sequences.filter((s) => s.target !== null).length;
        ctx.io.stdout(
          `finalize: ${result.foreignKeys.length} FK(s) re-added and validated, ${moved} sequence(s) synced\n`,
        );
      });
  },
};
