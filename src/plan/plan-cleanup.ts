/**
 * The cleanup planner: from what fdwmig's objects on NEW and OLD look like now, the SQL that
 * drops them and nothing else. Pure. Only what exists is planned, so a second run plans nothing.
 *
 * Order matters for a re-run after an interruption: NEW's FDW objects first, then OLD's marker
 * schema, and NEW's state schema last, so while any object remains the state that names it does too.
 */
import type { ServerSide } from '../errors.js';
import { ident, qualified } from '../sql/quote.js';
import { dropOldMarkerSql, dropStateSchemaSql } from '../state/schema.js';
import { renderPlan, step, type Plan, type Step } from './step.js';
import { qualifiedName } from '../introspect/model.js';

/** What exists now of fdwmig's objects, read from both servers before planning. */
export interface CleanupModel {
  stateSchema: string;
  stateSchemaExists: boolean;
  /** Which tables exist in the state schema on NEW (the state's own are dropped by name). */
  stateTables: readonly string[];
  /** The foreign server init-new created (the name recorded in the state). */
  serverName: string;
  serverExists: boolean;
  /** Roles with a user mapping for the server ('public' for PUBLIC). */
  mappedRoles: readonly string[];
  /** fdwmig's `<t>_remote` tables that exist: listed in the state and attached to the server. */
  foreignTables: readonly { schema: string; name: string }[];
  /** fdwmig created postgres_fdw (recorded at init-new) and it is still installed. */
  extensionCreatedByFdwmig: boolean;
  /** Other foreign servers of the postgres_fdw wrapper: the extension stays for them. */
  otherFdwServers: readonly string[];
  oldMarker: { schemaExists: boolean; tableExists: boolean };
}

/** One server's part of the cleanup. */
export interface CleanupSegment {
  side: ServerSide;
  plan: Plan;
}

export interface CleanupPlan {
  segments: readonly CleanupSegment[];
  /** Things left alone on purpose, with the reason. */
  notes: readonly string[];
}

function planFdwObjects(m: CleanupModel): { steps: Step[]; notes: string[] } {
  const steps: Step[] = [];
  const notes: string[] = [];
  for (const ft of m.foreignTables) {
    steps.push(
      step({
        id: `foreign-table:${qualifiedName(ft)}`,
        description: `drop foreign table ${qualifiedName(ft)} (OLD's rows are no longer read through NEW)`,
        sql: [`DROP FOREIGN TABLE IF EXISTS ${qualified(ft.schema, ft.name)}`],
        // A query on the parent holds a lock on this child: wait at most lock_timeout.
        takesLocks: true,
      }),
    );
  }
  if (m.serverExists) {
    for (const role of m.mappedRoles) {
      steps.push(
        step({
          id: `user-mapping:${role}`,
          description: `drop user mapping for ${role} on ${m.serverName} (it holds OLD's password)`,
          sql: [
            `DROP USER MAPPING IF EXISTS FOR ${role === 'public' ? 'PUBLIC' : ident(role)} SERVER ${ident(m.serverName)}`,
          ],
          takesLocks: false,
        }),
      );
    }
    steps.push(
      step({
        id: 'server',
        description: `drop foreign server ${m.serverName}`,
        sql: [`DROP SERVER IF EXISTS ${ident(m.serverName)}`],
        takesLocks: false,
      }),
    );
  }
  if (m.extensionCreatedByFdwmig) {
    if (m.otherFdwServers.length) {
      notes.push(`postgres_fdw stays installed: other foreign servers use it (${m.otherFdwServers.join(', ')})`);
    } else {
      steps.push(
        step({
          id: 'extension',
          description: 'drop postgres_fdw (init-new installed it)',
          sql: ['DROP EXTENSION IF EXISTS postgres_fdw'],
          takesLocks: false,
        }),
      );
    }
  }
  return { steps, notes };
}

function planOldMarker(m: CleanupModel): Step[] {
  if (!m.oldMarker.schemaExists) return [];
  return [
    step({
      id: 'old-marker',
      description: `drop OLD's marker schema ${m.stateSchema} (moved-batch markers)`,
      sql: dropOldMarkerSql(m.stateSchema, m.oldMarker.tableExists),
      takesLocks: false,
    }),
  ];
}

function planStateSchema(m: CleanupModel): Step[] {
  if (!m.stateSchemaExists) return [];
  return [
    step({
      id: 'state-schema',
      description: `drop the state schema ${m.stateSchema} on NEW`,
      sql: dropStateSchemaSql(m.stateSchema, m.stateTables),
      takesLocks: false,
    }),
  ];
}

/** Plans cleanup: only segments with steps appear. */
export function planCleanup(m: CleanupModel): CleanupPlan {
  const fdw = planFdwObjects(m);
  const segments: CleanupSegment[] = [
    { side: 'NEW' as const, plan: { title: 'fdwmig cleanup on NEW: FDW objects', steps: fdw.steps } },
    { side: 'OLD' as const, plan: { title: 'fdwmig cleanup on OLD: marker schema', steps: planOldMarker(m) } },
    { side: 'NEW' as const, plan: { title: 'fdwmig cleanup on NEW: state schema', steps: planStateSchema(m) } },
  ]
    .filter((s) => s.plan.steps.length > 0)
    .map((s) =>
      Object.freeze({ side: s.side, plan: Object.freeze({ title: s.plan.title, steps: Object.freeze(s.plan.steps) }) }),
    );
  return Object.freeze({ segments: Object.freeze(segments), notes: Object.freeze(fdw.notes) });
}

/** The plan as SQL text for --dry-run; says so when there is nothing to do. */
export function renderCleanupPlan(p: CleanupPlan): string {
  const parts = p.segments.length
    ? p.segments.map((s) => renderPlan(s.plan))
    : ["-- fdwmig cleanup: nothing of fdwmig's left to drop\n"];
  return parts.join('\n') + p.notes.map((n) => `-- note: ${n}\n`).join('');
}
