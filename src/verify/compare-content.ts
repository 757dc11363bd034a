/**
 * Content comparison of one table, OLD against NEW, for tables both hold in full: chunks of
 * `chunkRows` keys (bounds found on OLD by walking its key index) are fingerprinted on both
 * sides in parallel; a chunk that differs is split further while either side holds more than
 * a chunk of rows in it, then narrowed to its rows, and a row that differs to its columns.
 * Memory stays at a chunk of keys and hashes per task, whatever the table's size.
 */
import type { Queryable } from '../sql/queryable.js';
import { keyOfRow, nthKeyQuery, type KeyRange, type KeyText } from './key-sql.js';
import { rangeFingerprintQuery, rangeRowsQuery, rowByKeyQuery, type ComparedTable } from './content-sql.js';
import { formatKey } from './orphans.js';
import type { Pair, PairPool } from './pair-pool.js';
import type { Finding } from './report.js';
import { qualifiedName } from '../introspect/model.js';

export interface ContentOptions {
  chunkRows: number;
  /** Rows listed per table; further differences are counted, not narrowed. */
  maxRowsListed: number;
}

export interface ContentResult {
  table: string;
  oldRows: number;
  newRows: number;
  chunks: number;
  findings: Finding[];
}

interface Fingerprint {
  n: string;
  s1: string;
  s2: string;
}

/** A split never goes deeper than this: each level divides a range by chunkRows. */
const MAX_DEPTH = 8;
const HINT =
  'find which write reached only one side (a write to OLD after the switch, a failed copy), then correct the row on NEW';

interface TableRun {
  t: ComparedTable;
  o: ContentOptions;
  listed: number;
  unlisted: number;
  findings: Finding[];
}

async function fingerprint(db: Queryable, t: ComparedTable, r: KeyRange): Promise<Fingerprint> {
  const q = rangeFingerprintQuery(t, r);
  return (await db.query<Fingerprint>(q.sql, q.params)).rows[0]!;
}

const same = (a: Fingerprint, b: Fingerprint) => a.n === b.n && a.s1 === b.s1 && a.s2 === b.s2;

/** Bounds of consecutive ranges of `step` keys each on one side, covering all of `r`. */
async function splitRange(db: Queryable, t: ComparedTable, r: KeyRange, step: number): Promise<KeyRange[]> {
  const ranges: KeyRange[] = [];
  let lo = r.lo;
  for (;;) {
    const q = nthKeyQuery(t, { lo, hi: r.hi });
    const row = (await db.query<Record<string, string>>(q.sql, [step - 1, ...q.params])).rows[0];
    if (!row) {
      // The last range runs to r's end: no empty range after a chunk that ended at the last key.
      if (ranges.length) ranges[ranges.length - 1] = { lo: ranges[ranges.length - 1]!.lo, hi: r.hi };
      else ranges.push({ lo, hi: r.hi });
      return ranges;
    }
    const hi = keyOfRow(row, t.key.length);
    ranges.push({ lo, hi });
    lo = hi;
  }
}

function report(run: TableRun, key: KeyText, message: string): void {
  if (run.listed >= run.o.maxRowsListed) {
    run.unlisted++;
    return;
  }
  run.listed++;
  run.findings.push({
    severity: 'problem',
    check: 'content',
    subject: qualifiedName(run.t),
    key: formatKey(run.t.key, key),
    message,
    hint: HINT,
  });
}

async function rowOf(
  db: Queryable,
  t: ComparedTable,
  key: KeyText,
): Promise<Record<string, string | null> | undefined> {
  return (await db.query<Record<string, string | null>>(rowByKeyQuery(t), [JSON.stringify(key)])).rows[0];
}

async function describeRowDiff(p: Pair, run: TableRun, key: KeyText): Promise<void> {
  const [a, b] = await Promise.all([rowOf(p.old, run.t, key), rowOf(p.new, run.t, key)]);
  if (!a || !b) return report(run, key, a ? 'row missing on NEW' : 'row on NEW only, not on OLD');
  if (a.h === b.h) return;
  const cols = run.t.columns.filter((_, i) => a[`v${i}`] !== b[`v${i}`]);
  report(run, key, `differs in column(s) ${cols.join(', ')}`);
}

