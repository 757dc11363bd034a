/**
 * check: read-only preflight. Connects to both servers and reports every problem at once, each
 * with a hint; nothing on either server is changed (NEW's reachability probe is rolled back).
 */
import type pg from 'pg';
import type { Config } from '../config/schema.js';
import type { PreflightFinding } from '../verify/report.js';
import { selectionError } from '../config/selection.js';
import { FdwmigError } from '../errors.js';
import { introspectDatabase } from '../introspect/introspect.js';
import { loadSql } from '../introspect/load-sql.js';
import { readIdentity, readNewState } from '../introspect/read-new-state.js';
import { qualifiedName, type DatabaseModel, type TableModel } from '../introspect/model.js';
import { assessTables, selectTables, type TableAssessment } from '../plan/assess-tables.js';
import { closeClients, type Deps } from '../exec/connections.js';
import { findMissingRoles, findNonEmptyTables, nonEmptyError, sameDatabaseError } from './init-new.js';
import { describeEndpoint, oldEndpointFromUrl } from '../config/old-endpoint.js';
import { probeFdwReach } from './probe-fdw.js';
import { canUseReplicaRole } from '../exec/mover-session.js';
import { moveKey } from '../plan/move-key.js';
import { planMoveOrder } from '../plan/move-order.js';
import { referencedTableOutcome } from '../plan/referencing-outcome.js';
import { triggerHazards } from '../plan/trigger-hazards.js';
import { ident, qualified } from '../sql/quote.js';

export interface CheckReport {
  ok: boolean;
  findings: PreflightFinding[];
  tables: { name: string; migratable: boolean; refusals: string[]; warnings: string[]; estimatedRows: number }[];
}

/** Versions fdwmig is tested with; others may work but are not promised. */
const TESTED_MAJORS = { min: 12, max: 17 };

function versionFindings(side: 'OLD' | 'NEW', m: DatabaseModel): PreflightFinding[] {
  const major = Math.floor(m.server.versionNum / 10000);
  const f: PreflightFinding[] = [
    {
      severity: 'info',
      subject: side,
      message: `PostgreSQL ${m.server.version}, role ${m.server.role}${m.server.isSuperuser ? ' (superuser)' : ''}`,
    },
  ];
  if (major < TESTED_MAJORS.min || major > TESTED_MAJORS.max) {
    f.push({
      severity: 'warning',
      subject: side,
      message: `PostgreSQL ${major} is outside the tested range ${TESTED_MAJORS.min}..${TESTED_MAJORS.max}`,
    });
  }
  return f;
}

function newServerFindings(m: DatabaseModel): PreflightFinding[] {
  const s = m.server;
  const f: PreflightFinding[] = [];
  if (!s.fdwAvailable) {
    f.push({
      severity: 'error',
      subject: 'NEW',
      message: 'postgres_fdw is not available on NEW',
      hint: 'install the PostgreSQL contrib package on NEW (or enable postgres_fdw on your managed service)',
    });
  } else if (!s.fdwInstalled && !s.isSuperuser) {
    f.push({
      severity: 'warning',
      subject: 'NEW',
      message: `postgres_fdw is not installed and ${s.role} is not superuser`,
      hint: 'ask an administrator to run CREATE EXTENSION postgres_fdw on NEW (managed services allow it for their admin role)',
    });
  }
  if (s.fdwInstalled && !s.isSuperuser && !s.fdwUsage) {
    f.push({
      severity: 'error',
      subject: 'NEW',
      message: `${s.role} may not use the postgres_fdw wrapper (needed to create the server for OLD)`,
      hint: `on NEW: GRANT USAGE ON FOREIGN DATA WRAPPER postgres_fdw TO ${ident(s.role)}`,
    });
  }
  if (!s.canCreateSchema) {
    f.push({
      severity: 'error',
      subject: 'NEW',
      message: `${s.role} cannot create fdwmig's state schema`,
      hint: `on NEW: GRANT CREATE ON DATABASE ${ident(s.database)} TO ${ident(s.role)}`,
    });
  }
  if (s.versionNum < 140000) {
    f.push({
      severity: 'info',
      subject: 'NEW',
      message:
        'NEW is 13: TRUNCATE of a migrated table fails until cleanup (foreign tables cannot be truncated there); TRUNCATE ONLY works',
    });
  }
  return f;
}

