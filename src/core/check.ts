/**
 * check: read-only preflight. Connects to both servers and reports every problem at once, each
 * with a hint; nothing on either server is changed (NEW's reachability probe is rolled back).
 */
import type pg from 'pg';
import type { Config } from '../config/schema.js';
import { selectionError } from '../config/selection.js';
import { FdwmigError } from '../errors.js';
import { introspectDatabase } from '../introspect/introspect.js';
import { loadSql } from '../introspect/load-sql.js';
import { qualifiedName, type DatabaseModel } from '../introspect/model.js';
import { assessTables, selectTables, type TableAssessment } from '../plan/assess-tables.js';
import type { CoreDeps } from './context.js';
import { findMissingRoles } from './init-new.js';
import { describeEndpoint, oldEndpointFromUrl } from './old-endpoint.js';
import { probeFdwReach } from './probe-fdw.js';
import { canUseReplicaRole } from '../exec/mover-session.js';
import { planMoveOrder } from '../plan/move-order.js';
import { triggerHazards } from '../plan/trigger-hazards.js';

export interface Finding {
  severity: 'error' | 'warning' | 'info';
  subject: string;
  message: string;
  hint?: string;
}

export interface CheckReport {
  ok: boolean;
  findings: Finding[];
  tables: { name: string; migratable: boolean; refusals: string[]; warnings: string[]; estimatedRows: number }[];
}

/** Versions fdwmig is tested with; others may work but are not promised. */
const TESTED_MAJORS = { min: 12, max: 17 };

function versionFindings(side: 'OLD' | 'NEW', m: DatabaseModel): Finding[] {
  const major = Math.floor(m.server.versionNum / 10000);
  const f: Finding[] = [{ severity: 'info', subject: side, message: `PostgreSQL ${m.server.version}, role ${m.server.role}${m.server.isSuperuser ? ' (superuser)' : ''}` }];
  if (major < TESTED_MAJORS.min || major > TESTED_MAJORS.max) {
    f.push({ severity: 'warning', subject: side, message: `PostgreSQL ${major} is outside the tested range ${TESTED_MAJORS.min}..${TESTED_MAJORS.max}` });
  }
  return f;
}

function newServerFindings(m: DatabaseModel): Finding[] {
  const s = m.server;
  const f: Finding[] = [];
  if (!s.fdwAvailable) {
    f.push({ severity: 'error', subject: 'NEW', message: 'postgres_fdw is not available on NEW', hint: 'install the PostgreSQL contrib package on NEW (or enable postgres_fdw on your managed service)' });
  } else if (!s.fdwInstalled && !s.isSuperuser) {
    f.push({ severity: 'warning', subject: 'NEW', message: `postgres_fdw is not installed and ${s.role} is not superuser`, hint: 'ask an administrator to run CREATE EXTENSION postgres_fdw on NEW (managed services allow it for their admin role)' });
  }
  if (s.fdwInstalled && !s.isSuperuser && !s.fdwUsage) {
    f.push({ severity: 'error', subject: 'NEW', message: `${s.role} may not use the postgres_fdw wrapper (needed to create the server for OLD)`, hint: `on NEW: GRANT USAGE ON FOREIGN DATA WRAPPER postgres_fdw TO ${s.role}` });
  }
  if (!s.canCreateSchema) {
    f.push({ severity: 'error', subject: 'NEW', message: `${s.role} cannot create fdwmig's state schema`, hint: `GRANT CREATE ON DATABASE ${s.database} TO ${s.role}` });
  }
  if (s.versionNum < 140000) {
    f.push({ severity: 'info', subject: 'NEW', message: 'NEW is 13: TRUNCATE of a migrated table fails until cleanup (foreign tables cannot be truncated there); TRUNCATE ONLY works' });
  }
  return f;
}

