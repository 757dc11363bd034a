/**
 * fdwmig-dev, the developer CLI: the demo and the bank workload, which need the dev
 * dependencies (embedded PostgreSQL, testcontainers) and so are not part of the package. Run
 * from a clone; `make demo` and its siblings call it.
 */
import { Command, CommanderError } from 'commander';
import type { CliIo } from '../../src/cli/context.js';
import { defaultIo } from '../../src/cli/io.js';
import { exitCodeOf, formatError } from '../../src/errors.js';
import { demoCommand } from './commands/demo.js';
import type { DevCommand } from './commands/dev-command.js';
import { workloadCommand } from './commands/workload.js';

/** The program's name in its help; the file it runs as is {@link DEV_CLI_ENTRY}. */
export const DEV_CLI = 'fdwmig-dev';
export const DEV_CLI_ENTRY = 'dist-tools/tools/dev/main.js';

/** Every developer command, in the order `fdwmig-dev --help` lists them. */
export const devCommands: DevCommand[] = [demoCommand, workloadCommand];

const PROGRAM_HELP = `
${DEV_CLI} is \`node ${DEV_CLI_ENTRY}\` in a clone of fdwmig, after \`npm run build:tools\`.
make demo, make demo-logical, make demo-keep and make demo-stop run its demo command.

Exit codes: 0 success, 1 failure, 2 bad usage.
`;

/** Commander codes that mean "printed what was asked for": help or version. */
const SUCCESS_CODES = new Set(['commander.helpDisplayed', 'commander.version']);

/**
 * Run the developer CLI. `argv` is shaped like `process.argv` (node, script, ...arguments).
 * Returns the exit code and never calls `process.exit`.
 */
export async function devMain(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const program = new Command(DEV_CLI)
    .description("fdwmig's developer commands: the demo, and the demo's application workload.")
    .option('--new <url>', 'NEW server URL, for workload (env FDWMIG_NEW_URL)')
    .option('--debug', 'show stack traces (default: false)')
    .addHelpText('after', PROGRAM_HELP)
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) });
  for (const command of devCommands) command.register(program, io);
  try {
    await program.parseAsync(argv, { from: 'node' });
    return 0;
  } catch (err) {
    // Commander has printed its own error (or the help) already.
    if (err instanceof CommanderError) return SUCCESS_CODES.has(err.code) ? 0 : 2;
    io.stderr(`${formatError(err, { debug: argv.includes('--debug') })}\n`);
    return exitCodeOf(err);
  }
}
