import { describe, expect, it } from 'vitest';
import { MIN_BATCHES_PER_RANGE, splitCount } from '../../../src/plan/split.js';

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
