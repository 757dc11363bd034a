import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchStore } from '../../src/state/batches.js';
import { BATCH_KEYS_JSON, stateSchemaDdl, stateUpgradeDdl } from '../../src/state/schema.js';
import { freshDatabases, type DbPair } from './support/databases.js';

// A state schema made by the previous fdwmig held batch keys as jsonb only; batches it recorded
// must still be read (a re-run finishes them), before and after migrate upgrades the schema.
describe('batch key lists across state schema versions', () => {
  let db: DbPair;
  beforeAll(async () => {
    db = await freshDatabases('batch_keys');
  });
  afterAll(async () => db?.drop());

  const keysOf = async (id: number) =>
    (await db.new.query(`SELECT ${BATCH_KEYS_JSON} AS keys FROM s.batches b WHERE id = $1`, [id])).rows[0].keys;
  const insertLegacy = `INSERT INTO s.batches (schema_name, table_name, after_key, last_key, snapshot, keys, row_count, state)
    VALUES ('public', 't', NULL, '["2"]', '1:1:', '[["1", "a"], ["2", "b"]]', 2, 'copied') RETURNING id`;

  it('reads jsonb keys from a schema without key_list, and both kinds once upgraded', async () => {
    for (const sql of stateSchemaDdl('s')) await db.new.query(sql);
    // Back to the previous version's shape.
    await db.new.query(
      `ALTER TABLE s.batches DROP COLUMN key_list; ALTER TABLE s.batches ALTER COLUMN keys DROP DEFAULT`,
    );
    const legacy = (await db.new.query(insertLegacy)).rows[0].id;
    expect(await keysOf(legacy)).toEqual([
      ['1', 'a'],
      ['2', 'b'],
    ]);

    for (const sql of stateUpgradeDdl('s')) await db.new.query(sql);
    for (const sql of stateUpgradeDdl('s')) await db.new.query(sql); // idempotent
    expect(await keysOf(legacy)).toEqual([
      ['1', 'a'],
      ['2', 'b'],
    ]);
    const current = (
      await db.new
        .query(`INSERT INTO s.batches (schema_name, table_name, after_key, last_key, snapshot, key_list, row_count, state)
      VALUES ('public', 't', '["2"]', '["4"]', '1:1:', ARRAY[ARRAY['3', 'c'], ARRAY['4', 'd']], 2, 'copied') RETURNING id`)
    ).rows[0].id;
    expect(await keysOf(current)).toEqual([
      ['3', 'c'],
      ['4', 'd'],
    ]);
    const empty = (
      await db.new
        .query(`INSERT INTO s.batches (schema_name, table_name, after_key, last_key, snapshot, key_list, row_count, state)
      VALUES ('public', 't', '["4"]', '["4"]', '1:1:', '{}', 0, 'copied') RETURNING id`)
    ).rows[0].id;
    expect(await keysOf(empty)).toEqual([]);
  });

  it('reads a one-column key list stored flat (text[]) as the keys it holds, as it does one stored as text[][]', async () => {
    const insert = (list: string) =>
      db.new
        .query(
          `INSERT INTO s.batches (schema_name, table_name, after_key, last_key, snapshot, key_list, row_count, state)
      VALUES ('public', 'u', NULL, '["9"]', '1:1:', ${list}, 2, 'copied') RETURNING id::text AS id`,
        )
        .then((r) => r.rows[0].id as string);
    const store = batchStore('s');
    expect(await store.keys(db.new, await insert(`ARRAY['5', '9']`))).toEqual([['5'], ['9']]);
    expect(await store.keys(db.new, await insert(`ARRAY[ARRAY['5'], ARRAY['9']]`))).toEqual([['5'], ['9']]);
    expect(await store.keys(db.new, await insert(`'{}'`))).toEqual([]);
  });

  it('reads a span of consecutive integer keys as every key in it, written as int::text writes them', async () => {
    const span = (lo: string, hi: string) =>
      db.new
        .query(
          `INSERT INTO s.batches (schema_name, table_name, after_key, last_key, snapshot, key_span, row_count, state)
      VALUES ('public', 'v', NULL, '["0"]', '1:1:', ARRAY['${lo}', '${hi}'], 1, 'copied') RETURNING id::text AS id`,
        )
        .then((r) => r.rows[0].id as string);
    const store = batchStore('s');
    expect(await store.keys(db.new, await span('-2', '2'))).toEqual([['-2'], ['-1'], ['0'], ['1'], ['2']]);
    expect(await store.keys(db.new, await span('7', '7'))).toEqual([['7']]);
    const top = await store.keys(db.new, await span('9223372036854775806', '9223372036854775807'));
    expect(top).toEqual([['9223372036854775806'], ['9223372036854775807']]);
    const bottom = (await db.new.query(`SELECT (-9223372036854775808)::int8::text AS t`)).rows[0].t;
    expect(await store.keys(db.new, await span(bottom, '-9223372036854775807'))).toEqual([
      [bottom],
      ['-9223372036854775807'],
    ]);
  });
});
