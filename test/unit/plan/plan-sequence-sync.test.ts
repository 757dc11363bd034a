import { describe, expect, it } from 'vitest';
import { matchSequence, planSequenceSync, targetValue } from '../../../src/plan/plan-sequence-sync.js';
import { sequence } from '../support/models.js';

const MAX_INT8 = '9223372036854775807';
const MIN_INT8 = '-9223372036854775808';

describe('matchSequence', () => {
  const owner = { schema: 'Sales Dept', table: 'Order "X"', column: 'id' };

  it('matches by owning column before name', () => {
    const old = sequence('Sales Dept', 'Order "X"_id_seq', { owner });
    const sameName = sequence('Sales Dept', 'Order "X"_id_seq', { owner: { ...owner, column: 'other' } });
    const owned = sequence('Sales Dept', 'Order "X"_id_seq1', { owner, isIdentity: true });
    expect(matchSequence(old, [sameName, owned])).toBe(owned);
  });

  it('falls back to the name when no NEW sequence has the same owner', () => {
    const old = sequence('public', 'user_id_seq', { owner: { schema: 'public', table: 'user', column: 'id' } });
    const byName = sequence('public', 'user_id_seq');
    expect(matchSequence(old, [sequence('public', 'other'), byName])).toBe(byName);
  });

  it('matches an unowned sequence by schema and name, exactly', () => {
    const old = sequence('日本', 'café');
    const hit = sequence('日本', 'café');
    expect(matchSequence(old, [sequence('public', 'café'), sequence('日本', 'Café'), hit])).toBe(hit);
  });

  it('does not match an unowned OLD sequence to a NEW one by owner', () => {
    const old = sequence('public', 's');
    expect(matchSequence(old, [sequence('public', 't', { owner })])).toBeNull();
  });

  it('returns null when nothing matches', () => {
    expect(matchSequence(sequence('public', 's', { owner }), [])).toBeNull();
  });
});

describe('targetValue', () => {
  it('moves an ascending sequence up by the gap', () => {
    expect(targetValue('41', 1000, sequence('public', 's'))).toBe('1041');
  });

  it('moves a descending sequence down by the gap', () => {
    const desc = sequence('public', 's', { increment: -1, minValue: MIN_INT8, maxValue: '-1' });
    expect(targetValue('-41', 1000, desc)).toBe('-1041');
  });

  it('uses only the sign of the increment, not its size', () => {
    expect(targetValue('100', 10, sequence('public', 's', { increment: 50 }))).toBe('110');
    expect(
      targetValue('-100', 10, sequence('public', 's', { increment: -50, minValue: MIN_INT8, maxValue: '-1' })),
    ).toBe('-110');
  });

  it('clamps an ascending target to the maximum', () => {
    expect(targetValue('2147483000', 1000, sequence('public', 's', { maxValue: '2147483647' }))).toBe('2147483647');
    expect(targetValue('9223372036854775000', 1000, sequence('public', 's'))).toBe(MAX_INT8);
  });

  it('clamps a descending target to the minimum', () => {
    const desc = sequence('public', 's', { increment: -1, minValue: '-100', maxValue: '-1' });
    expect(targetValue('-90', 1000, desc)).toBe('-100');
  });

  it('clamps to the minimum when OLD is below NEW bounds', () => {
    expect(targetValue('-5000', 1000, sequence('public', 's', { minValue: '1' }))).toBe('1');
  });

  it('is exact beyond 2^53', () => {
    expect(targetValue('9007199254740993', 2, sequence('public', 's'))).toBe('9007199254740995');
  });

  it('leaves the value as is for a zero gap', () => {
    expect(targetValue('7', 0, sequence('public', 's'))).toBe('7');
  });
});

