/**
 * verify: read-only consistency checks at any phase of a migration. Says which phase it found,
 * and lists each problem with the table, the row's key where there is one, and what to do.
 */
import type pg from 'pg';
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { Queryable } from '../sql/queryable.js';
import { introspectDatabase } from '../introspect/introspect.js';
import { qualifiedName, type DatabaseModel, type TableModel } from '../introspect/model.js';
import { selectTables } from '../plan/assess-tables.js';
import { copiedBatchKeys, openBatchCount } from '../state/batches.js';
import { compareTableContent, type ContentResult } from './compare-content.js';
import type { ComparedTable } from './content-sql.js';
import { findDuplicates } from './duplicates.js';
import { checkFkOrphans, checkRestoredFk } from './fk-check.js';
import type { KeyedTable } from './key-sql.js';
import { formatKey } from './orphans.js';
import { pairPool, type Pair } from './pair-pool.js';
import { countRowsOnOld } from '../exec/count-rows.js';
import { readRecordedState, type RecordedState } from '../state/records.js';
import { requireRecordedOld } from './recorded-old.js';
import { describePhase, detectPhase, type Finding, type Phase } from './report.js';
import { checkSequence, readSequenceFacts } from './sequence-check.js';
import { prepareVerifySession } from './session.js';
import { checkTriggers } from './trigger-check.js';
import { closeClient, closeClients, type Deps } from '../exec/connections.js';

export interface VerifyOptions {
  /** Compare OLD's and NEW's rows chunk by chunk (tables both hold in full). */
  compareContent: boolean;
  /** Keys per content chunk. */
  chunkRows: number;
}

export interface TableSummary {
  table: string;
  /** Served through NEW by init-new. */
  served: boolean;
  rowsOnOld: number | null;
  content?: Omit<ContentResult, 'findings' | 'table'>;
}

export interface VerifyReport {
  phase: Phase;
  phaseText: string;
  ok: boolean;
  findings: Finding[];
  tables: TableSummary[];
}

const DUPLICATES_LISTED = 20;

function keyedTable(t: TableModel): KeyedTable | null {
  if (!t.primaryKey) return null;
  return {
    schema: t.schema,
    name: t.name,
    key: t.primaryKey,
    keyTypes: t.primaryKey.map((k) => t.columns.find((c) => c.name === k)!.type),
  };
}

/** Tables on both servers, as --schemas/--tables/--exclude-tables select them; an unknown name is a usage error. */
function selectPairs(
  config: Config,
  oldModel: DatabaseModel,
  newModel: DatabaseModel,
): { old: TableModel; new: TableModel }[] {
  const onOld = new Map(oldModel.tables.map((t) => [qualifiedName(t), t]));
  const unknown = (config.tables ?? []).filter(
    (n) => !onOld.has(n) || !newModel.tables.some((t) => qualifiedName(t) === n),
  );
  if (unknown.length)
    throw new UsageError(`--tables names tables not on both OLD and NEW: ${unknown.join(', ')}`, {
      hint: "use schema.table as 'fdwmig check' lists them",
    });
  return selectTables(newModel.tables, config)
    .filter((t) => onOld.has(qualifiedName(t)))
    .map((t) => ({ old: onOld.get(qualifiedName(t))!, new: t }));
}

