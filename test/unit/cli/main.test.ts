import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { commands } from '../../../src/cli/commands/index.js';
import { runMain } from './run-main.js';

const OLD = 'postgres://u:s3cret@old-db/shop';
const NEW = 'postgres://u:0ther-pw@new-db/shop';

/** Every stderr error line, to check each error is printed exactly once. */
const errorLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('error:'));

describe('main: usage errors exit 2 with one line and a hint', () => {
  it('unknown command', async () => {
    const r = await runMain(['confg']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("error: unknown command 'confg'\n  hint: did you mean config? run 'fdwmig --help'\n");
  });

  it.each(['demo', 'workload'])(
    'the developer command %s is not in the product (it needs the dev dependencies)',
    async (command) => {
      const r = await runMain([command]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^error: unknown command '${command}'\n`));
    },
  );

  it('unknown option', async () => {
    const r = await runMain(['config', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: unknown option '--bogus'\n  hint: run 'fdwmig config --help'\n");
  });

  it.each([
    [['--batch', 'lots'], "--batch must be a whole number from 1 to 1000000, got 'lots'"],
    [['--batch', '0'], "--batch must be a whole number from 1 to 1000000, got '0'"],
    [['--concurrency', '65'], "--concurrency must be a whole number from 1 to 64, got '65'"],
    [['--batch'], "option '--batch <rows>' argument missing"],
  ])('bad option value %j', async (args, message) => {
    const r = await runMain(['config', '--old', OLD, '--new', NEW, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: ${message}\n  hint: run 'fdwmig config --help'\n`);
  });

  it('excess argument', async () => {
    const r = await runMain(['config', 'extra']);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual(["error: too many arguments for 'config'. Expected 0 arguments but got 1."]);
  });

  it('no command: help on stderr, exit 2', async () => {
    const r = await runMain([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: fdwmig');
    expect(r.stdout).toBe('');
  });
});

describe('main: help and version exit 0', () => {
  it('--help', async () => {
    const r = await runMain(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: fdwmig [options] [command]');
    expect(r.stdout).toContain('--old-password-file <file>');
    expect(r.stdout).toContain('Examples:');
    expect(r.stderr).toBe('');
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const r = await runMain(['--version']);
    expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('every command help, subcommands too, shows defaults where it has them, and examples', async () => {
    const program = new Command();
    const io = { stdout: () => undefined, stderr: () => undefined, isTTY: false, env: {}, readFile: async () => '' };
    for (const command of commands)
      command.register(program, { io, loadConfig: async () => Promise.reject(new Error('unused')) });
    expect(program.commands.length).toBe(commands.length);
    const all = (parent: Command, path: string[]): [string[], Command][] =>
      parent.commands.flatMap((c) => [[[...path, c.name()], c] as [string[], Command], ...all(c, [...path, c.name()])]);
    const checked = all(program, []);
    expect(checked.map(([path]) => path.join(' '))).toEqual(expect.arrayContaining(['sequences sync']));
    for (const [path, command] of checked) {
      const r = await runMain([...path, '--help']);
      expect.soft(r.code, path.join(' ')).toBe(0);
      expect.soft(r.stdout, path.join(' ')).toContain('Examples:');
      for (const example of (r.stdout.split('Examples:')[1] ?? '')
        .split('\n')
        .filter((l) => l.trim().startsWith('$ '))) {
        expect.soft(example, `${path.join(' ')}: an example of itself`).toContain(`fdwmig ${path.join(' ')}`);
      }
      const withValues = command.options.filter((o) => o.required && o.long !== '--help');
      for (const option of withValues)
        expect
          .soft(option.description, `${path.join(' ')} ${option.long}`)
          .toMatch(/\(default: .+\)|env FDWMIG_|\(required\)/);
    }
  });
});

describe('main: config command', () => {
  it('prints the merged config with flags applied and exits 0', async () => {
    const r = await runMain(['config', '--old', OLD, '--new', NEW, '--batch', '7', '--dry-run']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      oldUrl: 'postgres://u:****@old-db/shop',
      newUrl: 'postgres://u:****@new-db/shop',
      batchSize: 7,
      dryRun: true,
      concurrency: 2,
    });
  });

  it('accepts global options before the command too', async () => {
    const r = await runMain(['--old', OLD, '--new', NEW, 'config']);
    expect(r.code).toBe(0);
  });

  it.each([
    ['valid', ['config', '--old', 'postgres://u:s3cret@h/db', '--new', NEW]],
    ['valid, --debug', ['--debug', 'config', '--old', 'postgres://u:s3cret@h/db', '--new', NEW]],
    ['bad port, --debug', ['--debug', 'config', '--old', 'postgres://u:s3cret@h:99999/db', '--new', NEW]],
    ['bad value, --debug', ['--debug', 'config', '--old', 'postgres://u:s3cret@h/db', '--new', NEW, '--batch', 'x']],
  ])('never prints a password (%s)', async (_case, args) => {
    const r = await runMain(args, { files: { 'new.pw': 'file-pw\n' }, env: { FDWMIG_NEW_PASSWORD_FILE: 'new.pw' } });
    for (const secret of ['s3cret', '0ther-pw', 'file-pw']) {
      expect(r.stdout).not.toContain(secret);
      expect(r.stderr).not.toContain(secret);
    }
  });

  it('a bad config file exits 2 listing each bad key once', async () => {
    const files = { 'fdwmig.json': JSON.stringify({ oldUrl: OLD, newUrl: NEW, batchsize: 10, concurrency: 'two' }) };
    const r = await runMain(['config', '--config', 'fdwmig.json'], { files });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        'error: invalid config file fdwmig.json:',
        '- concurrency: expected a whole number from 1 to 64',
        "- batchsize: unknown key (did you mean 'batchSize'?)",
        "  hint: run 'fdwmig config --help' for every key and its default",
        '',
      ].join('\n'),
    );
  });

  it('a missing config file (from FDWMIG_CONFIG) exits 2', async () => {
    const r = await runMain(['config'], { env: { FDWMIG_CONFIG: 'gone.json' } });
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual(['error: config file not found: gone.json']);
  });

  it('missing URLs exit 2 with the flag and env variable to use', async () => {
    const r = await runMain(['config', '--old', OLD]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: missing the NEW server URL\n  hint: pass --new URL or set FDWMIG_NEW_URL (or newUrl in the config file)\n',
    );
  });
});