function oldServerFindings(m: DatabaseModel): Finding[] {
  const f: Finding[] = [];
  if (m.server.largeObjects > 0) {
    f.push({ severity: 'warning', subject: 'OLD', message: `${m.server.largeObjects} large object(s) exist on OLD; fdwmig does not move large objects`, hint: 'move them separately (pg_dump --large-objects) or store them in bytea columns' });
  }
  if (!m.server.canCreateSchema) {
    f.push({ severity: 'error', subject: 'OLD', message: `${m.server.role} cannot create schemas on OLD; migrate keeps a marker per moved batch there (fdwmig.moved_batches), written with each delete so that a crash can never be mistaken for an application delete`, hint: `on OLD: GRANT CREATE ON DATABASE ${m.server.database} TO ${m.server.role}` });
  }
  if (m.server.materializedViews.length) {
    f.push({ severity: 'info', subject: 'OLD', message: `materialized views (${m.server.materializedViews.join(', ')}) are not moved`, hint: 'create them on NEW and REFRESH MATERIALIZED VIEW after the move' });
  }
  return f;
}

async function privilegeFindings(db: pg.Client, side: 'OLD' | 'NEW', tables: TableAssessment[], model: DatabaseModel): Promise<Finding[]> {
  const byName = new Map(model.tables.map((t) => [qualifiedName(t), t]));
  const targets = tables.map((a) => byName.get(qualifiedName(a.table))).filter((t) => t !== undefined);
  if (!targets.length) return [];
  const rows = (await db.query<{ table_oid: string; can_select: boolean; can_delete: boolean; owns: boolean }>(
    loadSql('privileges'), [targets.map((t) => String(t.oid))])).rows;
  const byOid = new Map(targets.map((t) => [String(t.oid), qualifiedName(t)]));
  const role = model.server.role;
  const f: Finding[] = [];
  for (const r of rows) {
    const name = byOid.get(String(r.table_oid))!;
    if (side === 'OLD' && (!r.can_select || !r.can_delete)) {
      f.push({ severity: 'error', subject: `OLD ${name}`, message: `${role} lacks ${[!r.can_select && 'SELECT', !r.can_delete && 'DELETE'].filter(Boolean).join(' and ')} on OLD's table`, hint: `on OLD: GRANT SELECT, DELETE ON ${name} TO ${role}` });
    }
    if (side === 'NEW' && !r.owns) {
      f.push({ severity: 'error', subject: `NEW ${name}`, message: `${role} does not own NEW's table (needed to attach the foreign table and turn FKs off and on)`, hint: `on NEW: ALTER TABLE ${name} OWNER TO ${role}, or GRANT <owner> TO ${role}` });
    }
  }
  return f;
}

function tableFindings(tables: TableAssessment[], oldDb: DatabaseModel, newDb: DatabaseModel, config: Config): Finding[] {
  const f: Finding[] = [];
  for (const a of tables) {
    const name = qualifiedName(a.table);
    for (const r of a.refusals) f.push({ severity: 'error', subject: name, message: r });
    for (const w of a.warnings) f.push({ severity: 'warning', subject: name, message: w });
    if (a.newTable?.triggers.some((t) => t.enabled !== 'D')) {
      f.push({ severity: 'info', subject: name, message: `user triggers on NEW (${a.newTable.triggers.map((t) => t.name).join(', ')}) fire on the application's writes as usual` });
    }
  }
  const oldNames = new Set(selectTables(oldDb.tables, config).map(qualifiedName));
  for (const t of selectTables(newDb.tables, config)) {
    if (!oldNames.has(qualifiedName(t))) f.push({ severity: 'info', subject: qualifiedName(t), message: 'exists only on NEW: left alone' });
  }
  return f;
}

/** What migrate would refuse because OLD's or NEW's triggers and FK actions would fire on moved rows. */
async function moveHazardFindings(oldDb: pg.Client, newDb: pg.Client, tables: TableAssessment[], oldModel: DatabaseModel): Promise<Finding[]> {
  const caps = { old: await canUseReplicaRole(oldDb), new: await canUseReplicaRole(newDb) };
  const f: Finding[] = [];
  for (const [side, ok] of [['OLD', caps.old], ['NEW', caps.new]] as const) {
    f.push(ok
      ? { severity: 'info', subject: side, message: "fdwmig's role may set session_replication_role: triggers and FK actions stay quiet on moved rows" }
      : { severity: 'info', subject: side, message: "fdwmig's role may not set session_replication_role: migrate refuses tables whose triggers or FK actions would fire on moved rows (listed below, if any)", hint: `on ${side}: GRANT SET ON PARAMETER session_replication_role TO ${side === 'OLD' ? oldModel.server.role : '<role>'} (PostgreSQL 15+), or a superuser` });
  }
  const movable = tables.filter((a) => a.refusals.length === 0).map((a) => a.table);
  const moved = new Set(movable.map(qualifiedName));
  const cycles = planMoveOrder(movable).cycles;
  for (const a of tables) {
    for (const h of triggerHazards(a.table, a.newTable ?? undefined, oldModel.tables, moved, cycles, caps)) {
      f.push({ severity: 'warning', subject: qualifiedName(a.table), message: `migrate will refuse it: ${h}` });
    }
  }
  return f;
}