function oldServerFindings(m: DatabaseModel): PreflightFinding[] {
  const f: PreflightFinding[] = [];
  if (m.server.largeObjects > 0) {
    f.push({
      severity: 'warning',
      subject: 'OLD',
      message: `${m.server.largeObjects} large object(s) exist on OLD; fdwmig does not move large objects`,
      hint: 'move them separately (pg_dump --large-objects) or store them in bytea columns',
    });
  }
  if (!m.server.canCreateSchema) {
    f.push({
      severity: 'error',
      subject: 'OLD',
      message: `${m.server.role} cannot create schemas on OLD; migrate keeps a marker per moved batch there (fdwmig.moved_batches), written with each delete so that a crash can never be mistaken for an application delete`,
      hint: `on OLD: GRANT CREATE ON DATABASE ${ident(m.server.database)} TO ${ident(m.server.role)}`,
    });
  }
  if (m.server.materializedViews.length) {
    f.push({
      severity: 'info',
      subject: 'OLD',
      message: `materialized views (${m.server.materializedViews.join(', ')}) are not moved`,
      hint: 'create them on NEW and REFRESH MATERIALIZED VIEW after the move',
    });
  }
  return f;
}

async function privilegeFindings(
  db: pg.Client,
  side: 'OLD' | 'NEW',
  tables: TableAssessment[],
  model: DatabaseModel,
): Promise<PreflightFinding[]> {
  const byName = new Map(model.tables.map((t) => [qualifiedName(t), t]));
  const targets = tables.map((a) => byName.get(qualifiedName(a.table))).filter((t) => t !== undefined);
  if (!targets.length) return [];
  const rows = (
    await db.query<{ table_oid: string; can_select: boolean; can_delete: boolean; owns: boolean }>(
      loadSql('privileges'),
      [targets.map((t) => String(t.oid))],
    )
  ).rows;
  const byOid = new Map(targets.map((t) => [String(t.oid), t]));
  const role = model.server.role;
  // The application's UPDATEs through NEW of rows still on OLD run on OLD as this role (it is
  // the user of NEW's user mappings), so it needs UPDATE too.
  const updatable =
    side === 'OLD'
      ? new Set(
          (
            await db.query<{ oid: string }>(
              `SELECT oid::int8::text AS oid FROM unnest($1::oid[]) AS oid WHERE has_table_privilege(oid, 'UPDATE')`,
              [targets.map((t) => String(t.oid))],
            )
          ).rows.map((x) => x.oid),
        )
      : new Set<string>();
  const f: PreflightFinding[] = [];
  for (const r of rows) {
    const t = byOid.get(String(r.table_oid))!;
    const name = qualifiedName(t);
    // Hints are SQL to paste: every name quoted, whatever it holds.
    const sqlName = qualified(t.schema, t.name);
    const lacks =
      side === 'OLD'
        ? [
            !r.can_select && 'SELECT',
            !updatable.has(String(r.table_oid)) && 'UPDATE',
            !r.can_delete && 'DELETE',
          ].filter(Boolean)
        : [];
    if (lacks.length) {
      f.push({
        severity: 'error',
        subject: `OLD ${name}`,
        message: `${role} lacks ${lacks.join(', ')} on OLD's table (fdwmig reads and deletes moved rows; the application's updates through NEW reach OLD as this role)`,
        hint: `on OLD: GRANT SELECT, UPDATE, DELETE ON ${sqlName} TO ${ident(role)}`,
      });
    }
    if (side === 'NEW' && !r.owns) {
      f.push({
        severity: 'error',
        subject: `NEW ${name}`,
        message: `${role} does not own NEW's table (needed to attach the foreign table and turn FKs off and on)`,
        hint: `on NEW: ALTER TABLE ${sqlName} OWNER TO ${ident(role)}, or GRANT <owner> TO ${ident(role)}`,
      });
    }
  }
  return f;
}

function tableFindings(
  tables: TableAssessment[],
  oldDb: DatabaseModel,
  newDb: DatabaseModel,
  config: Config,
): PreflightFinding[] {
  const f: PreflightFinding[] = [];
  for (const a of tables) {
    const name = qualifiedName(a.table);
    for (const r of a.refusals) f.push({ severity: 'error', subject: name, message: r });
    for (const w of a.warnings) f.push({ severity: 'warning', subject: name, message: w });
    if (a.newTable?.triggers.some((t) => t.enabled !== 'D')) {
      f.push({
        severity: 'info',
        subject: name,
        message: `user triggers on NEW (${a.newTable.triggers.map((t) => t.name).join(', ')}) fire on the application's writes as usual`,
      });
    }
  }
  const oldNames = new Set(selectTables(oldDb.tables, config).map(qualifiedName));
  for (const t of selectTables(newDb.tables, config)) {
    if (!oldNames.has(qualifiedName(t)))
      f.push({ severity: 'info', subject: qualifiedName(t), message: 'exists only on NEW: left alone' });
  }
  return f;
}

