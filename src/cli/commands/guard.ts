/** `fdwmig guard`: breaks deadlocks that cross OLD and NEW, until stopped. */
import type { Command } from 'commander';
import { runGuard } from '../../fdw/guard.js';
import type { CommandModule } from '../context.js';
import { cliDeps } from '../deps.js';
import { parsePositiveInt } from '../options.js';

const EXAMPLES = `
From init-new to cleanup, an application transaction on NEW can hold locks on both servers;
two of them locking in opposite orders can wait for each other across the servers, where
neither server's deadlock detector sees it. The guard looks at both servers' lock waits a few
times a second and cancels the youngest transaction's waiting statement in such a cycle: the
application sees 57014 (canceling statement due to user request) and may retry. migrate runs a
guard of its own; run this one for the rest of the time. One guard per NEW database.

Needs, on NEW and on OLD: pg_read_all_stats (to see other roles' lock waits) and
pg_signal_backend (to cancel them), or superuser (docs/SUPPORT.md). NEW 15 or later.

Examples:
  $ fdwmig guard
  $ fdwmig guard --json > guard.log
`;

export const guardCommand: CommandModule = {
  register(program, ctx) {
    program
      .command('guard')
      .description('break deadlocks that cross OLD and NEW, until stopped (Ctrl-C)')
      .option(
        '--interval-ms <ms>',
        "how often to look at both servers' lock waits (default: 400)",
        parsePositiveInt('--interval-ms', 60_000),
      )
      .addHelpText('after', EXAMPLES)
      .action(async (opts: { intervalMs?: number }, cmd: Command) => {
        const config = await ctx.loadConfig(cmd);
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        try {
          const r = await runGuard(config, cliDeps(ctx.io, config.json), {
            signal: stop.signal,
            intervalMs: opts.intervalMs,
          });
          const line = `guard: ${r.cancelled} deadlock(s) across the servers broken in ${r.seconds.toFixed(0)} s`;
          ctx.io.stdout(config.json ? `${JSON.stringify({ event: 'summary', ...r })}\n` : `${line}\n`);
        } finally {
          process.removeListener('SIGINT', onSignal);
          process.removeListener('SIGTERM', onSignal);
        }
      });
  },
};
