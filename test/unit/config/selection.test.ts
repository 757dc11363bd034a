import { describe, expect, it } from 'vitest';
import { findUnknownSelections, selectionError } from '../../../src/config/selection.js';

const TABLES = [
  { schema: 'public', name: 'customers' },
  { schema: 'Sales Dept', name: 'Order' },
  { schema: 'we"ird sch', name: 'Order Items' },
];

describe('findUnknownSelections', () => {
  it('accepts names exactly as written, hostile ones included', () => {
    expect(
      findUnknownSelections(TABLES, {
        schemas: ['we"ird sch'],
        tables: ['Sales Dept.Order', 'we"ird sch.Order Items'],
        excludeTables: ['public.customers'],
      }),
    ).toEqual({ schemas: [], tables: [], excludeTables: [] });
  });

  it('names every entry that matches nothing; case matters, quotes are not syntax', () => {
    expect(
      findUnknownSelections(TABLES, {
        schemas: ['sales dept'],
        tables: ['public.Customers', '"Sales Dept"."Order"'],
        excludeTables: ['public.nope'],
      }),
    ).toEqual({
      schemas: ['sales dept'],
      tables: ['public.Customers', '"Sales Dept"."Order"'],
      excludeTables: ['public.nope'],
    });
  });
});

describe('selectionError', () => {
  it('is null without a selection', () => {
    expect(selectionError(TABLES, {}, 'OLD')).toEqual({ error: null, unknownExcludes: [] });
  });

  it('one unknown table: one line, exit 2, with a hint', () => {
    const { error } = selectionError(TABLES, { tables: ['public.custmers'] }, 'OLD');
    expect(error).toMatchObject({
      code: 'CONFIG',
      exitCode: 2,
      message: '--tables public.custmers: no such table on OLD',
      hint: expect.stringContaining('case-sensitive'),
    });
  });

  it('several: one bullet each; unknown excludes only reported back', () => {
    const r = selectionError(TABLES, { schemas: ['nope'], tables: ['a.b'], excludeTables: ['c.d'] }, 'OLD');
    expect(r.error?.message).toBe(
      'the table selection names nothing on OLD:\n  - --schemas nope: no table in that schema on OLD\n  - --tables a.b: no such table on OLD',
    );
    expect(r.unknownExcludes).toEqual(['c.d']);
  });
});
