import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../../tools/bench/args.js';
import { parseMigrateSummary } from '../../../tools/bench/fdwmig-run.js';

describe('bench options', () => {
  it('defaults: scale 10, three runs, fsync on, docs written', () => {
    expect(parseBenchArgs([])).toMatchObject({
      scale: 10,
      runs: 3,
      runs4x: 3,
      fsync: true,
      hugePages: false,
      json: false,
      docsPath: 'docs/BENCHMARKS.md',
      batch: undefined,
      concurrency: undefined,
    });
    expect(parseBenchArgs(['--runs', '5'])).toMatchObject({ runs: 5, runs4x: 5 });
  });

  it('parses flags and refuses bad values with the flag named', () => {
    expect(
      parseBenchArgs([
        '--scale',
        '0.5',
        '--runs',
        '1',
        '--fsync',
        'off',
        '--huge-pages',
        '--no-docs',
        '--json',
        '--batch',
        '2000',
      ]),
    ).toMatchObject({ scale: 0.5, runs: 1, fsync: false, hugePages: true, docsPath: null, json: true, batch: 2000 });
    expect(() => parseBenchArgs(['--runs', '1.5'])).toThrow(/--runs: expected a whole number/);
    expect(() => parseBenchArgs(['--fsync', 'maybe'])).toThrow(/--fsync/);
    expect(() => parseBenchArgs(['--nope'])).toThrow();
    expect(parseBenchArgs(['--help'])).toBe('help');
  });
});

describe('migrate --json summary', () => {
  it('takes the summary line among the progress events', () => {
    const out = [
      '{"event":"plan","order":["public.a"]}',
      'not json',
      '{"event":"summary","tables":[{"table":"public.a","status":"skipped","rows":0,"reason":"no key"}],"rows":0,"seconds":0.1,"finalized":null,"order":[]}',
      '',
    ].join('\n');
    expect(parseMigrateSummary(out)).toEqual({
      tables: [{ table: 'public.a', status: 'skipped', rows: 0, reason: 'no key' }],
      rows: 0,
      seconds: 0.1,
      finalized: null,
    });
    expect(parseMigrateSummary('{"event":"plan"}\n')).toBeNull();
  });
});
