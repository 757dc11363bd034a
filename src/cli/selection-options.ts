import type { Command } from 'commander';

/** Which tables a command works on: flags named after their config keys. */
export function addSelectionOptions(command: Command): Command {
  return command
    .option('--schemas <names...>', 'only tables in these schemas (default: every user schema)')
    .option('--tables <schema.table...>', 'only these tables (default: all)')
    .option('--exclude-tables <schema.table...>', 'leave these tables out (default: none)');
}
