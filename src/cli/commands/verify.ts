/** `fdwmig verify`: read-only consistency checks at any phase of a migration. */
import type { Command } from 'commander';
import { redactSecrets } from '../../config/url.js';
import { runVerify, type VerifyReport } from '../../verify/run-verify.js';
import { FdwmigError } from '../../errors.js';
import type { CommandModule } from '../context.js';
import { cliDeps } from '../deps.js';
import { describeWithDefault, parsePositiveInt } from '../options.js';
import { addSelectionOptions } from '../selection-options.js';

/** Keys per content chunk: small enough to narrow a differing chunk to its rows in memory. */
const DEFAULT_CHUNK_ROWS = 5000;

const EXAMPLES = `
Read-only. Reports the phase (not initialized / moving / all moved, FKs off / finalized) and
checks: rows still on OLD; keys both on OLD and in NEW's table (duplicates); FK orphans across
moved and unmoved rows while FKs are off, FKs present and validated after finalize; sequences
on NEW past their column's largest key and OLD's last value; triggers on OLD missing or off on NEW.
--compare-content also compares OLD's rows with NEW's, chunk by chunk, for tables both hold in
full (replication mode, or a copy made while the database was quiet), down to row and column.
Exit code 0 when consistent, 1 when a problem is found, 2 on bad input.

Examples:
  $ fdwmig verify
  $ fdwmig verify --tables public.orders --json
  $ fdwmig verify --compare-content --concurrency 4
`;

const MARK = { problem: 'x', warning: '!', info: '-' } as const;

export function renderVerify(r: VerifyReport): string {
  const lines = [`phase: ${r.phaseText}`, ''];
  const order = { problem: 0, warning: 1, info: 2 };
  for (const f of [...r.findings].sort((a, b) => order[a.severity] - order[b.severity])) {
    lines.push(`${MARK[f.severity]} ${f.severity.padEnd(7)} ${f.subject}${f.key ? ` ${f.key}` : ''}: ${f.message}`);
    if (f.hint && f.severity !== 'info') lines.push(`            hint: ${f.hint}`);
  }
  const problems = r.findings.filter((f) => f.severity === 'problem').length;
  lines.push(
    '',
    problems ? `verify: ${problems} problem(s)` : `verify: consistent (${r.tables.length} table(s) checked)`,
  );
  return redactSecrets(lines.join('\n')) + '\n';
}

export const verifyCommand: CommandModule = {
  register(program, ctx) {
    addSelectionOptions(
      program.command('verify').description('check that OLD and NEW are consistent, at any phase (read-only)'),
    )
      .option('--compare-content', "compare OLD's and NEW's rows chunk by chunk (default: false)")
      .option(
        '--chunk-rows <n>',
        `keys per content chunk (default: ${DEFAULT_CHUNK_ROWS})`,
        parsePositiveInt('--chunk-rows', 1_000_000),
      )
      .option(
        '--concurrency <n>',
        describeWithDefault('chunks compared at once (each holds a connection to both servers)', 'concurrency'),
        parsePositiveInt('--concurrency', 64),
      )
      .addHelpText('after', EXAMPLES)
      .action(async (opts: { compareContent?: boolean; chunkRows?: number }, cmd: Command) => {
        const config = await ctx.loadConfig(cmd);
        const report = await runVerify(config, cliDeps(ctx.io, config.json), {
          compareContent: opts.compareContent === true,
          chunkRows: opts.chunkRows ?? DEFAULT_CHUNK_ROWS,
        });
        ctx.io.stdout(config.json ? `${redactSecrets(JSON.stringify(report, null, 2))}\n` : renderVerify(report));
        if (!report.ok) {
          const n = report.findings.filter((f) => f.severity === 'problem').length;
          throw new FdwmigError(`verify found ${n} problem(s)`, {
            code: 'INCONSISTENT',
            exitCode: 1,
            hint: 'each problem above names its table, key and what to do',
          });
        }
      });
  },
};
