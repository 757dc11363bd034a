/**
 * A fixed set of OLD+NEW connection pairs for parallel comparison: run() hands each task a pair
 * of its own (p-limit caps tasks at the number of pairs), so no pg client ever has two queries
 * of different tasks interleaved. A task must not call run() itself.
 */
import pLimit from 'p-limit';
import type { Queryable } from '../sql/queryable.js';

export interface Pair {
  old: Queryable;
  new: Queryable;
}

export interface PairPool {
  run<T>(fn: (p: Pair) => Promise<T>): Promise<T>;
}

export function pairPool(pairs: readonly Pair[]): PairPool {
  if (!pairs.length) throw new Error('pairPool needs at least one pair');
  const free = [...pairs];
  const limit = pLimit(pairs.length);
  return {
    run: (fn) =>
      limit(async () => {
        const p = free.pop()!;
        try {
          return await fn(p);
        } finally {
          free.push(p);
        }
      }),
  };
}
