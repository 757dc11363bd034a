import { describe, expect, it } from 'vitest';
import { planCleanup, renderCleanupPlan, type CleanupModel } from '../../../src/plan/plan-cleanup.js';
import { STATE_TABLES } from '../../../src/state/schema.js';

/** Everything init-new and migrate create, with hostile names. */
function full(over: Partial<CleanupModel> = {}): CleanupModel {
  return {
    stateSchema: 'fdwmig "state"',
    stateSchemaExists: true,
    stateTables: [...STATE_TABLES],
    serverName: 'old "srv"',
    serverExists: true,
    mappedRoles: ['Migrator', 'public', 'app user'],
    foreignTables: [
      { schema: 'Sales Dept', name: 'Order "X"_remote' },
      { schema: 'public', name: 'select_remote' },
    ],
    extensionCreatedByFdwmig: true,
    otherFdwServers: [],
    oldMarker: { schemaExists: true, tableExists: true },
    ...over,
  };
}

const nothing: CleanupModel = full({
  stateSchemaExists: false,
  stateTables: [],
  serverExists: false,
  mappedRoles: [],
  foreignTables: [],
  extensionCreatedByFdwmig: false,
  oldMarker: { schemaExists: false, tableExists: false },
});

describe('planCleanup', () => {
  it('drops NEW FDW objects, then OLD marker, then NEW state, each name quoted', () => {
    const p = planCleanup(full());
    expect(p.segments.map((s) => [s.side, s.plan.steps.map((x) => x.id)])).toEqual([
      [
        'NEW',
        [
          'foreign-table:Sales Dept.Order "X"_remote',
          'foreign-table:public.select_remote',
          'user-mapping:Migrator',
          'user-mapping:public',
          'user-mapping:app user',
          'server',
          'extension',
        ],
      ],
      ['OLD', ['old-marker']],
      ['NEW', ['state-schema']],
    ]);
    expect(p.segments.flatMap((s) => s.plan.steps.map((x) => [x.sql, x.takesLocks]))).toEqual([
      [['DROP FOREIGN TABLE IF EXISTS "Sales Dept"."Order ""X""_remote"'], true],
      [['DROP FOREIGN TABLE IF EXISTS "public"."select_remote"'], true],
      [['DROP USER MAPPING IF EXISTS FOR "Migrator" SERVER "old ""srv"""'], false],
      [['DROP USER MAPPING IF EXISTS FOR PUBLIC SERVER "old ""srv"""'], false],
      [['DROP USER MAPPING IF EXISTS FOR "app user" SERVER "old ""srv"""'], false],
      [['DROP SERVER IF EXISTS "old ""srv"""'], false],
      [['DROP EXTENSION IF EXISTS postgres_fdw'], false],
      [['DROP TABLE IF EXISTS "fdwmig ""state"""."moved_batches"', 'DROP SCHEMA IF EXISTS "fdwmig ""state"""'], false],
      [
        [
          'DROP TABLE IF EXISTS "fdwmig ""state"""."batches", "fdwmig ""state"""."foreign_keys", "fdwmig ""state"""."tables", "fdwmig ""state"""."migration"',
          'DROP SCHEMA IF EXISTS "fdwmig ""state"""',
        ],
        false,
      ],
    ]);
  });

  it('never uses CASCADE: anything else in the schemas or on the server stops the drop', () => {
    const sql = planCleanup(full())
      .segments.flatMap((s) => s.plan.steps.flatMap((x) => x.sql))
      .join('\n');
    expect(sql).not.toMatch(/CASCADE/i);
  });

  it('plans nothing when nothing is left: a second run is a no-op', () => {
    const p = planCleanup(nothing);
    expect(p.segments).toEqual([]);
    expect(renderCleanupPlan(p)).toBe("-- fdwmig cleanup: nothing of fdwmig's left to drop\n");
  });

  it('plans only what an interrupted run left behind', () => {
    const p = planCleanup({
      ...nothing,
      stateSchemaExists: true,
      stateTables: ['migration', 'tables'],
      oldMarker: { schemaExists: true, tableExists: false },
    });
    expect(p.segments.map((s) => [s.side, s.plan.steps.flatMap((x) => x.sql)])).toEqual([
      ['OLD', ['DROP SCHEMA IF EXISTS "fdwmig ""state"""']],
      [
        'NEW',
        [
          'DROP TABLE IF EXISTS "fdwmig ""state"""."tables", "fdwmig ""state"""."migration"',
          'DROP SCHEMA IF EXISTS "fdwmig ""state"""',
        ],
      ],
    ]);
  });

  it('keeps postgres_fdw when fdwmig did not install it', () => {
    const ids = planCleanup(full({ extensionCreatedByFdwmig: false })).segments.flatMap((s) =>
      s.plan.steps.map((x) => x.id),
    );
    expect(ids).not.toContain('extension');
  });

  it('keeps postgres_fdw, with a note, when other servers use it', () => {
    const p = planCleanup(full({ otherFdwServers: ['reporting'] }));
    expect(p.segments.flatMap((s) => s.plan.steps.map((x) => x.id))).not.toContain('extension');
    expect(p.notes).toEqual(['postgres_fdw stays installed: other foreign servers use it (reporting)']);
  });

  it('drops no user mapping when the server is gone (they went with it)', () => {
    const ids = planCleanup(full({ serverExists: false })).segments.flatMap((s) => s.plan.steps.map((x) => x.id));
    expect(ids.filter((i) => i.startsWith('user-mapping') || i === 'server')).toEqual([]);
  });

  it('freezes the plan', () => {
    const p = planCleanup(full());
    expect(Object.isFrozen(p.segments)).toBe(true);
    expect(Object.isFrozen(p.segments[0]!.plan.steps[0])).toBe(true);
  });

  it('renders each segment with its title', () => {
    const text = renderCleanupPlan(planCleanup(full({ foreignTables: [], mappedRoles: [] })));
    expect(text).toMatchInlineSnapshot(`
      "-- fdwmig cleanup on NEW: FDW objects: 2 step(s)

      -- [server] drop foreign server old "srv"
      DROP SERVER IF EXISTS "old ""srv""";

      -- [extension] drop postgres_fdw (init-new installed it)
      DROP EXTENSION IF EXISTS postgres_fdw;

      -- fdwmig cleanup on OLD: marker schema: 1 step(s)

      -- [old-marker] drop OLD's marker schema fdwmig "state" (moved-batch markers)
      DROP TABLE IF EXISTS "fdwmig ""state"""."moved_batches";
      DROP SCHEMA IF EXISTS "fdwmig ""state""";

      -- fdwmig cleanup on NEW: state schema: 1 step(s)

      -- [state-schema] drop the state schema fdwmig "state" on NEW
      DROP TABLE IF EXISTS "fdwmig ""state"""."batches", "fdwmig ""state"""."foreign_keys", "fdwmig ""state"""."tables", "fdwmig ""state"""."migration";
      DROP SCHEMA IF EXISTS "fdwmig ""state""";
      "
    `);
  });
});
