import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../../src/config/format-issues.js';
import {
  AUTO_BATCH,
  CONFIG_DEFAULTS,
  CONFIG_KEYS,
  ConfigFileSchema,
  ConfigSchema,
} from '../../../src/config/schema.js';

const URLS = { oldUrl: 'postgres://old/db', newUrl: 'postgres://new/db' };

function problems(schema: typeof ConfigSchema | typeof ConfigFileSchema, input: unknown): string[] {
  const result = schema.safeParse(input);
  return result.success ? [] : formatIssues(result.error.issues, CONFIG_KEYS);
}

describe('ConfigSchema', () => {
  it('fills in every default', () => {
    expect(ConfigSchema.parse(URLS)).toEqual({ ...URLS, ...CONFIG_DEFAULTS });
    expect(CONFIG_DEFAULTS).not.toHaveProperty('batchSize');
    expect(AUTO_BATCH).toEqual({ busy: 2000, quiet: 20_000 });
    expect(CONFIG_DEFAULTS).toMatchObject({
      concurrency: 2,
      sequenceGap: 10000,
      fetchSize: 10000,
      lockTimeoutMs: 2000,
      lockRetryMs: 300_000,
      stateSchema: 'fdwmig',
      serverName: 'fdwmig_old',
      pgDumpPath: 'pg_dump',
      publicationName: 'fdwmig_pub',
      subscriptionName: 'fdwmig_sub',
      slotName: 'fdwmig_slot',
      appRoles: [],
    });
  });

  it('does not share the default mappingRoles array between parses', () => {
    const first = ConfigSchema.parse(URLS);
    first.mappingRoles.push('x');
    expect(ConfigSchema.parse(URLS).mappingRoles).toEqual([]);
  });

  it('does not share the default appRoles array between parses', () => {
    ConfigSchema.parse(URLS).appRoles.push('x');
    expect(ConfigSchema.parse(URLS).appRoles).toEqual([]);
  });

  it.each([
    [{ batchSize: 0 }, '- batchSize: expected a whole number from 1 to 1000000'],
    [{ batchSize: 1_000_001 }, '- batchSize: expected a whole number from 1 to 1000000'],
    [{ batchSize: 2.5 }, '- batchSize: expected a whole number from 1 to 1000000'],
    [{ batchSize: '10' }, '- batchSize: expected a whole number from 1 to 1000000'],
    [{ concurrency: 65 }, '- concurrency: expected a whole number from 1 to 64'],
    [{ sequenceGap: -1 }, '- sequenceGap: expected a whole number >= 0'],
    [{ fetchSize: 99 }, '- fetchSize: expected a whole number >= 100'],
    [{ lockTimeoutMs: 0 }, '- lockTimeoutMs: expected a whole number >= 1'],
    [{ pgDumpPath: '' }, '- pgDumpPath: expected a non-empty string'],
    [{ tables: ['public.t', 'orders'] }, "- tables[1]: expected a qualified name 'schema.table'"],
    [{ copySchema: 'yes' }, '- copySchema: expected boolean, received string'],
    [{ oldUrl: '' }, '- oldUrl: expected a non-empty string'],
    [
      { slotName: 'Fdwmig-Slot' },
      "- slotName: expected 1 to 63 lower-case letters, digits or underscores (PostgreSQL's rule for slot names)",
    ],
    [{ publicationName: '' }, '- publicationName: expected a non-empty string'],
    [{ appRoles: 'app' }, '- appRoles: expected array, received string'],
  ])('rejects %j', (input, bullet) => {
    expect(problems(ConfigSchema, { ...URLS, ...input })).toEqual([bullet]);
  });

  it('accepts the edges of each range', () => {
    expect(() =>
      ConfigSchema.parse({
        ...URLS,
        batchSize: 1_000_000,
        concurrency: 64,
        sequenceGap: 0,
        fetchSize: 100,
        ddlRetries: 0,
      }),
    ).not.toThrow();
  });
});

describe('ConfigFileSchema', () => {
  it('accepts any subset of the keys', () => {
    expect(ConfigFileSchema.safeParse({ batchSize: 10 }).success).toBe(true);
    expect(ConfigFileSchema.safeParse({}).success).toBe(true);
  });

  it('is strict: one bullet per unknown key, with a near spelling when there is one', () => {
    expect(problems(ConfigFileSchema, { batch_size: 1, colour: 'x', concurrency: 0 })).toEqual([
      '- concurrency: expected a whole number from 1 to 64',
      "- batch_size: unknown key (did you mean 'batchSize'?)",
      '- colour: unknown key',
    ]);
  });

  it('reports a non-object at the root', () => {
    expect(problems(ConfigFileSchema, [1])).toEqual(['- (root): expected object, received array']);
  });
});

describe('qualified table names', () => {
  it('are taken as written: quotes, spaces, Unicode and dots inside the names', () => {
    const tables = ['we"ird sch.Order Items', 'Ünï Cödé.日本の表', 'public.v1.2 (old)'];
    expect(ConfigSchema.parse({ ...URLS, tables, excludeTables: tables })).toMatchObject({
      tables,
      excludeTables: tables,
    });
  });

  it('need a schema and a table around a dot', () => {
    expect(problems(ConfigSchema, { ...URLS, tables: ['.t', 't.', 'nodot'] })).toEqual(
      [0, 1, 2].map((i) => `- tables[${i}]: expected a qualified name 'schema.table'`),
    );
  });
});
