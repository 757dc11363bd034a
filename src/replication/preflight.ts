/**
 * `replicate start` preflight: every reason OLD, NEW or a table cannot be replicated, each with
 * the fix. Pure: the facts are read by read-facts.ts; the schema comparison is the FDW mode's
 * compareTable, so both modes demand the same of NEW's tables.
 */
import type { PreflightFinding } from '../plan/check-findings.js';
import { qualifiedName, type DatabaseModel, type TableModel } from '../introspect/model.js';
import { selectTables, type Selection } from '../plan/assess-tables.js';
import { compareTable } from '../plan/compare-schemas.js';
import type { CopyMode, ReplicationNames } from './plan-replication.js';

export interface OldFacts {
  versionNum: number;
  role: string;
  walLevel: string;
  isSuperuser: boolean;
  canReplicate: boolean;
  canCreate: boolean;
  maxSlots: number;
  usedSlots: number;
  maxWalSenders: number;
  usedWalSenders: number;
  slotExists: boolean;
  publicationExists: boolean;
}

export interface NewFacts {
  versionNum: number;
  role: string;
  isSuperuser: boolean;
  canSubscribe: boolean;
  maxWorkers: number;
  maxSyncWorkers: number;
  subscriptionExists: boolean;
}

/** Per OLD table: its replica identity and the role's rights on it. */
export interface TableFacts {
  identity: 'd' | 'n' | 'f' | 'i';
  hasIdentityIndex: boolean;
  /** From pg_index, so a partition's inherited primary key counts too. */
  hasPrimaryKey: boolean;
  owns: boolean;
  canSelect: boolean;
}

export interface PreflightInput {
  old: OldFacts;
  new: NewFacts;
  oldModel: DatabaseModel;
  newModel: DatabaseModel;
  /** Keyed by qualifiedName of OLD's tables. */
  tableFacts: ReadonlyMap<string, TableFacts>;
  /** NEW's tables (qualified) that already hold rows. */
  nonEmptyOnNew: ReadonlySet<string>;
  /** Why NEW could not open a replication connection to OLD; null when it could. */
  reachFailure: string | null;
  names: ReplicationNames;
  mode: CopyMode;
  selection: Selection;
}

export interface PreflightResult {
  /** The tables to publish: the selection's ordinary tables and partitions (a partitioned parent holds no rows). */
  tables: TableModel[];
  findings: PreflightFinding[];
}

const EXCLUDE_HINT = 'or leave the table out (--exclude-tables)';

function identityFinding(t: TableModel, f: TableFacts | undefined): PreflightFinding | null {
  const subject = qualifiedName(t);
  if (!f) return null;
  if (f.identity === 'f') {
    return {
      severity: 'warning',
      subject,
      message:
        'REPLICA IDENTITY FULL: each UPDATE and DELETE ships the whole row, and NEW finds the row by comparing every column (slow on big tables)',
    };
  }
  const usable = (f.identity === 'd' && f.hasPrimaryKey) || (f.identity === 'i' && f.hasIdentityIndex);
  if (usable) return null;
  const why = f.identity === 'n' ? 'REPLICA IDENTITY NOTHING' : 'no primary key and no replica identity';
  return {
    severity: 'error',
    subject,
    message: `${why}: once published, UPDATE and DELETE on OLD would fail, and NEW could not find the rows they change`,
    hint: `add a primary key on OLD and NEW (e.g. ALTER TABLE ${subject} ADD COLUMN id bigserial PRIMARY KEY), or on OLD: ALTER TABLE ${subject} REPLICA IDENTITY FULL, ${EXCLUDE_HINT}`,
  };
}

function tableFindings(t: TableModel, input: PreflightInput): PreflightFinding[] {
  const subject = qualifiedName(t);
  const f: PreflightFinding[] = [];
  const newT = input.newModel.tables.find((n) => qualifiedName(n) === subject);
  if (!newT) {
    f.push({
      severity: 'error',
      subject,
      message: 'missing on NEW: logical replication copies rows, not the schema',
      hint: `apply the schema to NEW first (pg_dump --schema-only from OLD, or your migration tool), ${EXCLUDE_HINT}`,
    });
  } else {
    for (const p of compareTable(t, newT))
      f.push({
        severity: 'error',
        subject,
        message: `schema differs: ${p}`,
        hint: `make NEW's table match OLD's, ${EXCLUDE_HINT}`,
      });
    if (input.nonEmptyOnNew.has(subject)) {
      f.push({
        severity: 'error',
        subject,
        message: "already has rows on NEW: the initial copy would add OLD's rows to them",
        hint: `on NEW: TRUNCATE ${subject} (after checking what they are), ${EXCLUDE_HINT}`,
      });
    }
  }
  const facts = input.tableFacts.get(subject);
  const identity = identityFinding(t, facts);
  if (identity) f.push(identity);
  if (facts && !facts.owns) {
    f.push({
      severity: 'error',
      subject,
      message: `${input.old.role} does not own OLD's table (CREATE PUBLICATION ... FOR TABLE needs ownership)`,
      hint: `on OLD: ALTER TABLE ${subject} OWNER TO ${input.old.role}, or GRANT <owner> TO ${input.old.role}`,
    });
  }
  if (facts && !facts.canSelect) {
    f.push({
      severity: 'error',
      subject,
      message: `${input.old.role} cannot read OLD's table (the initial copy reads it)`,
      hint: `on OLD: GRANT SELECT ON ${subject} TO ${input.old.role}`,
    });
  }
  if (t.parents.length && !t.isPartition) {
    f.push({
      severity: 'info',
      subject,
      message: `inherits from ${t.parents.join(', ')}: published and copied on its own (ONLY), as each selected table is`,
    });
  }
  return f;
}