/** What migrate would refuse because OLD's or NEW's triggers and FK actions would fire on moved rows. */
async function moveHazardFindings(
  oldDb: pg.Client,
  newDb: pg.Client,
  tables: TableAssessment[],
  oldModel: DatabaseModel,
  newRole: string,
): Promise<PreflightFinding[]> {
  const caps = { old: await canUseReplicaRole(oldDb), new: await canUseReplicaRole(newDb) };
  const f: PreflightFinding[] = [];
  for (const [side, ok] of [
    ['OLD', caps.old],
    ['NEW', caps.new],
  ] as const) {
    f.push(
      ok
        ? {
            severity: 'info',
            subject: side,
            message: "fdwmig's role may set session_replication_role: triggers and FK actions stay quiet on moved rows",
          }
        : {
            severity: 'info',
            subject: side,
            message:
              "fdwmig's role may not set session_replication_role: migrate refuses tables whose triggers or FK actions would fire on moved rows (listed below, if any)",
            hint: `on ${side}: GRANT SET ON PARAMETER session_replication_role TO ${ident(side === 'OLD' ? oldModel.server.role : newRole)} (PostgreSQL 15+), or a superuser`,
          },
    );
  }
  const temp = (
    await newDb.query<{ ok: boolean }>(
      `SELECT pg_catalog.has_database_privilege(current_database(), 'TEMPORARY') AS ok`,
    )
  ).rows[0]!.ok;
  if (!temp) {
    f.push({
      severity: 'warning',
      subject: 'NEW',
      message:
        "fdwmig's role may not create temporary tables: a batch whose rows change on OLD while it moves cannot be repaired, and migrate stops there (the batch stays copied; docs/PROTOCOL.md, step 5)",
      hint: `on NEW: GRANT TEMPORARY ON DATABASE ${ident(newDb.database ?? '')} TO ${ident(newRole)}`,
    });
  }
  const stats = (
    await newDb.query<{ ok: boolean }>(
      `SELECT pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS ok`,
    )
  ).rows[0]!.ok;
  if (!stats) {
    f.push({
      severity: 'info',
      subject: 'NEW',
      message:
        "fdwmig's role may not read other roles' activity: before each delete, migrate waits on the application's snapshots by xmin, not by transaction start, so a long transaction anywhere on NEW's cluster delays the move (docs/PROTOCOL.md, step 3)",
      hint: `on NEW: GRANT pg_read_all_stats TO ${ident(newRole)}`,
    });
  }
  const movable = tables.filter((a) => a.refusals.length === 0).map((a) => a.table);
  const moved = new Set(movable.map(qualifiedName));
  const cycles = planMoveOrder(movable).cycles;
  for (const a of tables) {
    for (const h of triggerHazards(a.table, a.newTable ?? undefined, oldModel.tables, moved, cycles, caps)) {
      f.push({ severity: 'warning', subject: qualifiedName(a.table), message: `migrate will refuse it: ${h}` });
    }
  }
  f.push(...keylessReferenceFindings(movable, caps.old));
  return f;
}

/**
 * A table migrate cannot move (no key) keeps its rows on OLD; what becomes of the tables it
 * references (referencing-outcome.ts, the rule migrate applies): in replica mode on OLD they move all the same, otherwise
 * they wait.
 */
function keylessReferenceFindings(movable: readonly TableModel[], replicaOnOld: boolean): PreflightFinding[] {
  const names = new Set(movable.map(qualifiedName));
  const f: PreflightFinding[] = [];
  for (const t of movable.filter((x) => !moveKey(x))) {
    const from = qualifiedName(t);
    for (const ref of new Set(t.foreignKeys.map((fk) => fk.refTable).filter((r) => r !== from && names.has(r)))) {
      // The keyless table alone, as migrate will have ended it (skipped): the rule migrate applies.
      f.push(
        referencedTableOutcome([{ table: from, status: 'skipped' }], replicaOnOld).moves
          ? {
              severity: 'info',
              subject: ref,
              message: `moves although ${from}, which references it, has no key and stays on OLD: OLD's FK checks and actions stay quiet (replica mode), and ${from}'s rows on OLD then reference rows that live on NEW, where every reference still resolves`,
            }
          : {
              severity: 'warning',
              subject: ref,
              message: `migrate will leave it waiting (not-run): ${from}, which references it, has no key and stays on OLD, and deleting its rows on OLD would fire OLD's FK checks or actions on ${from}'s rows`,
              hint: `add a primary key to ${from} on OLD and NEW, or leave it out (--exclude-tables), or let fdwmig set session_replication_role on OLD`,
            },
      );
    }
  }
  return f;
}

