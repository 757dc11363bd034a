import { describe, expect, it } from 'vitest';
import {
  crossServerCycles,
  describeCycle,
  newPidOf,
  waitEdges,
  type Node,
  type SessionRow,
} from '../../../src/plan/wait-graph.js';

const row = (
  pid: number,
  blockedBy: number[] = [],
  applicationName = 'app',
  xactStart: Date | null = null,
): SessionRow => ({
  pid,
  applicationName,
  xactStart,
  blockedBy,
});
const fdw = (newPid: number) => `fdwmig_fdw:${newPid}`;
const starts = (m: Record<string, string | null>) =>
  new Map(Object.entries(m).map(([k, v]) => [k as Node, v === null ? null : new Date(v)]));

describe('newPidOf', () => {
  it("reads NEW's pid from the fdw session's application_name, and nothing else", () => {
    expect(newPidOf('fdwmig_fdw:4242')).toBe(4242);
    expect(newPidOf('fdwmig_fdw:')).toBeNull();
    expect(newPidOf('postgres_fdw')).toBeNull();
    expect(newPidOf('x fdwmig_fdw:12')).toBeNull();
  });
});

describe('crossServerCycles', () => {
  // NEW 101 waits on NEW for 102; 102's OLD session (OLD pid 501) waits on OLD for 101's (500).
  const newRows = [row(101, [102]), row(102)];
  const oldRows = [row(500, [], fdw(101)), row(501, [500], fdw(102))];

  it('finds a cycle that crosses the two servers, in one stable form', () => {
    const cycles = crossServerCycles(waitEdges(newRows, oldRows), new Map());
    expect(cycles).toHaveLength(1);
    expect(cycles[0]!.edges.map((e) => [e.from, e.to, e.side])).toEqual([
      ['NEW:101', 'NEW:102', 'NEW'],
      ['NEW:102', 'NEW:101', 'OLD'],
    ]);
    expect(describeCycle(cycles[0]!)).toBe('NEW:101 waits on NEW for NEW:102, which waits on OLD for NEW:101');
  });

  it('cancels the youngest transaction, at the server where it waits', () => {
    const older = starts({ 'NEW:101': '2026-01-01T00:00:00Z', 'NEW:102': '2026-01-01T00:00:05Z' });
    const v = crossServerCycles(waitEdges(newRows, oldRows), older)[0]!.victim;
    expect([v.from, v.side, v.waiterPid]).toEqual(['NEW:102', 'OLD', 501]);
    const younger = starts({ 'NEW:101': '2026-01-01T00:00:09Z', 'NEW:102': '2026-01-01T00:00:05Z' });
    const w = crossServerCycles(waitEdges(newRows, oldRows), younger)[0]!.victim;
    expect([w.from, w.side, w.waiterPid]).toEqual(['NEW:101', 'NEW', 101]);
  });

  it('leaves a cycle within one server to that server, and a chain alone', () => {
    expect(crossServerCycles(waitEdges([row(1, [2]), row(2, [1])], []), new Map())).toEqual([]);
    expect(crossServerCycles(waitEdges([], [row(7, [8], fdw(1)), row(8, [7], fdw(2))]), new Map())).toEqual([]);
    expect(
      crossServerCycles(waitEdges([row(101, [102]), row(102)], [row(501, [500], fdw(102)), row(500)]), new Map()),
    ).toEqual([]);
  });

  it('follows an OLD session no NEW backend opened (an application still on OLD)', () => {
    // 101 waits on NEW for 102; 102's OLD session waits for OLD's own 900; 900 waits for 101's OLD session.
    const cycles = crossServerCycles(
      waitEdges([row(101, [102]), row(102)], [row(500, [], fdw(101)), row(501, [900], fdw(102)), row(900, [500])]),
      new Map(),
    );
    expect(cycles.map((c) => c.edges.map((e) => e.from))).toEqual([['NEW:101', 'NEW:102', 'OLD:900']]);
  });

  it('ignores pid 0 (a prepared transaction holds the lock) and a session waiting on itself', () => {
    expect(waitEdges([row(1, [0, 1])], [])).toEqual([]);
  });

  it('finds each cycle once when three transactions wait in a ring', () => {
    const cycles = crossServerCycles(
      waitEdges([row(1, [2]), row(2, [3]), row(3)], [row(10, [], fdw(1)), row(30, [10], fdw(3))]),
      new Map(),
    );
    expect(cycles).toHaveLength(1);
    expect(cycles[0]!.edges.map((e) => e.to)).toEqual(['NEW:2', 'NEW:3', 'NEW:1']);
  });
});