async function duplicateFindings(
  oldDb: Queryable,
  newDb: Queryable,
  stateSchema: string,
  t: TableModel,
): Promise<Finding[]> {
  const k = keyedTable(t);
  const subject = qualifiedName(t);
  if (!k)
    return [
      {
        severity: 'info',
        check: 'duplicate',
        subject,
        message: 'no primary key: rows on both sides cannot be matched by key, duplicates not checked',
      },
    ];
  const d = await findDuplicates(
    oldDb,
    newDb,
    k,
    async () => new Set((await copiedBatchKeys(newDb, stateSchema, t)).map((k) => JSON.stringify(k))),
  );
  const hint = `keep one copy: the application inserted a key whose row was still on OLD (a unique index does not span the two). Delete NEW's with DELETE FROM ONLY ${subject} WHERE ..., or OLD's on OLD`;
  const out: Finding[] = d.keys.slice(0, DUPLICATES_LISTED).map((key) => ({
    severity: 'problem' as const,
    check: 'duplicate' as const,
    subject,
    key: formatKey(k.key, key),
    message: "key both on OLD and in NEW's table",
    hint,
  }));
  if (d.total > out.length)
    out.push({
      severity: 'problem',
      check: 'duplicate',
      subject,
      message: `${d.total - out.length} more duplicate key(s) not listed`,
      hint,
    });
  if (d.inFlight)
    out.push({
      severity: 'info',
      check: 'duplicate',
      subject,
      message: `${d.inFlight} key(s) on both sides belong to a batch migrate copied and has not finished: expected; migrate finishes it`,
    });
  return out;
}

/** Per served table with rows still on OLD: the count, and keys held on both sides. */
async function rowFindings(
  oldDb: Queryable,
  newDb: Queryable,
  stateSchema: string,
  pairs: { new: TableModel }[],
  served: ReadonlySet<string>,
  rowsOnOld: ReadonlyMap<string, number>,
): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const p of pairs) {
    const name = qualifiedName(p.new);
    const n = rowsOnOld.get(name) ?? 0;
    if (!served.has(name) || n === 0) continue;
    out.push({ severity: 'info', check: 'rows-on-old', subject: name, message: `${n} row(s) still on OLD` });
    out.push(...(await duplicateFindings(oldDb, newDb, stateSchema, p.new)));
  }
  return out;
}

async function fkFindings(
  newDb: Queryable,
  state: RecordedState,
  newModel: DatabaseModel,
  selected: ReadonlySet<string> | null,
): Promise<Finding[]> {
  const keys = new Map(newModel.tables.map((t) => [qualifiedName(t), t.primaryKey]));
  const out: Finding[] = [];
  for (const f of state.foreignKeys) {
    if (selected && !selected.has(`${f.schema}.${f.table}`) && !selected.has(`${f.refSchema}.${f.refTable}`)) continue;
    out.push(
      ...(f.restoredAt
        ? checkRestoredFk(f)
        : await checkFkOrphans(newDb, f, keys.get(`${f.schema}.${f.table}`) ?? null)),
    );
  }
  return out;
}

function comparedTable(p: { old: TableModel; new: TableModel }): { t: ComparedTable; findings: Finding[] } {
  const oldCols = new Set(p.old.columns.map((c) => c.name));
  const newCols = new Set(p.new.columns.map((c) => c.name));
  const subject = qualifiedName(p.new);
  const findings: Finding[] = [
    ...p.new.columns
      .filter((c) => !oldCols.has(c.name))
      .map((c) => ({
        severity: 'problem' as const,
        check: 'content' as const,
        subject,
        message: `column ${c.name} exists on NEW only: not compared`,
      })),
    ...p.old.columns
      .filter((c) => !newCols.has(c.name))
      .map((c) => ({
        severity: 'problem' as const,
        check: 'content' as const,
        subject,
        message: `column ${c.name} exists on OLD only: not compared`,
      })),
  ];
  const k = keyedTable(p.new);
  return {
    t: {
      schema: p.new.schema,
      name: p.new.name,
      key: k?.key ?? [],
      keyTypes: k?.keyTypes ?? [],
      columns: p.new.columns.map((c) => c.name).filter((c) => oldCols.has(c)),
    },
    findings,
  };
}

