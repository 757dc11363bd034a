/**
 * What would fire when fdwmig deletes moved rows on OLD and copies them into NEW (docs/PROTOCOL.md,
 * "OLD's rules"). Movers run with session_replication_role = replica where the role may set it:
 * then FK actions and ordinary triggers stay quiet, but ENABLE REPLICA and ENABLE ALWAYS triggers
 * fire. Where it may not, ordinary triggers and FK actions fire, and tables they would harm are
 * refused with the reason. Pure.
 */
import { qualifiedName, type TableModel } from '../introspect/model.js';

export interface ReplicaCapability {
  /** The mover may SET session_replication_role = replica on OLD. */
  old: boolean;
  new: boolean;
}

function firing(t: TableModel, replica: boolean, events: string[]): string[] {
  const modes = replica ? ['R', 'A'] : ['O', 'A'];
  return t.triggers
    .filter((tr) => modes.includes(tr.enabled) && tr.events.some((e) => events.includes(e)))
    .map((tr) => tr.name);
}

const GRANT = (side: string) =>
  `on ${side}: GRANT SET ON PARAMETER session_replication_role TO <fdwmig's role> (PostgreSQL 15+), or run fdwmig as a superuser (rds_superuser and the like)`;

/** Reasons why moving this table is unsafe with the given capabilities; empty when it is safe. */
export function triggerHazards(
  oldT: TableModel,
  newT: TableModel | undefined,
  oldTables: readonly TableModel[],
  moved: ReadonlySet<string>,
  cycles: readonly (readonly string[])[],
  caps: ReplicaCapability,
): string[] {
  const name = qualifiedName(oldT);
  const out: string[] = [];
  const onOld = firing(oldT, caps.old, ['DELETE']);
  if (onOld.length) {
    out.push(
      `trigger(s) ${onOld.join(', ')} on OLD would fire on fdwmig's deletes of moved rows; ${
        caps.old
          ? 'they are ENABLE REPLICA/ALWAYS, so they fire even in replica mode: ALTER TABLE ... ENABLE TRIGGER (origin) on OLD for the move'
          : `disable them on OLD for the move, or let fdwmig skip them: ${GRANT('OLD')}`
      }`,
    );
  }
  if (newT) {
    // The copy inserts; the slow path's repair updates copies in place, deletes and inserts.
    const onNew = firing(newT, caps.new, ['INSERT', 'UPDATE', 'DELETE']);
    if (onNew.length) {
      out.push(
        `trigger(s) ${onNew.join(', ')} on NEW would fire on moved rows and could rewrite them; ${
          caps.new ? 'they are ENABLE REPLICA/ALWAYS: make them ordinary triggers for the move' : GRANT('NEW')
        }`,
      );
    }
  }
  if (!caps.old) {
    const cycle = cycles.find((c) => c.includes(name));
    for (const r of oldTables) {
      for (const fk of r.foreignKeys.filter((f) => f.refTable === name)) {
        const from = qualifiedName(r);
        const why =
          from === name
            ? 'references its own table'
            : !moved.has(from)
              ? 'is on a table that is not being moved'
              : cycle?.includes(from)
                ? 'is part of an FK cycle'
                : null;
        if (why)
          out.push(
            `OLD's FK ${fk.name} from ${from} ${why}: deleting moved rows on OLD would fire its checks or actions on rows that have not moved; ${GRANT('OLD')}`,
          );
      }
    }
  }
  return out;
}
