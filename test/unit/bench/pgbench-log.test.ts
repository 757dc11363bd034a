import { describe, expect, it } from 'vitest';
import { splitPhases } from '../../../tools/bench/load-phases.js';
import { parsePgbenchLog, type TxRecord } from '../../../tools/bench/pgbench-load.js';

describe('pgbench per-transaction log', () => {
  it('reads lines with --rate (schedule lag before retries) and without', () => {
    const withRate = parsePgbenchLog(
      '0 1 3239 0 1795298400 180298 178 2\n1 1 serialization 0 1795298400 194500 109 9\n',
      true,
    );
    expect(withRate).toEqual([
      { startMs: 1795298400180.298 - 3.239, endMs: 1795298400180.298, latencyMs: 3.239, failed: false, retries: 2 },
      { startMs: 1795298400194.5, endMs: 1795298400194.5, latencyMs: NaN, failed: true, retries: 9 },
    ]);
    const plain = parsePgbenchLog('0 1 1950 0 1795298402 372062 0\n\n', false);
    expect(plain).toHaveLength(1);
    expect(plain[0]).toMatchObject({ latencyMs: 1.95, failed: false, retries: 0 });
  });

  it('places a transaction in the phase where it started', () => {
    const tx = (startMs: number, latencyMs: number, failed = false, retries = 0): TxRecord => ({
      startMs,
      endMs: startMs + latencyMs,
      latencyMs: failed ? NaN : latencyMs,
      failed,
      retries,
    });
    const txs = [
      tx(0, 5),
      tx(500, 5),
      tx(1000, 50, false, 1),
      tx(1900, 400),
      tx(1950, 0, true),
      tx(2100, 5),
      tx(2900, 5),
    ];
    const p = splitPhases(txs, { loadStart: 0, start: 1000, end: 2000, loadEnd: 3000 });
    expect(p.before).toMatchObject({ seconds: 1, committed: 2, failed: 0 });
    // The 400 ms transaction ends after migrate but was held up during it.
    expect(p.during).toMatchObject({ committed: 2, failed: 1, retried: 1, p99Ms: 400, tps: 2 });
    expect(p.after).toMatchObject({ committed: 2, p50Ms: 5, p99Ms: 5 });
  });
});
