/**
 * Option value parsers and shared option groups for commander.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { AUTO_BATCH, CONFIG_DEFAULTS } from '../config/schema.js';

/** An argParser for commander: turns the option's text into a value or throws. */
export type ArgParser<T> = (value: string) => T;

/**
 * A parser accepting whole numbers from `min` (up to `max` if given). Anything else
 * throws commander's `InvalidArgumentError`, e.g. `--batch must be a whole number >= 1, got 'lots'`.
 */
export function parseIntInRange(name: string, min: number, max?: number): ArgParser<number> {
  const rule = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
  return (value) => {
    const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
    if (Number.isSafeInteger(parsed) && parsed >= min && (max === undefined || parsed <= max)) return parsed;
    throw new InvalidArgumentError(`${name} must be a whole number ${rule}, got '${value}'`);
  };
}

/** A parser for whole numbers >= 1 (and <= `max` if given). */
export function parsePositiveInt(name: string, max?: number): ArgParser<number> {
  return parseIntInRange(name, 1, max);
}

/** A parser for whole numbers >= 0 (and <= `max` if given). */
export function parseNonNegativeInt(name: string, max?: number): ArgParser<number> {
  return parseIntInRange(name, 0, max);
}

/** `description (default: value)`, with the value taken from the config defaults. */
export function describeWithDefault(description: string, key: keyof typeof CONFIG_DEFAULTS): string {
  return `${description} (default: ${JSON.stringify(CONFIG_DEFAULTS[key])})`;
}

/**
 * Add the copy tuning options (`--batch`, `--concurrency`, `--sequence-gap`,
 * `--fetch-size`, `--lock-timeout-ms`, `--ddl-retries`). They have no commander
 * default on purpose: a default here would override the config file and environment.
 */
export function addTuningOptions(command: Command): Command {
  return addLockOptions(
    command
      .option(
        '--batch <rows>',
        `rows per batch of migrate (default: ${AUTO_BATCH.busy} while the application is busy on NEW, ${AUTO_BATCH.quiet} while it is quiet)`,
        parsePositiveInt('--batch', 1_000_000),
      )
      .option(
        '--concurrency <n>',
        describeWithDefault('tables copied in parallel', 'concurrency'),
        parsePositiveInt('--concurrency', 64),
      )
      .option(
        '--sequence-gap <n>',
        describeWithDefault('added to each sequence carried to NEW', 'sequenceGap'),
        parseNonNegativeInt('--sequence-gap'),
      )
      .option(
        '--fetch-size <rows>',
        describeWithDefault('rows per postgres_fdw fetch', 'fetchSize'),
        parseIntInRange('--fetch-size', 100),
      ),
    'DDL on a live server',
  );
}

/**
 * The options of DDL that waits on the application's locks (`--lock-timeout-ms`,
 * `--lock-retry-ms`, `--ddl-retries`); `what` names the DDL in `--lock-timeout-ms`'s help.
 */
export function addLockOptions(command: Command, what: string): Command {
  return command
    .option(
      '--lock-timeout-ms <ms>',
      describeWithDefault(`lock_timeout for ${what}`, 'lockTimeoutMs'),
      parsePositiveInt('--lock-timeout-ms'),
    )
    .option(
      '--lock-retry-ms <ms>',
      describeWithDefault("how long DDL that meets the application's locks is retried before giving up", 'lockRetryMs'),
      parsePositiveInt('--lock-retry-ms'),
    )
    .option(
      '--ddl-retries <n>',
      'a cap on those retries, besides --lock-retry-ms (default: none)',
      parseNonNegativeInt('--ddl-retries'),
    );
}