/** Schemas among `names` on which the connecting role lacks `privilege` (looked up by OID: no USAGE needed to ask). */
async function schemasLacking(
  db: pg.Client,
  names: readonly string[],
  privilege: 'USAGE' | 'CREATE',
): Promise<string[]> {
  const r = await db.query<{ name: string }>(
    `SELECT nspname AS name FROM pg_catalog.pg_namespace
    WHERE nspname = ANY ($1::text[]) AND NOT has_schema_privilege(oid, $2) ORDER BY 1`,
    [[...names], privilege],
  );
  return r.rows.map((x) => x.name);
}

/**
 * Privileges beyond the tables' own: USAGE on their schemas (a table privilege is no use
 * without it), on NEW CREATE on each schema that gets a `<table>_remote` foreign table, and on
 * OLD SELECT on the sequences whose positions NEW's are moved past (without it OLD's last value
 * reads as null and the sync skips the sequence, so NEW would hand out keys OLD's rows have).
 */
async function schemaAndSequenceFindings(
  oldDb: pg.Client,
  newDb: pg.Client,
  tables: TableAssessment[],
  oldModel: DatabaseModel,
  newModel: DatabaseModel,
): Promise<PreflightFinding[]> {
  const f: PreflightFinding[] = [];
  const grant = (side: 'OLD' | 'NEW', what: string, role: string) => `on ${side}: GRANT ${what} TO ${ident(role)}`;
  const oldRole = oldModel.server.role;
  const newRole = newModel.server.role;
  const oldSchemas = [...new Set([...tables.map((a) => a.table.schema), ...oldModel.sequences.map((q) => q.schema)])];
  for (const name of await schemasLacking(oldDb, oldSchemas, 'USAGE')) {
    f.push({
      severity: 'error',
      subject: `OLD ${name}`,
      message: `${oldRole} may not use schema ${name} on OLD (its tables and sequences cannot be read)`,
      hint: grant('OLD', `USAGE ON SCHEMA ${ident(name)}`, oldRole),
    });
  }
  const newSchemas = [...new Set(tables.filter((a) => a.newTable).map((a) => a.table.schema))];
  for (const name of await schemasLacking(newDb, newSchemas, 'USAGE')) {
    f.push({
      severity: 'error',
      subject: `NEW ${name}`,
      message: `${newRole} may not use schema ${name} on NEW`,
      hint: grant('NEW', `USAGE ON SCHEMA ${ident(name)}`, newRole),
    });
  }
  for (const name of await schemasLacking(newDb, newSchemas, 'CREATE')) {
    f.push({
      severity: 'error',
      subject: `NEW ${name}`,
      message: `${newRole} may not create objects in schema ${name} on NEW (init-new puts each table's _remote foreign table there)`,
      hint: grant('NEW', `CREATE ON SCHEMA ${ident(name)}`, newRole),
    });
  }
  const unreadable = await oldDb.query<{ schema: string; name: string }>(
    `SELECT s.schema, s.name
      FROM unnest($1::text[], $2::text[]) AS s (schema, name)
      JOIN pg_catalog.pg_namespace n ON n.nspname = s.schema
      JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.name AND c.relkind = 'S'
     WHERE NOT CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(c.oid, 'SELECT') ELSE true END ORDER BY 1, 2`,
    [oldModel.sequences.map((q) => q.schema), oldModel.sequences.map((q) => q.name)],
  );
  for (const q of unreadable.rows) {
    f.push({
      severity: 'error',
      subject: `OLD ${q.schema}.${q.name}`,
      message: `${oldRole} cannot read the sequence's position on OLD, so NEW's would not be moved past it and new rows on NEW could take keys OLD's rows have`,
      hint: grant('OLD', `SELECT ON SEQUENCE ${qualified(q.schema, q.name)}`, oldRole),
    });
  }
  return f;
}

/** The fix for a failed reachability probe: a privilege on NEW, OLD's password, or the network. */
function probeHint(failure: string, newRole: string): string {
  if (/permission denied to create extension/.test(failure)) {
    return 'the probe needs postgres_fdw on NEW: ask an administrator to run CREATE EXTENSION postgres_fdw there, then check again';
  }
  if (/permission denied for foreign-data wrapper/.test(failure))
    return `on NEW: GRANT USAGE ON FOREIGN DATA WRAPPER postgres_fdw TO ${ident(newRole)}`;
  if (/password is required|password authentication failed|no password supplied/.test(failure)) {
    return 'postgres_fdw logs in to OLD with the user and password of --old: put the password in the URL, --old-password-file or PGPASSFILE (a non-superuser on NEW must give one)';
  }
  return "the address in --old must work from NEW's host too: check OLD's pg_hba.conf and listen_addresses, firewalls, and the password";
}

