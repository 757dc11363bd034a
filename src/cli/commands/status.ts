/** `fdwmig status`: where the migration stands, per table. */
import type { Command } from 'commander';
import { redactSecrets } from '../../config/url.js';
import { runStatus, type StatusReport } from '../../fdw/status.js';
import type { CommandModule } from '../context.js';
import { cliDeps } from '../deps.js';

const EXAMPLES = `
Read-only. Per table: rows left on OLD, rows moved, batches copied and not yet finished; overall:
the phase and whether NEW's FKs are on. For consistency checks run fdwmig verify.

Examples:
  $ fdwmig status
  $ fdwmig status --json
`;

export function renderStatus(r: StatusReport): string {
  const lines = [`phase: ${r.phaseText}`];
  if (r.oldDisplay) lines.push(`OLD: ${r.oldDisplay}`);
  const twice = r.tables.reduce((a, t) => a + t.rowsVisibleTwice, 0);
  if (twice)
    lines.push(
      `visible twice: up to ${twice} row(s) of batches a stopped migrate left copied are on OLD and NEW alike; readers through NEW see them twice until fdwmig migrate runs again and finishes them`,
    );
  if (r.foreignKeys.total)
    lines.push(
      `FKs: ${r.foreignKeys.on ? 'on' : 'off'} (${r.foreignKeys.restored} of ${r.foreignKeys.total} restored)`,
    );
  if (r.tables.length) {
    lines.push(
      '',
      'table'.padEnd(36) +
        'state'.padEnd(9) +
        'on OLD'.padStart(12) +
        'moved'.padStart(12) +
        'open batches'.padStart(14),
    );
    for (const t of r.tables) {
      lines.push(
        t.table.slice(0, 35).padEnd(36) +
          t.state.padEnd(9) +
          String(t.rowsOnOld).padStart(12) +
          String(t.rowsMoved).padStart(12) +
          String(t.openBatches).padStart(14),
      );
    }
  }
  return redactSecrets(lines.join('\n')) + '\n';
}

export const statusCommand: CommandModule = {
  register(program, ctx) {
    program
      .command('status')
      .description('where the migration stands: rows left on OLD, moved, FKs (read-only)')
      .addHelpText('after', EXAMPLES)
      .action(async (_opts: unknown, cmd: Command) => {
        const config = await ctx.loadConfig(cmd);
        const report = await runStatus(config, cliDeps(ctx.io, config.json));
        ctx.io.stdout(config.json ? `${redactSecrets(JSON.stringify(report, null, 2))}\n` : renderStatus(report));
      });
  },
};
