/** `fdwmig-dev demo` (`make demo`): the main job on throwaway embedded servers (needs the dev dependencies). */
import type { CliIo } from '../../../src/cli/context.js';
import { parsePositiveInt } from '../../../src/cli/options.js';
import { FdwmigError, UsageError } from '../../../src/errors.js';
import type { DevCommand } from './dev-command.js';

const EXAMPLES = `
Starts OLD and NEW servers of their own (embedded binaries, or Docker when reachable), loads a
sample shop, runs check and init-new, then migrate while a workload writes through NEW, prints
a summary, and removes the servers at the end, also on Ctrl-C. Touches no server of yours.
--keep leaves them running (embedded, whatever the provider) and records them in .fdwmig-demo/
for make psql-old, make psql-new and fdwmig itself; --stop removes them. make demo,
make demo-logical, make demo-keep and make demo-stop run these.

Examples:
  $ fdwmig-dev demo
  $ fdwmig-dev demo --scale 5 --old-major 12 --new-major 16
  $ fdwmig-dev demo --keep && make psql-new && fdwmig-dev demo --stop
  $ fdwmig-dev demo --logical
`;

interface DemoOpts {
  scale?: number;
  oldMajor?: number;
  newMajor?: number;
  keep?: boolean;
  stop?: boolean;
  logical?: boolean;
}

export const demoCommand: DevCommand = {
  register(program, io) {
    program
      .command('demo')
      .description('run the main job on throwaway embedded servers')
      .option(
        '--scale <n>',
        'sample data size (1 = 2,000 customers, 8,000 orders, 24,000 lines) (default: 1)',
        parsePositiveInt('--scale', 100),
      )
      .option('--old-major <n>', 'OLD PostgreSQL major (default: 13)', parsePositiveInt('--old-major'))
      .option('--new-major <n>', 'NEW PostgreSQL major (default: 17)', parsePositiveInt('--new-major'))
      .option('--keep', 'leave the servers running at the end (default: false)')
      .option('--stop', 'stop and remove the servers of an earlier --keep, then exit (default: false)')
      .option(
        '--logical',
        'the replication mode instead: replicate start, switchover under load, cleanup (default: false)',
      )
      .addHelpText('after', EXAMPLES)
      .action(async (opts: DemoOpts) => runDemoCommand(opts, io));
  },
};

/** demo from the command line: the replication mode, the removal of kept servers, or the main job. */
async function runDemoCommand(opts: DemoOpts, io: CliIo): Promise<void> {
  if (opts.logical) return runLogicalDemoCommand(opts, io);
  if (opts.stop) return stopKeptDemoCommand(opts, io);
  const { runDemo } = await import('../demo.js');
  const code = await runDemo({
    scale: opts.scale ?? 1,
    oldMajor: opts.oldMajor ?? 13,
    newMajor: opts.newMajor ?? 17,
    keep: opts.keep === true,
    io,
  });
  if (code !== 0) throw demoFailed();
}

/** `demo --logical`: the replication mode's demo, which keeps no servers. */
async function runLogicalDemoCommand(opts: DemoOpts, io: CliIo): Promise<void> {
  if (opts.keep || opts.stop)
    throw new UsageError('--logical does not take --keep or --stop', {
      hint: "run 'fdwmig-dev demo --logical' (make demo-logical) alone",
    });
  const { runLogicalDemo } = await import('../demo-logical.js');
  const code = await runLogicalDemo({
    scale: opts.scale ?? 1,
    oldMajor: opts.oldMajor ?? 13,
    newMajor: opts.newMajor ?? 17,
    io,
  });
  if (code !== 0) throw demoFailed();
}

/** `demo --stop`: removes the servers of an earlier `demo --keep`, if any. */
async function stopKeptDemoCommand(opts: DemoOpts, io: CliIo): Promise<void> {
  if (opts.keep)
    throw new UsageError('--stop and --keep exclude each other', {
      hint: "run 'fdwmig-dev demo --stop', then 'fdwmig-dev demo --keep' (make demo-stop, make demo-keep)",
    });
  const { stopKeptDemo } = await import('../demo-state.js');
  const stopped = await stopKeptDemo();
  io.stdout(
    stopped.length
      ? `stopped and removed the demo servers: ${stopped.join(', ')}\n`
      : 'no demo servers were kept; nothing to stop\n',
  );
}

/** A demo that ran but did not complete: its own output has said which step failed. */
function demoFailed(): FdwmigError {
  return new FdwmigError('the demo did not complete', {
    code: 'DEMO',
    exitCode: 1,
    hint: 'the output above says which step failed',
  });
}
