/**
 * Does NEW's table match OLD's closely enough for `<t>_remote` to inherit from it and for rows
 * to move unchanged? Pure: each problem is one line naming the table and column.
 */
import type { TableModel } from '../introspect/model.js';
import { qualifiedName } from '../introspect/model.js';

function sameList(a: readonly string[] | null, b: readonly string[] | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Lists what differs between OLD's and NEW's definition of one table; empty when they match. */
export function compareTable(oldT: TableModel, newT: TableModel): string[] {
  const where = qualifiedName(oldT);
  const problems: string[] = [];
  const newCols = new Map(newT.columns.map((c) => [c.name, c]));
  const oldNames = new Set(oldT.columns.map((c) => c.name));
  for (const oc of oldT.columns) {
    const nc = newCols.get(oc.name);
    if (!nc) {
      problems.push(`${where}: column ${oc.name} (${oc.type}) is missing on NEW`);
      continue;
    }
    if (nc.type !== oc.type) problems.push(`${where}.${oc.name}: type is ${oc.type} on OLD but ${nc.type} on NEW`);
    if (nc.notNull && !oc.notNull) {
      problems.push(`${where}.${oc.name}: NOT NULL on NEW but nullable on OLD (moved NULLs would fail)`);
    }
    if (nc.generated !== oc.generated) {
      problems.push(
        `${where}.${oc.name}: ${oc.generated ? 'generated' : 'not generated'} on OLD but ${nc.generated ? 'generated' : 'not generated'} on NEW`,
      );
    }
  }
  for (const nc of newT.columns) {
    if (!oldNames.has(nc.name)) {
      problems.push(`${where}: column ${nc.name} exists only on NEW (the foreign table could not read it from OLD)`);
    }
  }
  if (!sameList(oldT.primaryKey, newT.primaryKey)) {
    problems.push(
      `${where}: primary key is (${oldT.primaryKey?.join(', ') ?? 'none'}) on OLD but (${newT.primaryKey?.join(', ') ?? 'none'}) on NEW`,
    );
  }
  return problems;
}
