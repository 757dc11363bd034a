/** `fdwmig-dev workload`: the demo's application-like workload as a program (the Docker example's). */
import type { Command } from 'commander';
import { parseNonNegativeInt, parsePositiveInt } from '../../../src/cli/options.js';
import { findUrlPasswords, maskUrl, registerSecret } from '../../../src/config/url.js';
import { FdwmigError, UsageError } from '../../../src/errors.js';
import type { DevCommand } from './dev-command.js';
import type { WorkloadStats } from '../workload.js';

const DEFAULTS = { accounts: 5000, clients: 2, seconds: 60, seed: 1 } as const;

const EXAMPLES = `
Transfers through the given database (NEW, once init-new made it serve OLD's rows): each
updates one account's balance and logs the delta in ledger, retrying a serialization failure
as an application would. At the end it checks that every balance equals its start plus its
logged deltas. Needs the tables of sql/demo/bank.sql and the rows of bank-data.sql (the demo
and the Docker example load them). Exit 0 when nothing was lost, 1 otherwise.

Examples:
  $ fdwmig-dev workload --url postgres://app@new-db/shop --seconds 120
  $ FDWMIG_NEW_URL=postgres://app@new-db/shop fdwmig-dev workload --accounts 5000 --clients 4
`;

interface WorkloadOpts {
  url?: string;
  accounts?: number;
  clients?: number;
  seconds?: number;
  seed?: number;
}

const counts = (s: WorkloadStats) =>
  `${s.transactions} transactions, ${s.retried} retried after a serialization failure, ${s.lostWrites} lost writes, ${s.otherErrors.length} other errors`;

export const workloadCommand: DevCommand = {
  register(program, io) {
    program
      .command('workload')
      .description("run the demo's application workload against a database and check its invariant")
      .option('--url <url>', 'database the application uses (default: --new, env FDWMIG_NEW_URL)')
      .option(
        '--accounts <n>',
        `accounts the database holds (default: ${DEFAULTS.accounts})`,
        parsePositiveInt('--accounts'),
      )
      .option(
        '--clients <n>',
        `concurrent connections (default: ${DEFAULTS.clients})`,
        parsePositiveInt('--clients', 64),
      )
      .option('--seconds <s>', `how long to run (default: ${DEFAULTS.seconds})`, parsePositiveInt('--seconds', 86_400))
      .option(
        '--seed <n>',
        `seed of the accounts and amounts picked (default: ${DEFAULTS.seed})`,
        parseNonNegativeInt('--seed'),
      )
      .addHelpText('after', EXAMPLES)
      .action(async (opts: WorkloadOpts, cmd: Command) => {
        const url = opts.url ?? (cmd.optsWithGlobals() as { new?: string }).new ?? io.env.FDWMIG_NEW_URL;
        if (!url)
          throw new UsageError('missing the database URL', {
            hint: 'pass --url URL (or --new URL, or set FDWMIG_NEW_URL)',
          });
        for (const secret of findUrlPasswords(url)) registerSecret(secret);
        const o = {
          accounts: opts.accounts ?? DEFAULTS.accounts,
          clients: opts.clients ?? DEFAULTS.clients,
          seconds: opts.seconds ?? DEFAULTS.seconds,
          seed: opts.seed ?? DEFAULTS.seed,
        };
        const { runWorkloadFor } = await import('../workload.js');
        io.stdout(
          `workload: ${o.clients} clients making transfers through ${maskUrl(url)} over ${o.accounts} accounts for ${o.seconds} s\n`,
        );
        const run = await runWorkloadFor(url, {
          ...o,
          onProgress: (t, s) => io.stdout(`workload: ${t} s: ${counts(s)}\n`),
        });
        for (const e of run.stats.otherErrors) io.stdout(`workload: error: ${e}\n`);
        io.stdout(
          [
            `workload: ${counts(run.stats)}`,
            `workload invariant: ${run.invariant.ok ? 'every balance equals its start plus its logged deltas' : `BROKEN: ${run.invariant.problems.join('; ')}`}`,
            '',
          ].join('\n'),
        );
        if (!run.ok)
          throw new FdwmigError('the workload saw lost writes or errors', {
            code: 'WORKLOAD',
            exitCode: 1,
            hint: 'the lines above name them',
          });
      });
  },
};
