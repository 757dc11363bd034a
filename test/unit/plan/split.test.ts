import { describe, expect, it } from 'vitest';
import { MIN_BATCHES_PER_RANGE, planRows, splitCount } from '../../../src/plan/split.js';

describe('splitCount', () => {
  it('splits a large table into one range per worker', () => {
    expect(splitCount(1_000_000, 5000, 2)).toBe(2);
    expect(splitCount(1_000_000, 5000, 3)).toBe(3);
  });

  it('keeps a table of few batches whole, and gives each range enough batches', () => {
    expect(splitCount(100, 5000, 2)).toBe(1);
    expect(splitCount(5000 * MIN_BATCHES_PER_RANGE * 2 - 1, 5000, 4)).toBe(1);
    expect(splitCount(5000 * MIN_BATCHES_PER_RANGE * 2, 5000, 4)).toBe(2);
    expect(splitCount(5000 * MIN_BATCHES_PER_RANGE * 3, 5000, 4)).toBe(3);
  });

  it('never splits with one worker, nothing to move, or a bad batch size', () => {
    expect(splitCount(1_000_000, 5000, 1)).toBe(1);
    expect(splitCount(0, 5000, 2)).toBe(1);
    expect(splitCount(1_000_000, 0, 2)).toBe(1);
  });
});

describe('planRows', () => {
  it("reads the top node's row estimate of EXPLAIN (FORMAT JSON)", () => {
    expect(planRows([{ Plan: { 'Node Type': 'Seq Scan', 'Plan Rows': 1000000 } }])).toBe(1_000_000);
    expect(planRows([{ Plan: { 'Plan Rows': 5895.6 } }])).toBe(5896);
  });

  it('gives 0 for anything else, so that nothing is split on a shape it does not know', () => {
    for (const x of [
      null,
      undefined,
      'x',
      [],
      [{}],
      [{ Plan: {} }],
      [{ Plan: { 'Plan Rows': '12' } }],
      [{ Plan: { 'Plan Rows': -3 } }],
      [{ Plan: { 'Plan Rows': Number.NaN } }],
    ]) {
      expect(planRows(x)).toBe(0);
    }
  });
});
