import { describe, expect, it } from 'vitest';
import { median, medianRatio, pairRatios, percentile } from '../../../tools/bench/stats.js';

describe('bench statistics', () => {
  it('median of odd and even counts, ignoring non-finite values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([1, NaN, 3])).toBe(2);
    expect(median([])).toBeNaN();
  });

  it('percentile by nearest rank', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 99)).toBe(99);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([], 50)).toBeNaN();
  });

  it('ratios pair by pair, then their median', () => {
    expect(pairRatios([2, 6, 9], [1, 2])).toEqual([2, 3]);
    // The median of ratios, not the ratio of medians: run 2 was slow on both sides.
    expect(medianRatio([10, 40, 12], [8, 40, 10])).toBeCloseTo(1.2);
  });
});
