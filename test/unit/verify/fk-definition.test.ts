import { describe, expect, it } from 'vitest';
import { parseFkDefinition } from '../../../src/verify/fk-definition.js';

describe('parseFkDefinition', () => {
  it('reads plain columns and a qualified referenced table', () => {
    expect(parseFkDefinition('FOREIGN KEY (order_id) REFERENCES "Sales Dept"."Order"(id) ON DELETE CASCADE')).toEqual({
      columns: ['order_id'],
      refColumns: ['id'],
      matchFull: false,
    });
  });

  it('reads quoted names with quotes, commas, dots, parentheses, spaces and Unicode', () => {
    const def =
      'FOREIGN KEY ("user", "a""b", "x,y", "café") REFERENCES "we(ird"."t.""1"""("Id", "select", "p)q", naïve) MATCH FULL ON UPDATE SET NULL';
    expect(parseFkDefinition(def)).toEqual({
      columns: ['user', 'a"b', 'x,y', 'café'],
      refColumns: ['Id', 'select', 'p)q', 'naïve'],
      matchFull: true,
    });
  });

  it('reads an unqualified referenced table and ON DELETE SET NULL (cols) without confusion', () => {
    expect(
      parseFkDefinition('FOREIGN KEY (a, b) REFERENCES t(x, y) ON DELETE SET NULL (b) DEFERRABLE INITIALLY DEFERRED'),
    ).toEqual({ columns: ['a', 'b'], refColumns: ['x', 'y'], matchFull: false });
  });

  it('does not mistake a column named "MATCH FULL" for the clause', () => {
    expect(parseFkDefinition('FOREIGN KEY ("MATCH FULL") REFERENCES public.t("MATCH FULL")').matchFull).toBe(false);
  });

  it('refuses text that is not an FK definition', () => {
    expect(() => parseFkDefinition('CHECK ((a > 0))')).toThrow(/expected FOREIGN KEY/);
    expect(() => parseFkDefinition('FOREIGN KEY (a, b) REFERENCES t(x)')).toThrow(/column counts differ/);
    expect(() => parseFkDefinition('FOREIGN KEY ("a) REFERENCES t(x)')).toThrow(/unterminated/);
  });
});
