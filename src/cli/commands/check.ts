/** `fdwmig check`: read-only preflight of OLD, NEW and every table. */
import type { Command } from 'commander';
import { runCheck, type CheckReport } from '../../fdw/check.js';
import { redactSecrets } from '../../config/url.js';
import { PreflightError } from '../../errors.js';
import type { CommandModule } from '../context.js';
import { cliDeps } from '../deps.js';
import { addSelectionOptions } from '../selection-options.js';

const EXAMPLES = `
Read-only: nothing is changed on either server (NEW's reachability probe is rolled back).
Exit code 0 when every table can be migrated, 1 when a problem was found, 2 on bad input.

Examples:
  $ fdwmig check --old postgres://app@old-db/shop --new postgres://app@new-db/shop
  $ fdwmig check --json --exclude-tables public.audit_log
`;

const MARK = { error: 'x', warning: '!', info: '-' } as const;

/** The report for a person: problems first, then the per-table summary. */
export function renderCheck(r: CheckReport): string {
  const order = { error: 0, warning: 1, info: 2 };
  const lines = [...r.findings]
    .sort((a, b) => order[a.severity] - order[b.severity])
    .flatMap((f) => [
      `${MARK[f.severity]} ${f.severity.padEnd(7)} ${f.subject}: ${f.message}`,
      ...(f.hint ? [`            hint: ${f.hint}`] : []),
    ]);
  lines.push('', `tables: ${r.tables.filter((t) => t.migratable).length} of ${r.tables.length} can be migrated`);
  for (const t of r.tables)
    lines.push(`  ${t.migratable ? 'ok     ' : 'REFUSED'} ${t.name} (~${t.estimatedRows} rows)`);
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  lines.push('', errors ? `check: ${errors} problem(s) to fix` : 'check: ready for init-new');
  return redactSecrets(lines.join('\n')) + '\n';
}

export const checkCommand: CommandModule = {
  register(program, ctx) {
    addSelectionOptions(program.command('check').description('preflight: can OLD be migrated to NEW? (read-only)'))
      .addHelpText('after', EXAMPLES)
      .action(async (_opts: unknown, cmd: Command) => {
        const config = await ctx.loadConfig(cmd);
        const report = await runCheck(config, cliDeps(ctx.io, config.json));
        ctx.io.stdout(config.json ? `${redactSecrets(JSON.stringify(report, null, 2))}\n` : renderCheck(report));
        if (!report.ok) {
          const n = report.findings.filter((f) => f.severity === 'error').length;
          throw new PreflightError(`check found ${n} problem(s)`, {
            hint: 'fix what is marked x above, then run fdwmig check again',
          });
        }
      });
  },
};
