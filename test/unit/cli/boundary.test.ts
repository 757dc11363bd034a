/** The error boundary with commands that fail at run time (the real commands are replaced). */
import type { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import type { CommandModule } from '../../../src/cli/context.js';
import { runMain } from './run-main.js';

vi.mock('../../../src/cli/commands/index.js', async () => {
  const { PgError, PreflightError } = await import('../../../src/errors.js');
  const failures: Record<string, () => never> = {
    preflight: () => {
      throw new PreflightError('wal_level is replica', { hint: 'set wal_level = logical on OLD and restart it' });
    },
    pg: () => {
      const cause = Object.assign(new Error('permission denied for table t'), { code: '42501', detail: 'd' });
      throw new PgError(cause, { step: 'create-server', sql: "CREATE SERVER s OPTIONS (password 'pw-in-sql')" });
    },
    bug: () => {
      throw new TypeError("Cannot read properties of undefined (reading 'x')");
    },
  };
  const failing = Object.entries(failures).map(([name, fail]): CommandModule => ({
    register: (program) => void program.command(name).action(fail),
  }));
  const loadThenFail: CommandModule = {
    register: (program, ctx) =>
      void program.command('load-then-bug').action(async (_opts: unknown, cmd: Command) => {
        await ctx.loadConfig(cmd);
        failures.bug?.();
      }),
  };
  return { commands: [...failing, loadThenFail] };
});

describe('main: runtime failures exit 1, printed once', () => {
  it('an FdwmigError: message and hint, no stack', async () => {
    const r = await runMain(['preflight']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: wal_level is replica\n  hint: set wal_level = logical on OLD and restart it\n',
    });
  });

  it('a PostgreSQL error: shown whole, secrets in the SQL masked', async () => {
    const r = await runMain(['pg']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      [
        'error: permission denied for table t',
        '  detail: d',
        '  sqlstate: 42501',
        '  step: create-server',
        "  sql: CREATE SERVER s OPTIONS (password '****')",
        '',
      ].join('\n'),
    );
  });

  it('an unexpected error: one line without --debug, the stack with it', async () => {
    const plain = await runMain(['bug']);
    expect(plain).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: Cannot read properties of undefined (reading 'x')\n",
    });
    const debug = await runMain(['--debug', 'bug']);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^error: Cannot read .*\nTypeError: Cannot read .*\n {4}at /);
  });

  it('debug set in the config file turns on the stack too', async () => {
    const files = { 'c.json': JSON.stringify({ oldUrl: 'postgres://o/db', newUrl: 'postgres://n/db', debug: true }) };
    const r = await runMain(['--config', 'c.json', 'load-then-bug'], { files });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\nTypeError: Cannot read .*\n {4}at /);
  });
});
