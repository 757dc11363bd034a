/**
 * Reads what `replicate start`'s preflight decides on, from both servers, without changing
 * either (NEW's reachability probe is a CREATE SUBSCRIPTION that is rolled back).
 */
import type pg from 'pg';
import type { Config } from '../config/schema.js';
import { isDatabaseError } from '../errors.js';
import { withRollback } from '../sql/queryable.js';
import { canUseReplicaRole } from '../exec/mover-session.js';
import { introspectDatabase } from '../introspect/introspect.js';
import { loadSql } from '../introspect/load-sql.js';
import { qualifiedName, type TableModel } from '../introspect/model.js';
import { selectTables } from '../plan/assess-tables.js';
import { anyRowSql } from '../plan/count-rows.js';
import { ident, literal } from '../sql/quote.js';
import type { SubscriptionConninfo } from './conninfo.js';
import type { CopyMode, ReplicationNames } from './plan-replication.js';
import { assessReplication, type NewFacts, type OldFacts, type PreflightResult, type TableFacts } from './preflight.js';

export async function readOldFacts(db: pg.Client, names: ReplicationNames): Promise<OldFacts> {
  const r = (await db.query(loadSql('replication/old-facts'), [names.slot, names.publication])).rows[0]!;
  return {
    versionNum: r.version_num,
    role: r.role,
    walLevel: r.wal_level,
    isSuperuser: r.is_superuser,
    canReplicate: r.can_replicate,
    canCreate: r.can_create,
    maxSlots: r.max_slots,
    usedSlots: r.used_slots,
    maxWalSenders: r.max_wal_senders,
    usedWalSenders: r.used_wal_senders,
    slotExists: r.slot_exists,
    publicationExists: r.publication_exists,
  };
}

export async function readNewFacts(db: pg.Client, names: ReplicationNames): Promise<NewFacts> {
  const r = (await db.query(loadSql('replication/new-facts'), [names.subscription])).rows[0]!;
  return {
    versionNum: r.version_num,
    role: r.role,
    isSuperuser: r.is_superuser,
    canSubscribe: r.can_subscribe,
    maxWorkers: r.max_workers,
    maxSyncWorkers: r.max_sync_workers,
    subscriptionExists: r.subscription_exists,
  };
}

async function readTableFacts(db: pg.Client, tables: readonly TableModel[]): Promise<Map<string, TableFacts>> {
  if (!tables.length) return new Map();
  const rows = (await db.query(loadSql('replication/replica-identity'), [tables.map((t) => String(t.oid))])).rows;
  const byOid = new Map(tables.map((t) => [String(t.oid), qualifiedName(t)]));
  return new Map(
    rows.map((r) => [
      byOid.get(String(r.table_oid))!,
      {
        identity: r.identity,
        hasIdentityIndex: r.has_identity_index,
        hasPrimaryKey: r.has_primary_key,
        owns: r.owns,
        canSelect: r.can_select,
      },
    ]),
  );
}

async function readNonEmpty(db: pg.Client, tables: readonly TableModel[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const t of tables) {
    const r = await db.query<{ any: boolean }>(anyRowSql(t.schema, t.name));
    if (r.rows[0]!.any) found.add(qualifiedName(t));
  }
  return found;
}

/**
 * Whether NEW can open a replication connection to OLD with the subscription's conninfo: a
 * CREATE SUBSCRIPTION that connects but creates no slot, rolled back. Null when it worked.
 */
export async function probeReplicationReach(
  db: pg.Client,
  names: ReplicationNames,
  conninfo: SubscriptionConninfo,
): Promise<string | null> {
  const probe = ident(`${names.subscription}_probe`.slice(0, 63));
  return withRollback(db, async () => {
    try {
      await db.query(`CREATE SUBSCRIPTION ${probe} CONNECTION ${literal(conninfo.secret)} PUBLICATION ${ident(names.publication)}
      WITH (connect = true, enabled = false, create_slot = false, slot_name = NONE, copy_data = false)`);
      return null;
    } catch (err) {
      // Not allowed to subscribe at all is reported by its own finding; the probe proves nothing then.
      if (isDatabaseError(err) && err.code === '42501') return null;
      if (isDatabaseError(err)) return err.message;
      throw err;
    }
  });
}

/** Reads every fact and assesses them: the findings and the tables to publish. */
export async function runReplicationPreflight(
  config: Config,
  mode: CopyMode,
  oldDb: pg.Client,
  newDb: pg.Client,
  names: ReplicationNames,
  conninfo: SubscriptionConninfo,
): Promise<PreflightResult> {
  const skip = { skipSchemas: [config.stateSchema] };
  const oldModel = await introspectDatabase(oldDb, skip);
  const newModel = await introspectDatabase(newDb, skip);
  const selected = selectTables(oldModel.tables, config).filter((t) => t.kind === 'table');
  const onNew = new Set(newModel.tables.map(qualifiedName));
  const newTables = selectTables(newModel.tables, config).filter(
    (t) => onNew.has(qualifiedName(t)) && selected.some((s) => qualifiedName(s) === qualifiedName(t)),
  );
  const result = assessReplication({
    old: await readOldFacts(oldDb, names),
    new: await readNewFacts(newDb, names),
    oldModel,
    newModel,
    tableFacts: await readTableFacts(oldDb, selected),
    nonEmptyOnNew: await readNonEmpty(newDb, newTables),
    reachFailure: await probeReplicationReach(newDb, names, conninfo),
    names,
    mode,
    selection: config,
  });
  if (mode === 'snapshot' && !(await canUseReplicaRole(newDb))) {
    result.findings.push({
      severity: 'error',
      subject: 'NEW',
      message:
        "may not set session_replication_role: --snapshot copies tables in parallel with FKs and triggers on NEW held off, as NEW's own table sync does",
      hint: 'on NEW: GRANT SET ON PARAMETER session_replication_role TO <role> (15+), use a superuser, or use --copy-data',
    });
  }
  return result;
}
