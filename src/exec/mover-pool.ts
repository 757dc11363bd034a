/**
 * migrate's movers: a pair of connections (OLD, NEW) with the mover session's settings, kept
 * open between the pipes of a run, and what a pipe's failure says about which server went away.
 */
import type pg from 'pg';
import type { ReplicaCapability } from '../plan/trigger-hazards.js';
import { backendPid, closeClients, connectBoth, type Deps } from './connections.js';
import { prepareMoverSession } from './mover-session.js';

/** How long a probe of a connection may take before its server counts as gone. */
const PROBE_TIMEOUT_MS = 2_000;

export interface Mover {
  old: pg.Client;
  new: pg.Client;
  close(): Promise<void>;
}

/** A pipe's failure after which a server did not answer: the table's reason names it. */
export class LostServer extends Error {
  constructor(
    readonly sides: string[],
    override readonly cause: unknown,
  ) {
    super(`lost the connection to ${sides.join(' and ')}`);
  }
}

/**
 * Opens a mover. `pids`: fdwmig's own sessions on NEW; NEW's is known as fdwmig's own from its
 * first statement on: never a holdout, never the application.
 */
export async function openMover(
  deps: Deps,
  urls: { oldUrl: string; newUrl: string },
  pids: Set<number>,
  caps: ReplicaCapability,
): Promise<Mover> {
  const [oldDb, newDb] = await connectBoth(deps, urls);
  const pid = backendPid(newDb);
  pids.add(pid);
  try {
    await Promise.all([prepareMoverSession(oldDb, caps.old), prepareMoverSession(newDb, caps.new)]);
  } catch (err) {
    pids.delete(pid);
    await closeClients(oldDb, newDb);
    throw err;
  }
  return {
    old: oldDb,
    new: newDb,
    close: async () => {
      pids.delete(pid);
      await closeClients(oldDb, newDb);
    },
  };
}

/**
 * Movers kept open between the pipes of a run: a pipe that ends well gives its two back, the
 * next pipe (another table, a key range, a last pass) takes them instead of connecting anew. A
 * pipe that fails closes its own: a connection may be mid-statement or gone.
 */
export class MoverPool {
  private idle: Mover[] = [];
  constructor(private readonly open: () => Promise<Mover>) {}
  async take(): Promise<Mover> {
    return this.idle.pop() ?? this.open();
  }
  give(m: Mover): void {
    this.idle.push(m);
  }
  async closeAll(): Promise<void> {
    const all = this.idle.splice(0);
    await Promise.all(all.map((m) => m.close()));
  }

  /**
   * Runs fn with two movers (a pipe's finisher and copier). They go back to the pool when fn
   * returns; when it throws they are closed, and a server that no longer answers the first
   * turns the error into a LostServer.
   */
  async withTwo<T>(fn: (a: Mover, b: Mover) => Promise<T>): Promise<T> {
    const [a, b] = await Promise.allSettled([this.take(), this.take()]);
    if (a.status === 'rejected' || b.status === 'rejected') {
      for (const r of [a, b]) if (r.status === 'fulfilled') this.give(r.value);
      throw a.status === 'rejected' ? a.reason : (b as PromiseRejectedResult).reason;
    }
    try {
      const r = await fn(a.value, b.value);
      this.give(a.value);
      this.give(b.value);
      return r;
    } catch (err) {
      const dead = await deadSides(a.value);
      await Promise.all([a.value.close(), b.value.close()]);
      throw dead.length ? new LostServer(dead, err) : err;
    }
  }
}

/** Which of a mover's connections no longer answers: the server that went away. */
async function deadSides(conns: { old: pg.Client; new: pg.Client }): Promise<string[]> {
  const probe = (c: pg.Client) =>
    Promise.race([
      c.query('SELECT 1').then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((r) => setTimeout(() => r(false), PROBE_TIMEOUT_MS)),
    ]);
  const [oldOk, newOk] = await Promise.all([probe(conns.old), probe(conns.new)]);
  return [...(oldOk ? [] : ['OLD']), ...(newOk ? [] : ['NEW'])];
}
