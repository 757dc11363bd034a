/** `fdwmig sequences sync`: move NEW's sequences past OLD's, never backwards. */
import type { Command } from 'commander';
import { redactSecrets } from '../../config/url.js';
import { runSequenceSync, type SequenceSyncLine } from '../../sequences/sync-sequences.js';
import type { CommandModule } from '../context.js';
import { cliDeps } from '../deps.js';
import { describeWithDefault, parseNonNegativeInt } from '../options.js';

const EXAMPLES = `
Reads every sequence on OLD (serial, identity and standalone, in every schema) and sets NEW's
matching one (by owning column, else by name) to OLD's last value plus the gap, in the
sequence's direction; a sequence already past that stays where it is. Works at any phase;
init-new and finalize run the same sync. --dry-run shows what would change.

Examples:
  $ fdwmig sequences sync --dry-run
  $ fdwmig sequences sync --sequence-gap 100000
`;

/** One line per sequence: what happened and the values behind it. */
export function renderSequenceSync(lines: readonly SequenceSyncLine[], applied: boolean): string {
  const out = lines.map((l) => {
    const names = l.newName && l.newName !== l.oldName ? `${l.oldName} -> NEW ${l.newName}` : l.oldName;
    const detail =
      l.effect === 'moved'
        ? `OLD at ${l.oldLastValue}, NEW ${l.newLastValue ?? 'unused'} -> ${l.target}`
        : l.effect === 'unchanged'
          ? `OLD at ${l.oldLastValue}, target ${l.target}: ${l.note}`
          : l.note;
    return `${(applied || l.effect !== 'moved' ? l.effect : 'to move').padEnd(10)} ${names}: ${detail}`;
  });
  const moved = lines.filter((l) => l.effect === 'moved').length;
  out.push(
    '',
    applied
      ? `sequences sync: ${moved} of ${lines.length} sequence(s) moved`
      : `-- dry run: ${moved} of ${lines.length} sequence(s) would move; nothing was changed`,
  );
  return redactSecrets(out.join('\n')) + '\n';
}

export const sequencesCommand: CommandModule = {
  register(program, ctx) {
    const sequences = program
      .command('sequences')
      .description("NEW's sequences relative to OLD's")
      .addHelpText('after', '\nExamples:\n  $ fdwmig sequences sync --dry-run\n');
    sequences
      .command('sync')
      .description("move NEW's sequences past OLD's last values plus a gap (never backwards)")
      .option(
        '--sequence-gap <n>',
        describeWithDefault("added to OLD's last value", 'sequenceGap'),
        parseNonNegativeInt('--sequence-gap'),
      )
      .addHelpText('after', EXAMPLES)
      .action(async (_opts: unknown, cmd: Command) => {
        const config = await ctx.loadConfig(cmd);
        const result = await runSequenceSync(config, cliDeps(ctx.io, config.json));
        ctx.io.stdout(
          config.json
            ? `${redactSecrets(JSON.stringify({ event: 'done', applied: result.applied, sequences: result.lines }))}\n`
            : renderSequenceSync(result.lines, result.applied),
        );
      });
  },
};
