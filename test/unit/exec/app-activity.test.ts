/**
 * The yielding logic alone, on a fake clock: which pipeline may start a batch when. What counts
 * as "busy" on a real server is checked in test/integration/app-activity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AppYield, sampleBusy } from '../../../src/exec/app-activity.js';
import type { Queryable } from '../../../src/sql/queryable.js';

function world(initialBusy: number) {
  let t = 0;
  const state = { busySessions: initialBusy, samples: 0, slept: [] as number[], changes: [] as boolean[] };
  const db: Queryable = {
    query: async <R>() => {
      state.samples++;
      const rows = Array.from({ length: state.busySessions }, (_, i) => ({
        pid: 1000 + i,
        app: 'app',
        state: 'active',
      }));
      return { rows: rows as R[], rowCount: rows.length };
    },
  };
  const y = new AppYield({
    ownPids: () => [],
    now: () => t,
    sleep: async (ms) => {
      state.slept.push(ms);
      t += ms;
      await Promise.resolve();
    },
    onChange: (b) => state.changes.push(b),
  });
  const advance = (ms: number) => {
    t += ms;
  };
  /** Two turns of `me`, one sample apart: with activity in both, the application counts as busy. */
  const twoSamples = async (me: symbol, lastBatchMs: number) => {
    await y.turn(me, db, lastBatchMs);
    advance(250);
    await y.turn(me, db, lastBatchMs);
  };
  return { y, db, state, advance, twoSamples };
}

describe('AppYield', () => {
  it('lets every pipeline run at once, without rests, while the application is quiet', async () => {
    const { y, db, state } = world(0);
    const [a, b] = [Symbol('a'), Symbol('b')];
    await Promise.all([y.turn(a, db, 50), y.turn(b, db, 50)]);
    expect(state.slept).toEqual([]);
    expect(state.changes).toEqual([]);
  });

  it('takes activity in one sample alone (a passing query) for no load', async () => {
    const { y, db, state, advance } = world(1);
    const a = Symbol('a');
    await y.turn(a, db, 40);
    expect(y.busy()).toBe(false);
    state.busySessions = 0;
    advance(250);
    await y.turn(a, db, 40);
    expect(y.busy()).toBe(false);
    expect(state.slept).toEqual([]);
    expect(state.changes).toEqual([]);
  });

  it('while busy: one pipeline runs, resting as long as its last batch took; the other waits until it is done', async () => {
    const { y, db, state, twoSamples } = world(2);
    const [a, b] = [Symbol('a'), Symbol('b')];
    await twoSamples(a, 40);
    expect(state.slept).toEqual([40]);
    expect(state.changes).toEqual([true]);
    let bGot = false;
    const bTurn = y.turn(b, db, 40).then(() => {
      bGot = true;
    });
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(bGot).toBe(false);
    y.done(a);
    await bTurn;
    expect(bGot).toBe(true);
    // b rested too before its first batch as the one pipeline.
    expect(state.slept.at(-1)).toBe(40);
  });

  it('counts the application quiet again once no activity was seen for a while, and says so', async () => {
    const { y, db, state, advance, twoSamples } = world(1);
    const [a, b] = [Symbol('a'), Symbol('b')];
    await twoSamples(a, 10);
    expect(y.busy()).toBe(true);
    state.busySessions = 0;
    advance(5_000);
    await y.turn(b, db, 10);
    expect(y.busy()).toBe(false);
    expect(state.changes).toEqual([true, false]);
    // b did not wait for a's turn to end: the turn lapses with the activity.
    expect(state.slept.filter((ms) => ms !== 10)).toEqual([]);
  });

  it('returns at once when the move is being stopped', async () => {
    const { y, db, twoSamples } = world(3);
    const [a, b] = [Symbol('a'), Symbol('b')];
    await twoSamples(a, 10);
    const stop = new AbortController();
    stop.abort();
    await expect(y.turn(b, db, 10, stop.signal)).resolves.toBeUndefined();
  });

  it('primed before the first batch: activity in one quick sample makes the first batches yield already', async () => {
    const { y, db, state } = world(1);
    y.prime(db);
    const [a, b] = [Symbol('a'), Symbol('b')];
    let bStarted = false;
    await y.turn(a, db, 0);
    const bTurn = y.turn(b, db, 0).then(() => {
      bStarted = true;
    });
    await Promise.resolve();
    expect(y.busy()).toBe(true);
    expect(state.changes).toEqual([true]);
    expect(bStarted).toBe(false);
    y.done(a);
    await bTurn;
    expect(bStarted).toBe(true);
  });

  it('primed on a quiet application: a few quick samples, then every pipeline at once', async () => {
    const { y, db, state } = world(0);
    y.prime(db);
    const [a, b] = [Symbol('a'), Symbol('b')];
    await Promise.all([y.turn(a, db, 50), y.turn(b, db, 50)]);
    expect(y.busy()).toBe(false);
    expect(state.changes).toEqual([]);
    // Five quick samples 10 ms apart, then the turns' own sample.
    expect(state.slept).toEqual([10, 10, 10, 10]);
    expect(state.samples).toBe(6);
  });
});

describe('AppYield names whom it yields to', () => {
  it('passes the busy sessions of the sample that found them to onChange', async () => {
    const rows = [
      { pid: 7, app: 'psql', state: 'idle in transaction' },
      { pid: 9, app: '', state: 'active' },
    ];
    const db: Queryable = { query: async <R>() => ({ rows: rows as R[], rowCount: rows.length }) };
    const changes: [boolean, readonly string[]][] = [];
    const y = new AppYield({
      ownPids: () => [],
      sleep: async () => undefined,
      onChange: (b, seen) => changes.push([b, seen]),
    });
    y.prime(db);
    await y.turn(Symbol('p'), db, 0);
    expect(changes[0]).toEqual([true, ['pid 7 (psql, idle in transaction)', 'pid 9 (no application_name, active)']]);
  });
});

describe('sampleBusy', () => {
  it("leaves out a session of fdwmig's own that opened while the query ran", async () => {
    const own = new Set<number>([1]);
    // The server saw pid 2 busy; by the time its answer arrived, pid 2 was known as fdwmig's own.
    const db: Queryable = {
      query: async <R>() => {
        own.add(2);
        return {
          rows: [
            { pid: 2, app: 'fdwmig', state: 'active' },
            { pid: 3, app: 'psql', state: 'active' },
          ] as R[],
          rowCount: 2,
        };
      },
    };
    expect(await sampleBusy(db, () => [...own])).toEqual({ n: 1, examples: ['pid 3 (psql, active)'] });
  });
});
