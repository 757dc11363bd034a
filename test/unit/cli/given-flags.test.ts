import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { givenFlags } from '../../../src/cli/given-flags.js';

function parsed(args: string[], before: string[] = []): Command {
  const program = new Command('fdwmig').option('--json').exitOverride();
  const sub = program
    .command('migrate')
    .option('--no-finalize')
    .option('--no-yield-to-app')
    .option('--batch <rows>')
    .action(() => undefined);
  program.parse(['node', 'fdwmig', ...before, 'migrate', ...args]);
  return sub;
}

describe('givenFlags', () => {
  it("leaves out what the user did not give, --no-x options' implied true included", () => {
    expect(parsed([]).optsWithGlobals()).toMatchObject({ finalize: true, yieldToApp: true });
    expect(givenFlags(parsed([]))).toEqual({});
  });

  it('keeps what the user gave, the negations and global options included', () => {
    expect(givenFlags(parsed(['--no-yield-to-app', '--batch', '7']))).toEqual({ yieldToApp: false, batch: '7' });
    expect(givenFlags(parsed(['--no-finalize']))).toEqual({ finalize: false });
    expect(givenFlags(parsed([], ['--json']))).toEqual({ json: true });
  });
});
