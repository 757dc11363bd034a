/**
 * The guard's view of lock waits across OLD and NEW (docs/PROTOCOL.md, "Deadlocks across the
 * two servers"). Each server's deadlock detector sees only its own waits: an application
 * transaction on NEW that waits for a row lock on NEW while its postgres_fdw session on OLD
 * holds what another transaction's OLD session waits for forms a cycle neither server sees.
 * Here the two servers' waits become one graph whose nodes are transactions: a NEW backend and
 * the postgres_fdw session it opened on OLD are one node, matched by the session's
 * application_name (the foreign server's `application_name` option with `%p`, NEW's pid).
 * Pure: rows in, cycles and the statement to cancel out.
 */

/** A session on one server, as sql/guard-sessions.sql reads it. */
export interface SessionRow {
  pid: number;
  applicationName: string;
  /** When its transaction began (null: none, or not visible to the guard's role). */
  xactStart: Date | null;
  /** The sessions its lock wait waits for (pg_blocking_pids); empty when it waits for no lock. */
  blockedBy: number[];
}

export type Side = 'OLD' | 'NEW';

/** A transaction: NEW's backend pid, or an OLD session no NEW backend opened. */
export type Node = `NEW:${number}` | `OLD:${number}`;

export interface WaitEdge {
  from: Node;
  to: Node;
  /** The server the wait is on. */
  side: Side;
  /** The waiting session's pid on that server. */
  waiterPid: number;
  /** The pid, on that server, of the session it waits for. */
  holderPid: number;
}

export interface Cycle {
  /** The cycle's edges, starting from the smallest node (a stable key for the same cycle). */
  edges: WaitEdge[];
  /** The wait to cancel: the youngest transaction's own. */
  victim: WaitEdge;
}

/** postgres_fdw's `%p` in application_name exists from PostgreSQL 15 on (server_version_num). */
export const GUARD_MIN_NEW_VERSION = 150000;

/** The application_name postgres_fdw's sessions carry on OLD: `%p` becomes NEW's backend pid. */
export const FDW_APPLICATION_NAME = 'fdwmig_fdw:%p';
const FDW_NAME_PATTERN = /^fdwmig_fdw:(\d+)$/;

/** NEW's pid behind an OLD session, when postgres_fdw opened it for fdwmig's foreign server. */
export function newPidOf(applicationName: string): number | null {
  const m = FDW_NAME_PATTERN.exec(applicationName);
  return m ? Number(m[1]) : null;
}

/** The wait-for edges of both servers, OLD's fdw sessions folded into their NEW backends. */
export function waitEdges(newRows: readonly SessionRow[], oldRows: readonly SessionRow[]): WaitEdge[] {
  const oldNode = new Map<number, Node>();
  for (const r of oldRows) {
    const n = newPidOf(r.applicationName);
    oldNode.set(r.pid, n === null ? `OLD:${r.pid}` : `NEW:${n}`);
  }
  const nodeOnOld = (pid: number): Node => oldNode.get(pid) ?? `OLD:${pid}`;
  const edges: WaitEdge[] = [];
  for (const r of newRows)
    for (const b of r.blockedBy)
      if (b > 0) edges.push({ from: `NEW:${r.pid}`, to: `NEW:${b}`, side: 'NEW', waiterPid: r.pid, holderPid: b });
  for (const r of oldRows)
    for (const b of r.blockedBy)
      if (b > 0) edges.push({ from: nodeOnOld(r.pid), to: nodeOnOld(b), side: 'OLD', waiterPid: r.pid, holderPid: b });
  return edges.filter((e) => e.from !== e.to);
}

/**
 * The cycles that cross the two servers (at least one wait on each): a cycle within one server
 * is that server's own detector's to break. One cycle per strongly connected set of waits is
 * enough: cancelling one wait of it changes the graph, which the next look reads anew.
 */
export function crossServerCycles(edges: readonly WaitEdge[], xactStart: ReadonlyMap<Node, Date | null>): Cycle[] {
  const out = new Map<Node, WaitEdge[]>();
  for (const e of edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const cycles: Cycle[] = [];
  const seen = new Set<string>();
  for (const start of [...out.keys()].sort()) {
    for (const path of cyclesThrough(start, out)) {
      if (!path.some((e) => e.side === 'OLD') || !path.some((e) => e.side === 'NEW')) continue;
      const key = cycleKey(path);
      if (seen.has(key)) continue;
      seen.add(key);
      cycles.push({ edges: rotate(path), victim: chooseVictim(path, xactStart) });
    }
  }
  return cycles;
}

/** Simple cycles that start and end at `start` and visit no node smaller than it (each found once). */
function cyclesThrough(start: Node, out: ReadonlyMap<Node, WaitEdge[]>): WaitEdge[][] {
  const found: WaitEdge[][] = [];
  const walk = (at: Node, path: WaitEdge[], onPath: Set<Node>) => {
    for (const e of out.get(at) ?? []) {
      if (e.to === start) found.push([...path, e]);
      else if (!onPath.has(e.to) && e.to > start && path.length < MAX_CYCLE_LENGTH) {
        onPath.add(e.to);
        walk(e.to, [...path, e], onPath);
        onPath.delete(e.to);
      }
    }
  };
  walk(start, [], new Set([start]));
  return found;
}

/** Longer cycles are rare; the bound keeps a pathological graph cheap to search. */
const MAX_CYCLE_LENGTH = 16;

function cycleKey(path: readonly WaitEdge[]): string {
  return rotate(path)
    .map((e) => `${e.from}>${e.to}@${e.side}`)
    .join(' ');
}

function rotate(path: readonly WaitEdge[]): WaitEdge[] {
  const i = path.reduce((best, e, j) => (e.from < path[best]!.from ? j : best), 0);
  return [...path.slice(i), ...path.slice(0, i)];
}

/**
 * The youngest transaction's wait: it has done the least work, and the application retries it
 * as it would a deadlock. A transaction whose start the guard cannot see counts as youngest.
 */
function chooseVictim(path: readonly WaitEdge[], xactStart: ReadonlyMap<Node, Date | null>): WaitEdge {
  const age = (e: WaitEdge) => xactStart.get(e.from)?.getTime() ?? Number.POSITIVE_INFINITY;
  return path.reduce((best, e) => (age(e) > age(best) || (age(e) === age(best) && e.from > best.from) ? e : best));
}

/** Says a cycle as the log shows it: `NEW:101 waits on NEW for NEW:102, which waits on OLD for NEW:101`. */
export function describeCycle(c: Cycle): string {
  return c.edges.map((e, i) => `${i === 0 ? e.from : 'which'} waits on ${e.side} for ${e.to}`).join(', ');
}
