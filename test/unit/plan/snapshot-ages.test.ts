import { describe, expect, it } from 'vitest';
import { snapshotAges } from '../../../src/plan/snapshot-ages.js';

describe('snapshotAges', () => {
  it('measures xmax and every in-progress id from our own id', () => {
    expect(snapshotAges('100:105:100,103', '110')).toEqual({ maxAge: 5, xipAges: [10, 7] });
  });

  it('handles a snapshot with nothing in progress, and 64-bit ids past the first epoch', () => {
    const epoch = 2n ** 32n;
    expect(snapshotAges(`${epoch + 7n}:${epoch + 7n}:`, String(epoch + 9n))).toEqual({ maxAge: 2, xipAges: [] });
  });

  it('gives up (null) on a snapshot 2^31 or more transactions old', () => {
    expect(snapshotAges('1:1:', String(2 ** 31 + 1))).toBeNull();
    expect(snapshotAges('1:1:', String(2 ** 31))).toEqual({ maxAge: 2 ** 31 - 1, xipAges: [] });
  });

  it('rejects what is not a snapshot, and an id older than the snapshot', () => {
    expect(() => snapshotAges('garbage', '1')).toThrow(/not a txid snapshot/);
    expect(() => snapshotAges('5:9:', '8')).toThrow(/older than snapshot/);
  });
});
