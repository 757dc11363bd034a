import { describe, expect, it } from 'vitest';
import { referencedTableOutcome, type Referencing } from '../../../src/plan/referencing-outcome.js';

const r = (table: string, status: Referencing['status']): Referencing => ({ table, status });

describe('referencedTableOutcome: does a table move once the tables referencing it have ended?', () => {
  it('moves when nothing references it, or every referencing table moved', () => {
    expect(referencedTableOutcome([], false)).toEqual({ moves: true, staying: [] });
    expect(referencedTableOutcome([r('a', 'moved'), r('b', 'moved')], false)).toEqual({ moves: true, staying: [] });
  });

  it('in replica mode on OLD, a skipped referencing table stays on OLD and holds nothing back', () => {
    expect(referencedTableOutcome([r('a', 'moved'), r('notes', 'skipped')], true)).toEqual({
      moves: true,
      staying: [r('notes', 'skipped')],
    });
  });

  it('without replica mode, a skipped referencing table makes it wait', () => {
    expect(referencedTableOutcome([r('a', 'moved'), r('notes', 'skipped')], false)).toEqual({
      moves: false,
      blockedBy: r('notes', 'skipped'),
    });
  });

  it.each(['failed', 'not-run', 'stopped'] as const)(
    'a referencing table %s makes it wait, in replica mode too',
    (status) => {
      expect(referencedTableOutcome([r('notes', 'skipped'), r('lines', status)], true)).toEqual({
        moves: false,
        blockedBy: r('lines', status),
      });
    },
  );
});
