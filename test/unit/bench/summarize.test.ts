import { describe, expect, it } from 'vitest';
import type { FdwmigLineResult } from '../../../tools/bench/lines.js';
import type { PhaseStats } from '../../../tools/bench/load-phases.js';
import { summarize, type ScaleRuns } from '../../../tools/bench/summarize.js';
import type { SwitchoverLineResult } from '../../../tools/bench/switchover-line.js';

const phase = (p99Ms: number): PhaseStats => ({
  seconds: 10,
  committed: 100,
  tps: 10,
  p50Ms: 1,
  p99Ms,
  failed: 0,
  retried: 0,
});

function fdwmig(
  seconds: number,
  o: { failure?: string; rss?: number; p99?: [number, number]; broken?: boolean; cpu?: [number, number, number] } = {},
): FdwmigLineResult {
  return {
    cpu: o.cpu ? { old: o.cpu[0], new: o.cpu[1], client: o.cpu[2] } : undefined,
    move: {
      seconds,
      initSeconds: 1,
      migrateSeconds: seconds - 1,
      passes: 1,
      peakRssMb: o.rss ?? 80,
      rowsMoved: 10,
      tables: [],
      finalized: true,
      window: { start: 0, end: 1 },
      failure: o.failure ?? null,
    },
    leftOnOld: {},
    rerun: null,
    invariant: {
      ok: !o.broken,
      problems: o.broken ? ['sum of accounts balances 1 <> sum of history deltas 2'] : [],
      sums: { history: 0, accounts: 0, tellers: 0, branches: 0 },
    },
    load: o.p99
      ? { phases: { before: phase(1), during: phase(o.p99[0]), after: phase(o.p99[1]) }, errors: [], slices: 3 }
      : null,
  };
}

const base = (runs: ScaleRuns['runs']): ScaleRuns => ({ scale: 1, rows: { a: 100 }, bytes: 1000, runs });

