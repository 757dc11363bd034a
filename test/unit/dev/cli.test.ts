/**
 * The developer CLI (fdwmig-dev: demo, workload) without servers: help, examples and usage
 * errors. The demo itself runs in test/integration/demo*.test.ts, the workload in
 * docker-example.test.ts.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/context.js';
import { DEV_CLI, devCommands, devMain } from '../../../tools/dev/cli.js';

async function runDev(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    isTTY: false,
    env,
    readFile: async () => Promise.reject(new Error('unused')),
  };
  const code = await devMain(['node', DEV_CLI, ...args], io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('the developer CLI', () => {
  it('--help lists demo and workload and says how to run it', async () => {
    const r = await runDev(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['demo', 'workload']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(r.stdout).toContain('make demo');
  });

  it('every command help shows defaults where it has them, and examples of itself', async () => {
    const program = new Command();
    const io = { stdout: () => undefined, stderr: () => undefined, isTTY: false, env: {}, readFile: async () => '' };
    for (const command of devCommands) command.register(program, io);
    expect(program.commands.map((c) => c.name())).toEqual(['demo', 'workload']);
    for (const command of program.commands) {
      const name = command.name();
      const r = await runDev([name, '--help']);
      expect.soft(r.code, name).toBe(0);
      expect.soft(r.stdout, name).toContain('Examples:');
      const examples = (r.stdout.split('Examples:')[1] ?? '').split('\n').filter((l) => l.trim().startsWith('$ '));
      expect.soft(examples.length, name).toBeGreaterThan(0);
      for (const example of examples)
        expect.soft(example, `${name}: an example of itself`).toContain(`${DEV_CLI} ${name}`);
      for (const option of command.options.filter((o) => o.required && o.long !== '--help'))
        expect.soft(option.description, `${name} ${option.long}`).toMatch(/\(default: .+\)|env FDWMIG_|\(required\)/);
    }
  });

  it('an unknown command or option exits 2', async () => {
    expect(await runDev(['demoo'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("unknown command 'demoo'"),
    });
    expect(await runDev(['demo', '--bogus'])).toMatchObject({ code: 2, stderr: expect.stringContaining("'--bogus'") });
    expect(await runDev(['demo', '--scale', '0'])).toMatchObject({ code: 2 });
  });

  it('demo refuses --logical with --keep, and --stop with --keep, before starting anything', async () => {
    const logical = await runDev(['demo', '--logical', '--keep']);
    expect(logical.code).toBe(2);
    expect(logical.stderr).toContain('error: --logical does not take --keep or --stop\n  hint: ');
    const stop = await runDev(['demo', '--stop', '--keep']);
    expect(stop.code).toBe(2);
    expect(stop.stderr).toContain('error: --stop and --keep exclude each other\n  hint: ');
  });

  it('workload without a URL exits 2 naming --url, --new and FDWMIG_NEW_URL', async () => {
    const r = await runDev(['workload', '--seconds', '1']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: missing the database URL\n  hint: pass --url URL (or --new URL, or set FDWMIG_NEW_URL)\n',
    );
  });
});
