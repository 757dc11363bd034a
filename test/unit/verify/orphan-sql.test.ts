import { describe, expect, it } from 'vitest';
import { buildOrphanQuery, orphanColumns } from '../../../src/verify/orphan-sql.js';

const table = { schema: 'Sales Dept', name: 'Order "Lines"' };
const ref = { schema: 'Sales Dept', name: 'Order' };

describe('buildOrphanQuery', () => {
  it('finds rows of the table alone whose FK has no match in the referenced table alone (after the move)', () => {
    expect(
      buildOrphanQuery({
        table,
        ref,
        fk: { columns: ['order', 'select'], refColumns: ['id', 'Line'], matchFull: false },
        keyColumns: ['order', 'line no'],
        only: true,
      }),
    ).toMatchInlineSnapshot(`
        "SELECT c."order"::text AS c0, c."line no"::text AS c1, c."select"::text AS c2, count(*) OVER () AS total
          FROM ONLY "Sales Dept"."Order ""Lines""" c
         WHERE c."order" IS NOT NULL AND c."select" IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM ONLY "Sales Dept"."Order" p
                            WHERE p."id" = c."order" AND p."Line" = c."select")
         ORDER BY c."order", c."line no", c."select"
         LIMIT 10"
      `);
  });

  it('reads parents with their children while rows live in two places', () => {
    const sql = buildOrphanQuery({
      table,
      ref,
      fk: { columns: ['o'], refColumns: ['id'], matchFull: false },
      keyColumns: ['id'],
      only: false,
    });
    expect(sql).not.toContain('ONLY');
    expect(sql).toContain('FROM "Sales Dept"."Order ""Lines""" c');
  });

  it('reports partly-null keys under MATCH FULL', () => {
    const sql = buildOrphanQuery({
      table,
      ref,
      fk: { columns: ['a', 'b'], refColumns: ['x', 'y'], matchFull: true },
      keyColumns: ['id'],
      only: true,
    });
    expect(sql).toContain(`OR ((c."a" IS NULL OR c."b" IS NULL) AND NOT (c."a" IS NULL AND c."b" IS NULL))`);
  });
});

describe('orphanColumns', () => {
  it('lists the key, then FK columns not in it', () => {
    expect(
      orphanColumns({
        keyColumns: ['order_id', 'line_no'],
        fk: { columns: ['order_id'], refColumns: ['id'], matchFull: false },
      }),
    ).toEqual(['order_id', 'line_no']);
    expect(
      orphanColumns({ keyColumns: ['id'], fk: { columns: ['category_id'], refColumns: ['id'], matchFull: false } }),
    ).toEqual(['id', 'category_id']);
  });
});