async function connectOrFinding(
  deps: Deps,
  url: string,
  side: 'OLD' | 'NEW',
  findings: PreflightFinding[],
): Promise<pg.Client | null> {
  try {
    return await deps.connect(url, side);
  } catch (err) {
    if (!(err instanceof FdwmigError)) throw err;
    findings.push({ severity: 'error', subject: side, message: err.message, hint: err.hint });
    return null;
  }
}

export async function runCheck(config: Config, deps: Deps): Promise<CheckReport> {
  const findings: PreflightFinding[] = [];
  const oldDb = await connectOrFinding(deps, config.oldUrl, 'OLD', findings);
  const newDb = await connectOrFinding(deps, config.newUrl, 'NEW', findings);
  try {
    if (!oldDb || !newDb) return { ok: false, findings, tables: [] };
    const same = sameDatabaseError(await readIdentity(oldDb), await readIdentity(newDb));
    if (same) throw same;
    const skip = { skipSchemas: [config.stateSchema] };
    const oldModel = await introspectDatabase(oldDb, skip);
    const newModel = await introspectDatabase(newDb, skip);
    // A selection that names nothing is bad input (exit 2), as in init-new, not a finding.
    const selection = selectionError(oldModel.tables, config, 'OLD');
    if (selection.error) throw selection.error;
    for (const t of selection.unknownExcludes)
      findings.push({ severity: 'warning', subject: t, message: 'named in --exclude-tables but no such table on OLD' });
    for (const role of await findMissingRoles(newDb, config.mappingRoles)) {
      findings.push({
        severity: 'error',
        subject: 'NEW',
        message: `mapping role ${role} does not exist on NEW`,
        hint: 'create it on NEW (CREATE ROLE ...), or correct --mapping-roles / mappingRoles',
      });
    }
    const tables = assessTables(oldModel, newModel, config, { copySchema: config.copySchema });
    findings.push(...versionFindings('OLD', oldModel), ...versionFindings('NEW', newModel));
    findings.push(...newServerFindings(newModel), ...oldServerFindings(oldModel));
    const endpoint = oldEndpointFromUrl(config.oldUrl);
    if (newModel.server.fdwAvailable) {
      const failure = await probeFdwReach(newDb, endpoint);
      findings.push(
        failure === null
          ? {
              severity: 'info',
              subject: 'NEW -> OLD',
              message: `NEW reads OLD at ${describeEndpoint(endpoint)} through postgres_fdw`,
            }
          : {
              severity: 'error',
              subject: 'NEW -> OLD',
              message: `NEW cannot reach OLD at ${describeEndpoint(endpoint)} through postgres_fdw: ${failure}`,
              hint: probeHint(failure, newModel.server.role),
            },
      );
    }
    findings.push(...(await privilegeFindings(oldDb, 'OLD', tables, oldModel)));
    findings.push(
      ...(await privilegeFindings(
        newDb,
        'NEW',
        tables.filter((a) => a.newTable),
        newModel,
      )),
    );
    findings.push(...(await schemaAndSequenceFindings(oldDb, newDb, tables, oldModel, newModel)));
    if (!(await readNewState(newDb, config.stateSchema, config.serverName)).recorded) {
      const filled = await findNonEmptyTables(
        newDb,
        tables.filter((a) => a.newTable).map((a) => a.table),
      );
      if (filled.length)
        findings.push({
          severity: 'error',
          subject: 'NEW',
          message: nonEmptyError(filled).message.replace(/; nothing was changed$/, ''),
          hint: nonEmptyError(filled).hint,
        });
    }
    findings.push(...tableFindings(tables, oldModel, newModel, config));
    findings.push(...(await moveHazardFindings(oldDb, newDb, tables, oldModel, newModel.server.role)));
    return {
      ok: !findings.some((x) => x.severity === 'error'),
      findings,
      tables: tables.map((a) => ({
        name: qualifiedName(a.table),
        migratable: a.refusals.length === 0,
        refusals: a.refusals,
        warnings: a.warnings,
        estimatedRows: a.table.estimatedRows,
      })),
    };
  } finally {
    await closeClients(oldDb, newDb);
  }
}
