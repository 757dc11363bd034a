import { Command, InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  addTuningOptions,
  describeWithDefault,
  parseIntInRange,
  parseNonNegativeInt,
  parsePositiveInt,
} from '../../../src/cli/options.js';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('numeric option parsers', () => {
  it('accept whole numbers in range', () => {
    expect(parsePositiveInt('--batch')('5000')).toBe(5000);
    expect(parseNonNegativeInt('--gap')('0')).toBe(0);
    expect(parseIntInRange('--n', 1, 64)('64')).toBe(64);
  });

  it.each(['lots', '0', '-1', '1.5', '1e3', '', ' 5', '+5', '0x10', '99999999999999999999'])(
    '--batch rejects %j',
    (value) => {
      const err = thrown(() => parsePositiveInt('--batch')(value));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err.message).toBe(`--batch must be a whole number >= 1, got '${value}'`);
    },
  );

  it('names the range when there is a maximum', () => {
    expect(thrown(() => parsePositiveInt('--concurrency', 64)('65')).message).toBe(
      "--concurrency must be a whole number from 1 to 64, got '65'",
    );
    expect(thrown(() => parseNonNegativeInt('--gap')('-1')).message).toBe(
      "--gap must be a whole number >= 0, got '-1'",
    );
  });
});

describe('tuning options', () => {
  it('show the config defaults in their help but leave values unset', () => {
    const command = addTuningOptions(new Command('x'));
    expect(command.helpInformation().replace(/\s+/g, ' ')).toContain(
      'rows per batch of migrate (default: 2000 while the application is busy on NEW, 20000 while it is quiet)',
    );
    command.parse([], { from: 'user' });
    expect(command.opts()).toEqual({});
  });

  it('describeWithDefault renders the default as JSON', () => {
    expect(describeWithDefault('dump tool', 'pgDumpPath')).toBe('dump tool (default: "pg_dump")');
  });
});
