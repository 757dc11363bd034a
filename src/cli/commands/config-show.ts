/**
 * `fdwmig config`: print the merged configuration, passwords masked.
 */
import type { Command } from 'commander';
import type { Config } from '../../config/schema.js';
import { maskUrl, redactSecrets } from '../../config/url.js';
import type { CommandModule } from '../context.js';
import { addTuningOptions } from '../options.js';

const EXAMPLES = `
Sources, lowest precedence first: defaults, config file (--config or FDWMIG_CONFIG),
environment (FDWMIG_OLD_URL, FDWMIG_NEW_URL, FDWMIG_*_PASSWORD_FILE), flags.

Examples:
  $ fdwmig config --old postgres://app@old-db/shop --new postgres://app@new-db/shop
  $ FDWMIG_CONFIG=fdwmig.json fdwmig config --batch 20000
`;

export const configShowCommand: CommandModule = {
  register(program, ctx) {
    const command = program.command('config').description('print the merged configuration as JSON, passwords masked');
    addTuningOptions(command)
      .addHelpText('after', EXAMPLES)
      .action(async (_opts: unknown, cmd: Command) => {
        const config = await ctx.loadConfig(cmd);
        ctx.io.stdout(renderConfig(config));
      });
  },
};

/** The config as pretty JSON with both URLs masked and every registered secret redacted. */
export function renderConfig(config: Config): string {
  const masked = { ...config, oldUrl: maskUrl(config.oldUrl), newUrl: maskUrl(config.newUrl) };
  return `${redactSecrets(JSON.stringify(masked, null, 2))}\n`;
}