async function connectOrFinding(deps: CoreDeps, url: string, side: 'OLD' | 'NEW', findings: Finding[]): Promise<pg.Client | null> {
  try {
    return await deps.connect(url, side);
  } catch (err) {
    if (!(err instanceof FdwmigError)) throw err;
    findings.push({ severity: 'error', subject: side, message: err.message, hint: err.hint });
    return null;
  }
}

export async function runCheck(config: Config, deps: CoreDeps): Promise<CheckReport> {
  const findings: Finding[] = [];
  const oldDb = await connectOrFinding(deps, config.oldUrl, 'OLD', findings);
  const newDb = await connectOrFinding(deps, config.newUrl, 'NEW', findings);
  try {
    if (!oldDb || !newDb) return { ok: false, findings, tables: [] };
    const skip = { skipSchemas: [config.stateSchema] };
    const oldModel = await introspectDatabase(oldDb, skip);
    const newModel = await introspectDatabase(newDb, skip);
    // A selection that names nothing is bad input (exit 2), as in init-new, not a finding.
    const selection = selectionError(oldModel.tables, config, 'OLD');
    if (selection.error) throw selection.error;
    for (const t of selection.unknownExcludes) findings.push({ severity: 'warning', subject: t, message: 'named in --exclude-tables but no such table on OLD' });
    for (const role of await findMissingRoles(newDb, config.mappingRoles)) {
      findings.push({ severity: 'error', subject: 'NEW', message: `mapping role ${role} does not exist on NEW`, hint: 'create it on NEW (CREATE ROLE ...), or correct --mapping-roles / mappingRoles' });
    }
    const tables = assessTables(oldModel, newModel, config, { copySchema: config.copySchema });
    findings.push(...versionFindings('OLD', oldModel), ...versionFindings('NEW', newModel));
    findings.push(...newServerFindings(newModel), ...oldServerFindings(oldModel));
    const endpoint = oldEndpointFromUrl(config.oldUrl);
    if (newModel.server.fdwAvailable) {
      const failure = await probeFdwReach(newDb, endpoint);
      findings.push(failure === null
        ? { severity: 'info', subject: 'NEW -> OLD', message: `NEW reads OLD at ${describeEndpoint(endpoint)} through postgres_fdw` }
        : { severity: 'error', subject: 'NEW -> OLD', message: `NEW cannot reach OLD at ${describeEndpoint(endpoint)} through postgres_fdw: ${failure}`, hint: "the address in --old must work from NEW's host too: check OLD's pg_hba.conf and listen_addresses, firewalls, and the password" });
    }
    findings.push(...(await privilegeFindings(oldDb, 'OLD', tables, oldModel)));
    findings.push(...(await privilegeFindings(newDb, 'NEW', tables.filter((a) => a.newTable), newModel)));
    findings.push(...tableFindings(tables, oldModel, newModel, config));
    findings.push(...(await moveHazardFindings(oldDb, newDb, tables, oldModel)));
    return {
      ok: !findings.some((x) => x.severity === 'error'),
      findings,
      tables: tables.map((a) => ({ name: qualifiedName(a.table), migratable: a.refusals.length === 0, refusals: a.refusals, warnings: a.warnings, estimatedRows: a.table.estimatedRows })),
    };
  } finally {
    await oldDb?.end().catch(() => undefined);
    await newDb?.end().catch(() => undefined);
  }
}