describe('summarize', () => {
  it('takes ratios pair by pair over the runs where both lines completed, and judges the targets', () => {
    const s = summarize(
      base([
        { copy: 10, dump: 20, fdwmig: fdwmig(13), load: fdwmig(20, { p99: [30, 10] }) },
        { copy: 20, dump: 30, fdwmig: fdwmig(30), load: fdwmig(20, { p99: [10, 10] }) },
        { copy: 10, dump: null, fdwmig: fdwmig(99, { failure: 'x failed' }), load: fdwmig(20, { p99: [20, 10] }) },
      ]),
      null,
      {},
    )!;
    expect(s.ratioFdwmigCopy).toBeCloseTo(1.4);
    expect(s.ratioDumpCopy).toBeCloseTo(1.75);
    expect(s.load?.p99Ratio).toBe(2);
    const byName = Object.fromEntries(s.targets.map((t) => [t.name, t.met]));
    expect(byName).toMatchObject({
      'fdwmig completes: no load, under load, at 4x': false,
      'fdwmig / copy, no load': true,
      'p99 during move / p99 after': true,
      'lost writes (pgbench invariant)': true,
      'peak RSS of fdwmig': true,
      'replication switchover: writes refused': false,
    });
  });

  it('gives the median CPU of copy and fdwmig over the runs where both completed with a reading', () => {
    const cpu = (old: number, neu: number, client: number) => ({ old, new: neu, client });
    const s = summarize(
      base([
        { copy: 10, copyCpu: cpu(1, 2, 0.5), dump: null, fdwmig: fdwmig(13, { cpu: [3, 3, 1] }), load: null },
        { copy: 10, copyCpu: cpu(2, 4, 0.7), dump: null, fdwmig: fdwmig(13, { cpu: [5, 4, 2] }), load: null },
        {
          copy: 10,
          copyCpu: cpu(9, 9, 9),
          dump: null,
          fdwmig: fdwmig(13, { failure: 'x', cpu: [9, 9, 9] }),
          load: null,
        },
        { copy: 10, copyCpu: null, dump: null, fdwmig: fdwmig(13, { cpu: [9, 9, 9] }), load: null },
        { copy: 10, copyCpu: cpu(3, 3, 0.6), dump: null, fdwmig: fdwmig(13, { cpu: [4, 5, 1.5] }), load: null },
      ]),
      null,
      {},
    )!;
    expect(s.cpu).toEqual({ copy: cpu(2, 3, 0.6), fdwmig: cpu(4, 4, 1.5), runs: 3 });
    expect(summarize(base([{ copy: 10, dump: null, fdwmig: fdwmig(13), load: null }]), null, {})!.cpu).toBeNull();
  });

  it('gives the floor lines pair by pair against copy, and fdwmig over the floor with the delete', () => {
    const fl = (seconds: number) => ({ seconds, cpu: null });
    const s = summarize(
      base([
        { copy: 10, dump: null, fdwmig: fdwmig(20), load: null, floorCopy: fl(11), floorDelete: fl(15) },
        { copy: 20, dump: null, fdwmig: fdwmig(30), load: null, floorCopy: fl(26), floorDelete: fl(20) },
        {
          copy: 10,
          dump: null,
          fdwmig: fdwmig(99, { failure: 'x' }),
          load: null,
          floorCopy: null,
          floorDelete: fl(17),
        },
        { copy: null, dump: null, fdwmig: fdwmig(20), load: null, floorCopy: fl(99), floorDelete: fl(99) },
      ]),
      null,
      {},
    )!;
    expect(s.floor?.copyOnly).toMatchObject({ ratioCopy: expect.closeTo(1.2), runs: 2 });
    expect(s.floor?.copyOnly?.seconds).toBeCloseTo(18.5);
    expect(s.floor?.withDelete).toMatchObject({ seconds: 17, ratioCopy: expect.closeTo(1.5), runs: 3 });
    // fdwmig over the floor where both completed: 20/15 and 30/20, and 20/99 (copy failed, the pair still counts).
    expect(s.floor?.fdwmigOverFloor).toBeCloseTo(4 / 3);
    expect(summarize(base([{ copy: 10, dump: null, fdwmig: fdwmig(13), load: null }]), null, {})!.floor).toBeNull();
    // At 4x the same, from the 4x runs.
    const big: ScaleRuns = {
      scale: 4,
      rows: { a: 400 },
      bytes: 4000,
      runs: [{ copy: 40, dump: null, fdwmig: fdwmig(60), load: null, floorCopy: fl(44), floorDelete: fl(50) }],
    };
    const s4 = summarize(base([{ copy: 10, dump: null, fdwmig: fdwmig(20), load: null }]), big, {})!;
    expect(s4.floor).toBeNull();
    expect(s4.scale?.floor).toMatchObject({
      copyOnly: { seconds: 44, ratioCopy: expect.closeTo(1.1) },
      withDelete: { seconds: 50, ratioCopy: 1.25 },
      fdwmigOverFloor: 1.2,
    });
  });

  it('takes the median of the switchover pauses and judges them against 2 s', () => {
    const sw = (ms: number, problems: string[] = []): SwitchoverLineResult => ({
      writesRefusedMs: ms,
      timeline: [
        { step: 'refuse writes', ms: ms / 2 },
        { step: 'drop the subscription', ms: ms / 2 },
      ],
      accounts: 10_000,
      transactions: 500,
      refused: 2,
      verifyOk: true,
      invariantOk: problems.length === 0,
      problems,
    });
    const runs = (a: number, b: number, c: number) =>
      base([
        { copy: 10, dump: null, fdwmig: fdwmig(13), load: null, switchover: sw(a) },
        { copy: 10, dump: null, fdwmig: fdwmig(13), load: null, switchover: sw(b) },
        { copy: 10, dump: null, fdwmig: fdwmig(13), load: null, switchover: sw(c) },
      ]);
    const s = summarize(runs(400, 3000, 600), null, {})!;
    expect(s.switchover).toMatchObject({ writesRefusedMs: 600, allMs: [400, 3000, 600], runs: 3, problems: [] });
    expect(s.switchover!.steps).toEqual([
      { step: 'refuse writes', ms: 300 },
      { step: 'drop the subscription', ms: 300 },
    ]);
    const t = s.targets.find((x) => x.name === 'replication switchover: writes refused')!;
    expect(t).toMatchObject({ goal: '< 2 s', value: '0.60 s (median of 3 run(s))', met: true });
    const slow = summarize(runs(2500, 1000, 2100), null, {})!;
    expect(slow.targets.find((x) => x.name === 'replication switchover: writes refused')!.met).toBe(false);
    const skipped = summarize(base([{ copy: 10, dump: null, fdwmig: fdwmig(13), load: null }]), null, {
      switchover: 'not run',
    })!;
    expect(skipped.targets.find((x) => x.name === 'replication switchover: writes refused')).toMatchObject({
      met: null,
      value: 'not measured: not run',
    });
  });

  it('reports a broken invariant, a large RSS and a load line where migrate never completed', () => {
    const s = summarize(
      base([
        {
          copy: 10,
          dump: null,
          fdwmig: fdwmig(30, { rss: 250 }),
          load: fdwmig(20, { failure: 'lock timeout', p99: [50, 10], broken: true }),
        },
      ]),
      null,
      {},
    )!;
    const t = Object.fromEntries(s.targets.map((x) => [x.name, x]));
    expect(t['fdwmig / copy, no load']!.met).toBe(false);
    expect(t['p99 during move / p99 after']).toMatchObject({
      met: false,
      value: 'migrate did not complete under load in any run',
    });
    expect(t['lost writes (pgbench invariant)']!.met).toBe(false);
    expect(t['peak RSS of fdwmig']!.met).toBe(false);
  });

  it('has nothing to compare when no fdwmig run completed', () => {
    expect(
      summarize(base([{ copy: 10, dump: null, fdwmig: fdwmig(1, { failure: 'x' }), load: null }]), null, {}),
    ).toBeNull();
  });
});

describe('BENCHMARKS.md', () => {
  it('keeps the hand-written tail from the marker on', async () => {
    const { KEEP_MARKER, keptTail } = await import('../../../tools/bench/markdown.js');
    expect(keptTail(null)).toBe('');
    expect(keptTail('# Benchmarks\nold figures\n')).toBe('');
    expect(keptTail(`# Benchmarks\nold figures\n${KEEP_MARKER}\n## Analysis\nkept\n`)).toBe(
      `${KEEP_MARKER}\n## Analysis\nkept\n`,
    );
  });
});
