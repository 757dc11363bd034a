import { describe, expect, it } from 'vitest';
import { renderSequenceSync } from '../../../src/cli/commands/sequences.js';
import { describeSequenceSync } from '../../../src/sequences/sync-sequences.js';
import { planSequenceSync } from '../../../src/plan/plan-sequence-sync.js';
import { sequence } from '../support/models.js';

describe('describeSequenceSync', () => {
  const owner = { schema: 'Sales Dept', table: 'Order "X"', column: 'id' };
  const oldSeqs = [
    sequence('Sales Dept', 'Order "X"_id_seq', { owner, lastValue: '100' }),
    sequence('public', 'ahead', { lastValue: '100' }),
    sequence('public', 'down', { increment: -1, minValue: '-1000', maxValue: '-1', lastValue: '-100' }),
    sequence('public', 'unused', { lastValue: null }),
    sequence('public', 'old_only', { lastValue: '7' }),
  ];
  const newSeqs = [
    sequence('Sales Dept', 'Order "X"_id_seq1', { owner, isIdentity: true, lastValue: null }),
    sequence('public', 'ahead', { lastValue: '5000' }),
    sequence('public', 'down', { increment: -1, minValue: '-1000', maxValue: '-1', lastValue: '-50' }),
    sequence('public', 'unused', { lastValue: '3' }),
  ];
  const lines = describeSequenceSync(oldSeqs, newSeqs, planSequenceSync(oldSeqs, newSeqs, 1000).changes);

  it('says which move, which are already past (never backwards) and which are skipped', () => {
    expect(lines.map((l) => [l.oldName, l.effect, l.newLastValue, l.target])).toEqual([
      ['Sales Dept.Order "X"_id_seq', 'moved', null, '1100'],
      ['public.ahead', 'unchanged', '5000', '1100'],
      ['public.down', 'moved', '-50', '-1000'],
      ['public.unused', 'skipped', '3', null],
      ['public.old_only', 'skipped', null, null],
    ]);
    expect(lines[1]!.note).toBe('NEW is already at 5000, past the target: left as is (never backwards)');
  });

  it('renders one line per sequence with the values behind it', () => {
    expect(renderSequenceSync(lines, true)).toMatchInlineSnapshot(`
      "moved      Sales Dept.Order "X"_id_seq -> NEW Sales Dept.Order "X"_id_seq1: OLD at 100, NEW unused -> 1100
      unchanged  public.ahead: OLD at 100, target 1100: NEW is already at 5000, past the target: left as is (never backwards)
      moved      public.down: OLD at -100, NEW -50 -> -1000
      skipped    public.unused: never used on OLD (or not readable): left as is
      skipped    public.old_only: missing on NEW: not synced

      sequences sync: 2 of 5 sequence(s) moved
      "
    `);
  });
});
