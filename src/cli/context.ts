/**
 * What a command receives from the CLI: injected I/O and a config loader.
 */
import type { Command } from 'commander';
import type { Config } from '../config/schema.js';

/** The CLI's I/O, injected so `main()` runs in tests without a process. */
export interface CliIo {
  /** Write to standard output; callers add their own newlines. */
  stdout(text: string): void;
  /** Write to standard error; callers add their own newlines. */
  stderr(text: string): void;
  /** Whether standard output is a terminal (progress bars, colours). */
  isTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** Read a UTF-8 text file (config and password files). */
  readFile(path: string): Promise<string>;
}

export interface CliContext {
  io: CliIo;
  /**
   * Merge this command's options with the global ones (`cmd.optsWithGlobals()`), the
   * environment, the config file and the defaults, and validate the result.
   * Call it from an action: `.action(async (_opts, cmd: Command) => { const config = await ctx.loadConfig(cmd); ... })`.
   */
  loadConfig(cmd: Command): Promise<Config>;
}

/** One CLI command: `register` adds it (options, help, action) to the program. */
export interface CommandModule {
  register(program: Command, ctx: CliContext): void;
}
