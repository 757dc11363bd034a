/**
 * NEW's FKs: while init-new keeps them off, their orphans across the union of moved and unmoved
 * rows (parents queried with their children, the foreign tables on OLD); once restored, present
 * and validated.
 */
import type { Queryable } from '../sql/queryable.js';
import { ident, qualified } from '../sql/quote.js';
import { findOrphans, formatKey } from './orphans.js';
import type { RecordedFk } from '../state/records.js';
import type { Finding } from './report.js';

function restoreHint(f: RecordedFk): string {
  return `on NEW: ALTER TABLE ${qualified(f.schema, f.table)} ADD CONSTRAINT ${ident(f.constraint)} ${f.definition} NOT VALID, then VALIDATE CONSTRAINT ${ident(f.constraint)}`;
}

/** Pure: a restored FK must be there and validated. */
export function checkRestoredFk(f: RecordedFk): Finding[] {
  const subject = `${f.schema}.${f.table}`;
  if (!f.present)
    return [
      {
        severity: 'problem',
        check: 'foreign-key',
        subject,
        message: `FK ${f.constraint} was restored by finalize but is missing on NEW now`,
        hint: restoreHint(f),
      },
    ];
  if (!f.validated)
    return [
      {
        severity: 'problem',
        check: 'foreign-key',
        subject,
        message: `FK ${f.constraint} is NOT VALID on NEW`,
        hint: `on NEW: ALTER TABLE ${qualified(f.schema, f.table)} VALIDATE CONSTRAINT ${ident(f.constraint)}`,
      },
    ];
  return [];
}

/** Orphans of an FK that is off (or NOT VALID): every orphan listed is a problem naming its key. */
export async function checkFkOrphans(
  newDb: Queryable,
  f: RecordedFk,
  keyColumns: readonly string[] | null,
): Promise<Finding[]> {
  const subject = `${f.schema}.${f.table}`;
  const o = await findOrphans(newDb, f, keyColumns, false);
  const hint = `insert the missing row into ${f.refSchema}.${f.refTable}, or fix or delete the referencing row, before finalize re-adds the FK`;
  const out: Finding[] = o.rows.map((r) => ({
    severity: 'problem' as const,
    check: 'orphan' as const,
    subject,
    key: formatKey(o.columns, r),
    message: `FK ${f.constraint}: no row of ${f.refSchema}.${f.refTable} matches`,
    hint,
  }));
  if (o.total > o.rows.length)
    out.push({
      severity: 'problem',
      check: 'orphan',
      subject,
      message: `FK ${f.constraint}: ${o.total - o.rows.length} more orphan row(s) not listed`,
      hint,
    });
  if (f.present && !f.validated) {
    out.push({
      severity: 'info',
      check: 'foreign-key',
      subject,
      message: `FK ${f.constraint} is in place NOT VALID (it checks new writes); finalize validates it once its orphans are fixed`,
    });
  }
  return out;
}
