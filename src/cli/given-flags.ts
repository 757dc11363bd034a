/** The flags the user gave: commander's implied defaults left out (see givenFlags). */
import type { Command } from 'commander';

/**
 * The options of `cmd` and its parents that came from the command line (or commander's env
 * sources), not from a default. A `--no-x` option makes commander report `x: true` when it is
 * not given; taken as a flag, that would override `x: false` from the config file or the
 * environment.
 */
export function givenFlags(cmd: Command): Record<string, unknown> {
  const all = cmd.optsWithGlobals();
  return Object.fromEntries(
    Object.entries(all).filter(([key]) => cmd.getOptionValueSourceWithGlobals(key) !== 'default'),
  );
}
