/**
 * finalize's planner: NEW's FKs back, added NOT VALID (a brief lock, then every new write is
 * checked) and validated (a long scan under a lock that blocks no writes), each recorded as
 * restored in the state. Pure.
 */
import { ident, qualified } from '../sql/quote.js';
import { markFkRestoredSql, type RecordedFk } from '../state/records.js';
import { step, type Plan } from './step.js';

/** Plans the FK restore: ADD ... NOT VALID where missing, then VALIDATE, then record it. */
export function planRestoreFks(stateSchema: string, fks: readonly RecordedFk[]): Plan {
  const steps = fks.flatMap((f) => {
    const t = qualified(f.schema, f.table);
    const name = `${f.schema}.${f.table}.${f.constraint}`;
    const add = f.present
      ? []
      : [
          step({
            id: `add-fk:${name}`,
            description: `re-add FK ${f.constraint} on ${f.schema}.${f.table} (NOT VALID: new writes are checked at once)`,
            sql: [
              // Both tables, referenced first. An application may write them in either order (TPC-B
              // writes the referencing one first), so a cycle with one of its transactions can form
              // whatever the order here: each try's wait ends before deadlock_timeout (run-plan.ts),
              // so fdwmig's try, not the application's transaction, gives way.
              `LOCK TABLE ${[...new Set([qualified(f.refSchema, f.refTable), t])].join(', ')} IN SHARE ROW EXCLUSIVE MODE`,
              `ALTER TABLE ${t} ADD CONSTRAINT ${ident(f.constraint)} ${f.definition} NOT VALID`,
            ],
            takesLocks: true,
            locks: [...new Set([qualified(f.refSchema, f.refTable), t])],
          }),
        ];
    return [
      ...add,
      step({
        id: `validate-fk:${name}`,
        description: `validate FK ${f.constraint} on ${f.schema}.${f.table}`,
        sql: [
          ...(f.validated ? [] : [`ALTER TABLE ${t} VALIDATE CONSTRAINT ${ident(f.constraint)}`]),
          markFkRestoredSql(stateSchema, f),
        ],
        takesLocks: true,
        locks: [t],
      }),
    ];
  });
  return { title: 'fdwmig finalize', steps };
}
