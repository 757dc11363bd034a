/** Small statistics for the benchmark: medians of runs, latency percentiles. Pure. */

/** The median of the given numbers (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** The p-th percentile (0..100) by the nearest-rank method; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const v = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * v.length));
  return v[Math.min(rank, v.length) - 1]!;
}

/** Element-wise a[i] / b[i] for the runs both have: ratios computed pair by pair within the run. */
export function pairRatios(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.min(a.length, b.length);
  return Array.from({ length: n }, (_, i) => a[i]! / b[i]!).filter((x) => Number.isFinite(x));
}

/** Median of the pairwise ratios a[i] / b[i]. */
export function medianRatio(a: readonly number[], b: readonly number[]): number {
  return median(pairRatios(a, b));
}
