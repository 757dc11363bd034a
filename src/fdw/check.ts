/**
 * check: read-only preflight. Connects to both servers and reports every problem at once, each
 * with a hint; nothing on either server is changed (NEW's reachability probe is rolled back).
 */
import type pg from 'pg';
import type { Config } from '../config/schema.js';
import {
  guardFindings,
  keylessReferenceFindings,
  newServerFindings,
  oldServerFindings,
  reachFinding,
  replicaRoleFindings,
  tableFindings,
  versionFindings,
  type PreflightFinding,
} from '../plan/check-findings.js';
import { selectionError } from '../config/selection.js';
import { FdwmigError } from '../errors.js';
import { introspectDatabase } from '../introspect/introspect.js';
import { loadSql } from '../introspect/load-sql.js';
import { readIdentity } from '../introspect/read-new-state.js';
import { readMigrationRecord } from '../state/records.js';
import { qualifiedName, type DatabaseModel } from '../introspect/model.js';
import { assessTables, type TableAssessment } from '../plan/assess-tables.js';
import { closeClients, type Deps } from '../exec/connections.js';
import { findMissingRoles, findNonEmptyTables, nonEmptyError, sameDatabaseError } from './init-new.js';
import { oldEndpointFromUrl } from '../config/old-endpoint.js';
import { probeFdwReach } from './probe-fdw.js';
import { canUseReplicaRole } from '../exec/mover-session.js';
import { planMoveOrder } from '../plan/move-order.js';
import { triggerHazards } from '../plan/trigger-hazards.js';
import { ident, qualified } from '../sql/quote.js';

export interface CheckReport {
  ok: boolean;
  findings: PreflightFinding[];
  tables: { name: string; migratable: boolean; refusals: string[]; warnings: string[]; estimatedRows: number }[];
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
          (await db.query<{ oid: string }>(loadSql('updatable-tables'), [targets.map((t) => String(t.oid))])).rows.map(
            (x) => x.oid,
          ),
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

/** What migrate would refuse because OLD's or NEW's triggers and FK actions would fire on moved rows. */
async function moveHazardFindings(
  oldDb: pg.Client,
  newDb: pg.Client,
  tables: TableAssessment[],
  oldModel: DatabaseModel,
  newServer: { role: string; versionNum: number },
): Promise<PreflightFinding[]> {
  const newRole = newServer.role;
  const caps = { old: await canUseReplicaRole(oldDb), new: await canUseReplicaRole(newDb) };
  const f = replicaRoleFindings(caps, { old: oldModel.server.role, new: newRole });
  const can = (
    await newDb.query<{ temp: boolean; read_all_stats: boolean; signal_backend: boolean }>(loadSql('role-capabilities'))
  ).rows[0]!;
  if (!can.temp) {
    f.push({
      severity: 'warning',
      subject: 'NEW',
      message:
        "fdwmig's role may not create temporary tables: a batch whose rows change on OLD while it moves cannot be repaired, and migrate stops there (the batch stays copied; docs/PROTOCOL.md, step 5)",
      hint: `on NEW: GRANT TEMPORARY ON DATABASE ${ident(newDb.database ?? '')} TO ${ident(newRole)}`,
    });
  }
  if (!can.read_all_stats) {
    f.push({
      severity: 'info',
      subject: 'NEW',
      message:
        "fdwmig's role may not read other roles' activity: before each delete, migrate waits on the application's snapshots by xmin, not by transaction start, so a long transaction anywhere on NEW's cluster delays the move (docs/PROTOCOL.md, step 3); and the deadlock guard cannot see the application's lock waits",
      hint: `on NEW: GRANT pg_read_all_stats TO ${ident(newRole)}`,
    });
  }
  f.push(...guardFindings(newServer.versionNum, can.signal_backend, newRole));
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

/** Schemas among `names` on which the connecting role lacks `privilege` (looked up by OID: no USAGE needed to ask). */
async function schemasLacking(
  db: pg.Client,
  names: readonly string[],
  privilege: 'USAGE' | 'CREATE',
): Promise<string[]> {
  const r = await db.query<{ name: string }>(loadSql('schemas-lacking'), [[...names], privilege]);
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
  const unreadable = await oldDb.query<{ schema: string; name: string }>(loadSql('unreadable-sequences'), [
    oldModel.sequences.map((q) => q.schema),
    oldModel.sequences.map((q) => q.name),
  ]);
  for (const q of unreadable.rows) {
    f.push({
      severity: 'error',
      subject: `OLD ${qualifiedName(q)}`,
      message: `${oldRole} cannot read the sequence's position on OLD, so NEW's would not be moved past it and new rows on NEW could take keys OLD's rows have`,
      hint: grant('OLD', `SELECT ON SEQUENCE ${qualified(q.schema, q.name)}`, oldRole),
    });
  }
  return f;
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
      findings.push(reachFinding(await probeFdwReach(newDb, endpoint), endpoint, newModel.server.role));
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
    if (!(await readMigrationRecord(newDb, config.stateSchema))) {
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
    findings.push(...(await moveHazardFindings(oldDb, newDb, tables, oldModel, newModel.server)));
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
