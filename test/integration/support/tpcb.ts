/** pgbench's invariant, asserted: equal sums of balances and deltas, one history row per commit. */
import { expect } from 'vitest';
import { readTpcbInvariant } from '../../../tools/dev/saturating-workload.js';

export async function expectTpcbInvariant(url: string, committed: number): Promise<void> {
  const inv = await readTpcbInvariant(url);
  expect([inv.accounts, inv.tellers, inv.branches]).toEqual([inv.history, inv.history, inv.history]);
  expect(inv.historyRows).toBe(committed);
}
