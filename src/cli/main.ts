/**
 * The CLI entry point and its one error boundary: every error is printed once, to
 * stderr, and turned into the exit code (0 success, 1 runtime failure, 2 usage/config).
 */
import { stat } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { exitCodeOf, formatError, UsageError } from '../errors.js';
import { commands } from './commands/index.js';
import { givenFlags } from './given-flags.js';
import type { CliContext, CliIo } from './context.js';
import { defaultIo } from './io.js';
import { FDWMIG_VERSION } from '../version.js';

const PROGRAM_HELP = `
Environment:
  FDWMIG_OLD_URL, FDWMIG_NEW_URL                       server URLs (flags win)
  FDWMIG_OLD_PASSWORD_FILE, FDWMIG_NEW_PASSWORD_FILE   files holding the passwords
  FDWMIG_CONFIG                                        JSON config file
  PGPASSFILE (default ~/.pgpass)                       libpq password file, for a URL without a password

Exit codes: 0 success, 1 failure or inconsistency, 2 bad usage or config.

Examples:
  $ fdwmig --old postgres://app@old-db/shop --new postgres://app@new-db/shop config
  $ fdwmig config --config fdwmig.json --new-password-file /run/secrets/new
`;

/** Commander codes that mean "printed what was asked for": help or version. */
const SUCCESS_CODES = new Set(['commander.helpDisplayed', 'commander.version']);

/**
 * Run the CLI. `argv` is shaped like `process.argv` (node, script, ...arguments).
 * Returns the exit code and never calls `process.exit`.
 */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let loaded: Config | undefined;
  const ctx: CliContext = {
    io,
    async loadConfig(cmd) {
      loaded = await loadConfig({ flags: givenFlags(cmd), env: io.env, readFile: io.readFile, fileMode: readFileMode });
      return loaded;
    },
  };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'node' });
    return 0;
  } catch (err) {
    const debug = loaded?.debug ?? argv.includes('--debug');
    return reportError(err, program, io, debug);
  }
}

function buildProgram(ctx: CliContext): Command {
  const program = new Command('fdwmig')
    .description('Move a live PostgreSQL database from an OLD server to a NEW one with postgres_fdw.')
    .version(FDWMIG_VERSION, '-V, --version', 'print the version')
    .option('--old <url>', 'OLD server URL, e.g. postgres://user@host:5432/db (env FDWMIG_OLD_URL)')
    .option('--new <url>', 'NEW server URL (env FDWMIG_NEW_URL)')
    .option('--config <file>', 'JSON config file (env FDWMIG_CONFIG)')
    .option('--old-password-file <file>', 'file holding the OLD password (env FDWMIG_OLD_PASSWORD_FILE)')
    .option('--new-password-file <file>', 'file holding the NEW password (env FDWMIG_NEW_PASSWORD_FILE)')
    .option('--json', 'machine-readable JSON output (default: false)')
    .option('--debug', 'show stack traces (default: false)')
    .option('--dry-run', 'print what would be done, change nothing (default: false)')
    .addHelpText('after', PROGRAM_HELP)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.stdout(text),
      writeErr: (text) => ctx.io.stderr(text),
      // Commander's own error text is printed once, by reportError(), with a hint.
      outputError: () => undefined,
    });
  // Registered after exitOverride/configureOutput so every subcommand inherits them.
  for (const command of commands) command.register(program, ctx);
  return program;
}

function reportError(err: unknown, program: Command, io: CliIo, debug: boolean): number {
  if (err instanceof CommanderError) {
    if (SUCCESS_CODES.has(err.code)) return 0;
    // Help shown because no command was given: it is already on stderr.
    if (err.code === 'commander.help') return 2;
    err = toUsageError(err, program);
  }
  io.stderr(`${formatError(err, { debug })}\n`);
  return exitCodeOf(err);
}

/** Commander's `error: ...\n(Did you mean x?)` as one line plus a hint. */
function toUsageError(err: CommanderError, program: Command): UsageError {
  const [first = '', ...rest] = err.message.split('\n');
  let message = first.replace(/^error: /, '');
  // "option '--batch <rows>' argument 'x' is invalid. <our message>": keep ours.
  const invalid = /^option '.*' argument '.*' is invalid\. (.+)$/.exec(message);
  if (err.code === 'commander.invalidArgument' && invalid?.[1] !== undefined) message = invalid[1];
  const suggestion = rest
    .join(' ')
    .replace(/^\((.*)\)$/, '$1')
    .trim();
  const help = `run '${helpCommandFor(program, err)}'`;
  return new UsageError(message, {
    hint: suggestion === '' ? help : `${suggestion.toLowerCase()} ${help}`,
    cause: err,
  });
}

/** `fdwmig <command> --help` when the error came from a known command, else `fdwmig --help`. */
function helpCommandFor(program: Command, err: CommanderError): string {
  const args = program.args;
  const used =
    err.code === 'commander.unknownCommand' ? undefined : program.commands.find((c) => args.includes(c.name()));
  return used === undefined ? 'fdwmig --help' : `fdwmig ${used.name()} --help`;
}

/** A file's permission bits; null where they mean nothing (Windows) or the file is not on disk. */
async function readFileMode(path: string): Promise<number | null> {
  if (process.platform === 'win32') return null;
  return stat(path).then(
    (s) => s.mode & 0o777,
    () => null,
  );
}
