/**
 * check's findings, from what was read of the two servers: pure functions of the models, the
 * table assessments and a few facts check reads (src/fdw/check.ts). Each finding a person can
 * act on carries its hint.
 */
import type { Config } from '../config/schema.js';
import type { OldEndpoint } from '../config/old-endpoint.js';
import { describeEndpoint } from '../config/old-endpoint.js';
import { qualifiedName, type DatabaseModel, type TableModel } from '../introspect/model.js';
import { ident } from '../sql/quote.js';
import { selectTables, type TableAssessment } from './assess-tables.js';
import { moveKey } from './move-key.js';
import { referencedTableOutcome } from './referencing-outcome.js';
import type { ReplicaCapability } from './trigger-hazards.js';
import { GUARD_MIN_NEW_VERSION } from './wait-graph.js';

/** What check (FDW mode) and replicate start's preflight report before anything is changed. */
export interface PreflightFinding {
  severity: 'error' | 'warning' | 'info';
  subject: string;
  message: string;
  hint?: string;
}

/** Versions fdwmig is tested with; others may work but are not promised. */
const TESTED_MAJORS = { min: 12, max: 17 };

export function versionFindings(side: 'OLD' | 'NEW', m: DatabaseModel): PreflightFinding[] {
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

export function newServerFindings(m: DatabaseModel): PreflightFinding[] {
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

export function oldServerFindings(m: DatabaseModel): PreflightFinding[] {
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

export function tableFindings(
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

/**
 * A table migrate cannot move (no key) keeps its rows on OLD; what becomes of the tables it
 * references (referencing-outcome.ts, the rule migrate applies): in replica mode on OLD they move all the same, otherwise
 * they wait.
 */
export function keylessReferenceFindings(movable: readonly TableModel[], replicaOnOld: boolean): PreflightFinding[] {
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

/** The fix for a failed reachability probe: a privilege on NEW, OLD's password, or the network. */
export function probeHint(failure: string, newRole: string): string {
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

/** Whether each side's role may set session_replication_role, and what follows for migrate. */
export function replicaRoleFindings(caps: ReplicaCapability, roles: { old: string; new: string }): PreflightFinding[] {
  return (
    [
      ['OLD', caps.old, roles.old],
      ['NEW', caps.new, roles.new],
    ] as const
  ).map(([side, ok, role]) =>
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
          hint: `on ${side}: GRANT SET ON PARAMETER session_replication_role TO ${ident(role)} (PostgreSQL 15+), or a superuser`,
        },
  );
}

/** NEW's reachability probe of OLD: null failure when NEW read a row from OLD through postgres_fdw. */
export function reachFinding(failure: string | null, endpoint: OldEndpoint, newRole: string): PreflightFinding {
  return failure === null
    ? {
        severity: 'info',
        subject: 'NEW -> OLD',
        message: `NEW reads OLD at ${describeEndpoint(endpoint)} through postgres_fdw`,
      }
    : {
        severity: 'error',
        subject: 'NEW -> OLD',
        message: `NEW cannot reach OLD at ${describeEndpoint(endpoint)} through postgres_fdw: ${failure}`,
        hint: probeHint(failure, newRole),
      };
}

/**
 * The deadlock guard (migrate's, and `fdwmig guard`): it needs NEW 15+ to map postgres_fdw's
 * sessions, and pg_signal_backend on NEW to cancel the application's statements.
 */
export function guardFindings(newVersion: number, signalBackend: boolean, newRole: string): PreflightFinding[] {
  if (newVersion < GUARD_MIN_NEW_VERSION)
    return [
      {
        severity: 'warning',
        subject: 'NEW',
        message: `NEW runs PostgreSQL ${Math.floor(newVersion / 10000)}: the deadlock guard needs 15 or later to see deadlocks that cross OLD and NEW (postgres_fdw names its sessions on OLD only from 15 on); an application that locks rows in two orders can then wait for good`,
        hint: "give the application's sessions on NEW a lock_timeout or statement_timeout (docs/SUPPORT.md)",
      },
    ];
  if (signalBackend) return [];
  return [
    {
      severity: 'warning',
      subject: 'NEW',
      message:
        "fdwmig's role may not cancel other roles' statements: the deadlock guard finds a deadlock across OLD and NEW but cannot break it (it logs it)",
      hint: `on NEW: GRANT pg_signal_backend TO ${ident(newRole)}`,
    },
  ];
}
