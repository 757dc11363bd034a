/**
 * The order tables move in: a table that references another moves first, so that deleting moved
 * rows on OLD never reaches rows that have not moved (docs/PROTOCOL.md). Pure.
 */
import { qualifiedName, type TableModel } from '../introspect/model.js';

export interface MoveOrder {
  /** Table -> the tables that must have finished moving before it starts. */
  readonly waitsFor: ReadonlyMap<string, readonly string[]>;
  /** FK cycles among different tables: their order inside the cycle cannot be FK-safe. */
  readonly cycles: readonly (readonly string[])[];
  /** A sequential order that respects waitsFor (cycles broken), for display and dry runs. */
  readonly sequence: readonly string[];
}

/** Strongly connected components (Tarjan), over edges referenced -> referencing. */
function components(names: string[], edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      out.push(comp.sort());
    }
  };
  for (const n of names) if (!idx.has(n)) visit(n);
  return out;
}

/** Plans the move order of the given tables from their FKs. */
export function planMoveOrder(tables: readonly TableModel[]): MoveOrder {
  const names = tables.map(qualifiedName).sort();
  const present = new Set(names);
  // referenced table -> tables referencing it (those must move first)
  const referencedBy = new Map<string, Set<string>>();
  for (const t of tables) {
    const from = qualifiedName(t);
    for (const fk of t.foreignKeys) {
      if (fk.refTable === from || !present.has(fk.refTable)) continue;
      if (!referencedBy.has(fk.refTable)) referencedBy.set(fk.refTable, new Set());
      referencedBy.get(fk.refTable)!.add(from);
    }
  }
  const comps = components(names, referencedBy);
  const compOf = new Map<string, number>();
  comps.forEach((c, i) => c.forEach((n) => compOf.set(n, i)));
  const waitsFor = new Map<string, string[]>();
  for (const n of names) {
    const deps = [...(referencedBy.get(n) ?? [])].filter((d) => compOf.get(d) !== compOf.get(n)).sort();
    waitsFor.set(n, deps);
  }
  // Tarjan emits components in reverse topological order of the edges referenced -> referencing,
  // i.e. referencing tables first: exactly the move order.
  const sequence = comps.flat();
  return { waitsFor, cycles: comps.filter((c) => c.length > 1), sequence };
}
