import { describe, expect, it } from 'vitest';
import {
  rangeFingerprintQuery,
  rangeRowsQuery,
  rowByKeyQuery,
  type ComparedTable,
} from '../../../src/verify/content-sql.js';
import {
  keyPageQuery,
  keysPresentQuery,
  nthKeyQuery,
  rangeCondition,
  type KeyedTable,
} from '../../../src/verify/key-sql.js';

const t: KeyedTable = {
  schema: 'Sales Dept',
  name: 'Order "X"',
  key: ['user', 'Line No'],
  keyTypes: ['text', 'integer'],
};
const ct: ComparedTable = { ...t, columns: ['user', 'Line No', 'café'] };

describe('key SQL', () => {
  it('bounds a range by key tuples cast from jsonb parameters; open ends drop out', () => {
    expect(rangeCondition(t, { lo: ['a', '1'], hi: ['b', '2'] }, 3)).toEqual({
      sql: `(c."user", c."Line No") > (($3::jsonb->>0)::text, ($3::jsonb->>1)::integer) AND (c."user", c."Line No") <= (($4::jsonb->>0)::text, ($4::jsonb->>1)::integer)`,
      params: ['["a","1"]', '["b","2"]'],
    });
    expect(rangeCondition(t, { lo: null, hi: ['b', '2'] }, 1).sql).toBe(
      `(c."user", c."Line No") <= (($1::jsonb->>0)::text, ($1::jsonb->>1)::integer)`,
    );
    expect(rangeCondition(t, { lo: null, hi: null }, 1)).toEqual({ sql: 'true', params: [] });
  });

  it('walks the key index for the n-th key after a bound', () => {
    expect(nthKeyQuery(t, { lo: ['a', '1'], hi: null })).toEqual({
      sql: `SELECT c."user"::text AS k0, c."Line No"::text AS k1 FROM ONLY "Sales Dept"."Order ""X""" c
 WHERE (c."user", c."Line No") > (($2::jsonb->>0)::text, ($2::jsonb->>1)::integer)
 ORDER BY "user", "Line No" OFFSET $1 LIMIT 1`,
      params: ['["a","1"]'],
    });
  });

  it('pages keys and looks given keys up by equality', () => {
    expect(keyPageQuery(t, null).sql)
      .toBe(`SELECT c."user"::text AS k0, c."Line No"::text AS k1 FROM ONLY "Sales Dept"."Order ""X""" c
 WHERE true
 ORDER BY "user", "Line No" LIMIT $1`);
    expect(keysPresentQuery(t))
      .toBe(`SELECT c."user"::text AS k0, c."Line No"::text AS k1 FROM ONLY "Sales Dept"."Order ""X""" c
 WHERE (c."user", c."Line No") IN (SELECT (x->>0)::text, (x->>1)::integer FROM jsonb_array_elements($1::jsonb) x)`);
  });
});

describe('content SQL', () => {
  it('fingerprints a range as count and order-independent sums of row md5 halves', () => {
    expect(rangeFingerprintQuery(ct, { lo: ['a', '1'], hi: null })).toEqual({
      sql: `SELECT count(*)::text AS n,
       coalesce(sum(('x' || substr(h, 1, 16))::bit(64)::int8::numeric), 0)::text AS s1,
       coalesce(sum(('x' || substr(h, 17, 16))::bit(64)::int8::numeric), 0)::text AS s2
  FROM (SELECT pg_catalog.md5(ROW(c."user", c."Line No", c."café")::text) AS h FROM ONLY "Sales Dept"."Order ""X""" c WHERE (c."user", c."Line No") > (($1::jsonb->>0)::text, ($1::jsonb->>1)::integer)) x`,
      params: ['["a","1"]'],
    });
  });

  it('fingerprints a table without a key whole', () => {
    const q = rangeFingerprintQuery(
      { schema: 'public', name: 'nokey', key: [], keyTypes: [], columns: ['a'] },
      { lo: null, hi: null },
    );
    expect(q.sql).toContain('FROM ONLY "public"."nokey" c WHERE true');
    expect(q.params).toEqual([]);
  });

  it("lists a range's keys with row hashes, and reads one row's columns by key", () => {
    expect(rangeRowsQuery(ct, { lo: null, hi: null }).sql).toBe(
      `SELECT c."user"::text AS k0, c."Line No"::text AS k1, pg_catalog.md5(ROW(c."user", c."Line No", c."café")::text) AS h FROM ONLY "Sales Dept"."Order ""X""" c WHERE true`,
    );
    expect(rowByKeyQuery(ct))
      .toBe(`SELECT pg_catalog.md5(ROW(c."user", c."Line No", c."café")::text) AS h, c."user"::text AS v0, c."Line No"::text AS v1, c."café"::text AS v2
  FROM ONLY "Sales Dept"."Order ""X""" c WHERE (c."user", c."Line No") = (($1::jsonb->>0)::text, ($1::jsonb->>1)::integer)`);
  });
});
