/**
 * Switchover's last step: the shared `fdwmig verify` with content comparison (src/verify/run-verify.ts),
 * reduced to what switchover reports: ok, and one line per problem.
 */
import type { Config } from '../config/schema.js';
import type { Deps } from '../exec/connections.js';
import { runVerify } from '../verify/run-verify.js';
import type { VerifyOutcome } from './deps.js';

/** Keys per content chunk, as `fdwmig verify --compare-content` uses by default. */
const CHUNK_ROWS = 5000;

/** A verify for ReplicationDeps: every selected table compared row by row between OLD and NEW. */
export function verifyAfterSwitch(deps: Deps): (config: Config) => Promise<VerifyOutcome> {
  return async (config) => {
    const report = await runVerify(config, deps, { compareContent: true, chunkRows: CHUNK_ROWS });
    const problems = report.findings.filter((f) => f.severity === 'problem');
    return {
      ok: report.ok,
      lines: problems.length
        ? problems.map((f) => `${f.subject}${f.key ? ` ${f.key}` : ''}: ${f.message}${f.hint ? ` (${f.hint})` : ''}`)
        : [`${report.tables.length} table(s) identical on OLD and NEW`],
    };
  };
}
