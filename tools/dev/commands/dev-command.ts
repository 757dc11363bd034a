/** What a developer command is: the contract between cli.ts and the files of commands/. */
import type { Command } from 'commander';
import type { CliIo } from '../../../src/cli/context.js';

/** One developer command: `register` adds it (options, help, action) to the program. */
export interface DevCommand {
  register(program: Command, io: CliIo): void;
}