function oldFindings(o: OldFacts, names: ReplicationNames, needed: number): PreflightFinding[] {
  const f: PreflightFinding[] = [];
  if (o.walLevel !== 'logical') {
    f.push({
      severity: 'error',
      subject: 'OLD',
      message: `wal_level is ${o.walLevel}; logical replication needs logical`,
      hint: "on OLD: ALTER SYSTEM SET wal_level = 'logical', then restart OLD (managed services: the logical replication / logical decoding parameter)",
    });
  }
  if (!o.isSuperuser && !o.canReplicate) {
    f.push({
      severity: 'error',
      subject: 'OLD',
      message: `${o.role} may not replicate (neither superuser nor REPLICATION)`,
      hint: `on OLD: ALTER ROLE ${o.role} REPLICATION (and allow it in pg_hba.conf for this database)`,
    });
  }
  if (!o.canCreate && !o.isSuperuser) {
    f.push({
      severity: 'error',
      subject: 'OLD',
      message: `${o.role} cannot create the publication`,
      hint: `on OLD: GRANT CREATE ON DATABASE <db> TO ${o.role}`,
    });
  }
  if (o.maxSlots - o.usedSlots < needed) {
    f.push({
      severity: 'error',
      subject: 'OLD',
      message: `${o.maxSlots - o.usedSlots} free replication slot(s) of max_replication_slots = ${o.maxSlots}; ${needed} needed`,
      hint: 'drop unused slots (pg_replication_slots) or raise max_replication_slots on OLD (restart)',
    });
  }
  if (o.maxWalSenders - o.usedWalSenders < needed) {
    f.push({
      severity: 'error',
      subject: 'OLD',
      message: `${o.maxWalSenders - o.usedWalSenders} free wal sender(s) of max_wal_senders = ${o.maxWalSenders}; ${needed} needed`,
      hint: 'raise max_wal_senders on OLD (restart), or end other replication connections',
    });
  }
  const taken = [
    o.slotExists && `slot ${names.slot}`,
    o.publicationExists && `publication ${names.publication}`,
  ].filter(Boolean);
  if (taken.length) {
    f.push({
      severity: 'error',
      subject: 'OLD',
      message: `${taken.join(' and ')} already exist(s) on OLD`,
      hint: "replication was started already: see 'fdwmig replicate status'; 'fdwmig replicate cleanup' removes it to start over; or pick other names (--publication-name, --slot-name)",
    });
  }
  return f;
}

function newFindings(n: NewFacts, input: PreflightInput): PreflightFinding[] {
  const f: PreflightFinding[] = [];
  if (!n.isSuperuser && !n.canSubscribe) {
    const how =
      n.versionNum >= 160000
        ? `GRANT pg_create_subscription TO ${n.role} (and CREATE on the database)`
        : 'use a superuser: before PostgreSQL 16 only superusers create subscriptions';
    f.push({
      severity: 'error',
      subject: 'NEW',
      message: `${n.role} may not create a subscription`,
      hint: `on NEW: ${how}`,
    });
  }
  if (n.maxWorkers < 1) {
    f.push({
      severity: 'error',
      subject: 'NEW',
      message: 'max_logical_replication_workers is 0: no subscription can run',
      hint: 'on NEW: raise max_logical_replication_workers (restart)',
    });
  }
  if (n.subscriptionExists) {
    f.push({
      severity: 'error',
      subject: 'NEW',
      message: `subscription ${input.names.subscription} already exists on NEW`,
      hint: "see 'fdwmig replicate status'; 'fdwmig replicate cleanup' removes it; or pick another --subscription-name",
    });
  }
  if (input.reachFailure !== null) {
    f.push({
      severity: 'error',
      subject: 'NEW -> OLD',
      message: `NEW cannot open a replication connection to OLD: ${input.reachFailure}`,
      hint: "the --old address must work from NEW's host too: OLD's pg_hba.conf (a line for this database and role), listen_addresses, firewalls, the password",
    });
  }
  return f;
}

/** Everything that stops `replicate start`, and the tables it would publish. */
export function assessReplication(input: PreflightInput): PreflightResult {
  const selected = selectTables(input.oldModel.tables, input.selection);
  const tables = selected.filter((t) => t.kind === 'table');
  const findings: PreflightFinding[] = [];
  // The main slot, plus one per table-sync worker while NEW copies (copy-data only).
  const needed = 1 + (input.mode === 'copy-data' ? Math.min(input.new.maxSyncWorkers, tables.length) : 0);
  findings.push(...oldFindings(input.old, input.names, needed), ...newFindings(input.new, input));
  for (const p of selected.filter((t) => t.kind === 'partitioned')) {
    findings.push({
      severity: 'info',
      subject: qualifiedName(p),
      message:
        'partitioned: its partitions are published and copied each as its own table; NEW needs the same partitions',
    });
  }
  if (tables.length === 0) {
    findings.push({
      severity: 'error',
      subject: 'OLD',
      message: 'no table selected',
      hint: 'check --schemas, --tables and --exclude-tables',
    });
  }
  for (const t of tables) findings.push(...tableFindings(t, input));
  return { tables, findings };
}
