/**
 * What becomes of a table once every table that references it (which move first: move-order.ts)
 * has ended. One rule for migrate's scheduler, which acts on it, and check, which predicts it.
 * Pure.
 */

/** How a referencing table ended (migrate's table statuses). */
export interface Referencing {
  table: string;
  status: 'moved' | 'failed' | 'skipped' | 'not-run' | 'stopped';
}

export type Outcome =
  /** It moves. `staying`: skipped referencing tables whose rows stay on OLD all the same. */
  | { moves: true; staying: readonly Referencing[] }
  /** It waits (not-run) for `blockedBy`, which did not move. */
  | { moves: false; blockedBy: Referencing };

/**
 * A referencing table that migrate skips (no key, a trigger hazard) keeps its rows on OLD. Where
 * the movers run in replica mode on OLD (`replicaOnOld`), deleting the rows it references fires
 * none of OLD's FK checks or actions there, as for a table left out of the move, so it holds
 * nothing back. Without replica mode, and for any other status, the referenced table waits.
 */
export function referencedTableOutcome(referencing: readonly Referencing[], replicaOnOld: boolean): Outcome {
  const staying = referencing.filter((d) => replicaOnOld && d.status === 'skipped');
  const blockedBy = referencing.find((d) => d.status !== 'moved' && !staying.includes(d));
  return blockedBy ? { moves: false, blockedBy } : { moves: true, staying };
}