describe('planSequenceSync', () => {
  it('plans an ascending setval with GREATEST and params [target, schema, name]', () => {
    const old = sequence('Sales Dept', 'Order "X"_id_seq', { lastValue: '41' });
    const neu = sequence('Sales Dept', 'Order "X"_id_seq');
    const { steps, changes } = planSequenceSync([old], [neu], 1000);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toEqual({
      id: 'sequence:Sales Dept.Order "X"_id_seq',
      description:
        'move Sales Dept.Order "X"_id_seq to 1041 (OLD Sales Dept.Order "X"_id_seq is at 41, gap 1000); never backwards',
      sql: [
        `SELECT setval('"Sales Dept"."Order ""X""_id_seq"'::regclass, GREATEST($1::int8, COALESCE(s.last_value, s.start_value)), true)
  FROM pg_catalog.pg_sequences s WHERE s.schemaname = $2 AND s.sequencename = $3`,
      ],
      params: ['1041', 'Sales Dept', 'Order "X"_id_seq'],
      takesLocks: false,
    });
    expect(changes).toEqual([
      {
        oldName: 'Sales Dept.Order "X"_id_seq',
        newName: 'Sales Dept.Order "X"_id_seq',
        oldLastValue: '41',
        target: '1041',
        note: 'synced',
      },
    ]);
  });

  it('plans a descending setval with LEAST, moving down', () => {
    const old = sequence('public', 'down', { increment: -1, minValue: MIN_INT8, maxValue: '-1', lastValue: '-5' });
    const neu = sequence('public', 'down', { increment: -1, minValue: MIN_INT8, maxValue: '-1' });
    const [s] = planSequenceSync([old], [neu], 100).steps;
    expect(s!.sql[0]).toContain('LEAST($1::int8, COALESCE(s.last_value, s.start_value))');
    expect(s!.sql[0]).not.toContain('GREATEST');
    expect(s!.params).toEqual(['-105', 'public', 'down']);
  });

  it("uses NEW's direction and bounds, and NEW's name when matched by owner", () => {
    const owner = { schema: 'public', table: 'user', column: 'id' };
    const old = sequence('public', 'user_id_seq', { owner, lastValue: '2147483600' });
    const neu = sequence('public', 'user_id_seq1', { owner, maxValue: '2147483647', isIdentity: true });
    const { steps, changes } = planSequenceSync([old], [neu], 1000);
    expect(steps[0]!.sql[0]).toContain(`setval('"public"."user_id_seq1"'::regclass`);
    expect(steps[0]!.params).toEqual(['2147483647', 'public', 'user_id_seq1']);
    expect(changes[0]).toMatchObject({
      oldName: 'public.user_id_seq',
      newName: 'public.user_id_seq1',
      target: '2147483647',
    });
  });

  it('quotes a backslash and a single quote in the regclass literal', () => {
    const old = sequence('public', "it's\\seq", { lastValue: '1' });
    const [s] = planSequenceSync([old], [sequence('public', "it's\\seq")], 1).steps;
    expect(s!.sql[0]).toMatch(/^SELECT setval\(E'"public"\."it''s\\\\seq"'::regclass, /);
    expect(s!.params).toEqual(['2', 'public', "it's\\seq"]);
  });

  it('plans nothing for a sequence never used on OLD, and says so', () => {
    const { steps, changes } = planSequenceSync([sequence('public', 's')], [sequence('public', 's')], 1000);
    expect(steps).toEqual([]);
    expect(changes).toEqual([
      {
        oldName: 'public.s',
        newName: 'public.s',
        oldLastValue: null,
        target: null,
        note: 'never used on OLD (or not readable): left as is',
      },
    ]);
  });

  it('reports a sequence missing on NEW without planning it', () => {
    const { steps, changes } = planSequenceSync(
      [sequence('public', 'gone', { lastValue: '9' })],
      [sequence('public', 'other')],
      1000,
    );
    expect(steps).toEqual([]);
    expect(changes).toEqual([
      { oldName: 'public.gone', newName: null, oldLastValue: '9', target: null, note: 'missing on NEW: not synced' },
    ]);
  });

  it('reports every OLD sequence in OLD order and ignores NEW-only ones', () => {
    const olds = [
      sequence('a', 'one', { lastValue: '1' }),
      sequence('a', 'two'),
      sequence('a', 'three', { lastValue: '3' }),
    ];
    const news = [sequence('a', 'three'), sequence('a', 'one'), sequence('a', 'two'), sequence('a', 'extra')];
    const { steps, changes } = planSequenceSync(olds, news, 10);
    expect(changes.map((c) => c.note)).toEqual(['synced', 'never used on OLD (or not readable): left as is', 'synced']);
    expect(steps.map((s) => s.id)).toEqual(['sequence:a.one', 'sequence:a.three']);
    expect(steps.every((s) => Object.isFrozen(s))).toBe(true);
  });
});