/** The rows of a small range: keys on one side only are looked up by key on the other. */
async function narrowRows(p: Pair, run: TableRun, r: KeyRange): Promise<void> {
  const rows = async (db: Queryable) => {
    const q = rangeRowsQuery(run.t, r);
    return new Map(
      (await db.query<Record<string, string>>(q.sql, q.params)).rows.map((row) => {
        const k = keyOfRow(row, run.t.key.length);
        return [JSON.stringify(k), { k, h: row.h! }] as const;
      }),
    );
  };
  const [onOld, onNew] = await Promise.all([rows(p.old), rows(p.new)]);
  for (const [id, o] of onOld) {
    const n = onNew.get(id);
    // Not in NEW's range: NEW may sort the key elsewhere; the lookup by key decides.
    if (!n || n.h !== o.h) await describeRowDiff(p, run, o.k);
  }
  for (const [id, n] of onNew) {
    if (onOld.has(id)) continue;
    // On OLD in another range (sorted elsewhere there): that range reports it.
    if (await rowOf(p.old, run.t, n.k)) continue;
    report(run, n.k, 'row on NEW only, not on OLD');
  }
}

async function compareRange(
  p: Pair,
  run: TableRun,
  r: KeyRange,
  depth: number,
): Promise<{ oldRows: number; newRows: number }> {
  const [a, b] = await Promise.all([fingerprint(p.old, run.t, r), fingerprint(p.new, run.t, r)]);
  const counts = { oldRows: Number(a.n), newRows: Number(b.n) };
  if (same(a, b)) return counts;
  if (run.listed >= run.o.maxRowsListed) {
    run.unlisted += Math.max(1, Math.abs(counts.oldRows - counts.newRows));
    return counts;
  }
  const larger = counts.oldRows >= counts.newRows ? p.old : p.new;
  if (Math.max(counts.oldRows, counts.newRows) <= run.o.chunkRows || depth >= MAX_DEPTH) {
    await narrowRows(p, run, r);
    return counts;
  }
  for (const sub of await splitRange(larger, run.t, r, run.o.chunkRows)) await compareRange(p, run, sub, depth + 1);
  return counts;
}

/** Compares one table; without a primary key only the whole table's fingerprint is compared. */
export async function compareTableContent(pool: PairPool, t: ComparedTable, o: ContentOptions): Promise<ContentResult> {
  const table = qualifiedName(t);
  const run: TableRun = { t, o, listed: 0, unlisted: 0, findings: [] };
  if (!t.key.length) {
    const [a, b] = await pool.run((p) =>
      Promise.all([fingerprint(p.old, t, { lo: null, hi: null }), fingerprint(p.new, t, { lo: null, hi: null })]),
    );
    if (!same(a, b)) {
      run.findings.push({
        severity: 'problem',
        check: 'content',
        subject: table,
        message: `content differs (OLD ${a.n} rows, NEW ${b.n}); no primary key to narrow it to rows`,
        hint: HINT,
      });
    }
    return { table, oldRows: Number(a.n), newRows: Number(b.n), chunks: 1, findings: run.findings };
  }
  const ranges = await pool.run((p) => splitRange(p.old, t, { lo: null, hi: null }, o.chunkRows));
  const counts = await Promise.all(ranges.map((r) => pool.run((p) => compareRange(p, run, r, 0))));
  const oldRows = counts.reduce((s, c) => s + c.oldRows, 0);
  const newRows = counts.reduce((s, c) => s + c.newRows, 0);
  if (run.unlisted) {
    run.findings.push({
      severity: 'problem',
      check: 'content',
      subject: table,
      message: `about ${run.unlisted} more differing row(s) not listed`,
      hint: HINT,
    });
  }
  if (oldRows !== newRows) {
    run.findings.push({
      severity: 'problem',
      check: 'content',
      subject: table,
      message: `row counts differ: OLD ${oldRows}, NEW ${newRows}`,
      hint: HINT,
    });
  }
  return { table, oldRows, newRows, chunks: ranges.length, findings: run.findings };
}