async function compareContent(
  config: Config,
  deps: Deps,
  pairs: { old: TableModel; new: TableModel }[],
  opts: VerifyOptions,
): Promise<ContentResult[]> {
  const opened: Pair[] = [];
  const clients: pg.Client[] = [];
  try {
    for (let i = 0; i < config.concurrency; i++) {
      const o = await deps.connect(config.oldUrl, 'OLD');
      clients.push(o);
      const n = await deps.connect(config.newUrl, 'NEW');
      clients.push(n);
      await prepareVerifySession(o);
      await prepareVerifySession(n);
      opened.push({ old: o, new: n });
    }
    const pool = pairPool(opened);
    return await Promise.all(
      pairs.map(async (p) => {
        const c = comparedTable(p);
        const r = await compareTableContent(pool, c.t, { chunkRows: opts.chunkRows, maxRowsListed: DUPLICATES_LISTED });
        return { ...r, findings: [...c.findings, ...r.findings] };
      }),
    );
  } finally {
    await closeClients(...clients);
  }
}

export async function runVerify(config: Config, deps: Deps, opts: VerifyOptions): Promise<VerifyReport> {
  const oldDb = await deps.connect(config.oldUrl, 'OLD');
  const newDb = await deps.connect(config.newUrl, 'NEW').catch(async (e: unknown) => {
    await closeClient(oldDb);
    throw e;
  });
  try {
    await prepareVerifySession(oldDb);
    await prepareVerifySession(newDb);
    const state = await readRecordedState(newDb, config.stateSchema);
    await requireRecordedOld(oldDb, state.record);
    const skip = { skipSchemas: [config.stateSchema] };
    const oldModel = await introspectDatabase(oldDb, skip);
    const newModel = await introspectDatabase(newDb, skip);
    const pairs = selectPairs(config, oldModel, newModel);
    const selectedNames = new Set(pairs.map((p) => qualifiedName(p.new)));
    const selection =
      config.tables?.length || config.schemas?.length || config.excludeTables?.length ? selectedNames : null;
    const served = new Set(state.tables.map((t) => qualifiedName(t)));
    const rowsOnOld = await countRowsOnOld(oldDb, state.tables);
    const facts = {
      recorded: state.record !== null,
      initCompleted: state.record?.initCompletedAt != null,
      rowsOnOld: [...rowsOnOld.values()].reduce((a, b) => a + b, 0),
      openBatches: await openBatchCount(newDb, config.stateSchema),
      unrestoredFks: state.foreignKeys.filter((f) => !f.restoredAt).length,
    };
    const phase = detectPhase(facts);
    const findings: Finding[] = [
      ...(await rowFindings(oldDb, newDb, config.stateSchema, pairs, served, rowsOnOld)),
      ...(await fkFindings(newDb, state, newModel, selection)),
      ...(await readSequenceFacts(oldDb, newDb, oldModel, newModel, skip.skipSchemas, selection)).flatMap(
        checkSequence,
      ),
      ...checkTriggers(pairs),
    ];
    const content = new Map<string, ContentResult>();
    if (opts.compareContent) {
      if (phase === 'moving' || phase === 'moved-fks-off') {
        findings.push({
          severity: 'warning',
          check: 'content',
          subject: 'OLD and NEW',
          message:
            'content comparison expects both servers to hold every row; during an FDW move rows are split between them, so moved rows show as missing on OLD',
        });
      }
      for (const r of await compareContent(config, deps, pairs, opts)) {
        content.set(r.table, r);
        findings.push(...r.findings);
        if (!r.findings.some((f) => f.severity === 'problem'))
          findings.push({
            severity: 'info',
            check: 'content',
            subject: r.table,
            message: `content identical: ${r.oldRows} row(s) in ${r.chunks} chunk(s)`,
          });
      }
    }
    const tables = pairs.map((p) => {
      const name = qualifiedName(p.new);
      const c = content.get(name);
      return {
        table: name,
        served: served.has(name),
        rowsOnOld: served.has(name) ? (rowsOnOld.get(name) ?? 0) : null,
        ...(c ? { content: { oldRows: c.oldRows, newRows: c.newRows, chunks: c.chunks } } : {}),
      };
    });
    return {
      phase,
      phaseText: describePhase(phase, facts),
      ok: !findings.some((f) => f.severity === 'problem'),
      findings,
      tables,
    };
  } finally {
    await closeClients(newDb, oldDb);
  }
}
