import { describe, expect, it } from 'vitest';
import type { OldEndpoint } from '../../../src/config/old-endpoint.js';
import type { DatabaseModel, TableModel } from '../../../src/introspect/model.js';
import { assessTables } from '../../../src/plan/assess-tables.js';
import { stateSchemaDdl } from '../../../src/state/schema.js';
import {
  foreignTableDdl,
  planInitNew,
  type InitNewInput,
  type InitNewSettings,
} from '../../../src/plan/plan-init-new.js';
import type { NewState } from '../../../src/introspect/read-new-state.js';
import { check, column, copyTable, database, foreignKey, sequence, server, table } from '../support/models.js';

const PASSWORD = "s3cr'et\\pw";

/** The hostile table: a schema with a space, a name with quotes, reserved and mixed-case columns. */
function orderTable(): TableModel {
  return table('Sales Dept', 'Order "X"', {
    columns: [
      column('id', 'bigint', { notNull: true, identity: 'a' }),
      column('user', 'text', { collation: 'pg_catalog."C"' }),
      column('Qty', 'integer', { notNull: true, defaultExpr: '1' }),
      column('total', 'numeric(12,2)', { generated: 's', defaultExpr: '(("Qty")::numeric * 2.5)' }),
      column('café', '"Sales Dept"."Mood"'),
    ],
    primaryKey: ['id'],
    checks: [
      check('Order "X"_Qty_check', 'CHECK (("Qty" > 0))'),
      check('user_len', 'CHECK ((length("user") < 100)) NOT VALID'),
      check('only_here', 'CHECK ((id > 0)) NO INHERIT', { noInherit: true }),
    ],
  });
}

function endpoint(over: Partial<OldEndpoint> = {}): OldEndpoint {
  return {
    host: 'old.example',
    port: 5433,
    dbname: "shop's",
    user: 'app user',
    password: PASSWORD,
    libpqOptions: { sslmode: 'require' },
    ...over,
  };
}

function settings(over: Partial<InitNewSettings> = {}): InitNewSettings {
  return {
    stateSchema: 'fdwmig state',
    serverName: 'old "srv"',
    fetchSize: 10_000,
    sequenceGap: 1000,
    truncatableOption: true,
    fdwApplicationName: false,
    mappingRoles: ['Migrator', 'public'],
    oldIdentity: { id: 'sysid=1 db=shop', display: 'old.example:5433/shop' },
    fdwmigVersion: '0.1.0',
    ...over,
  };
}

function freshState(over: Partial<NewState> = {}): NewState {
  return { migrationRecorded: false, serverExists: false, mappedRoles: [], foreignTables: new Map(), ...over };
}

interface Scenario {
  oldDb?: DatabaseModel;
  newDb?: DatabaseModel;
  state?: Partial<NewState>;
  old?: Partial<OldEndpoint>;
  settings?: Partial<InitNewSettings>;
}

function input(s: Scenario = {}): InitNewInput {
  const t = orderTable();
  const oldDb = s.oldDb ?? database([t], { server: server({ versionNum: 130_000 }) });
  const newDb = s.newDb ?? database([copyTable(t)]);
  return {
    oldDb,
    newDb,
    tables: assessTables(oldDb, newDb, {}, { copySchema: true }),
    state: freshState(s.state),
    old: endpoint(s.old),
    settings: settings(s.settings),
  };
}

const plan = (s: Scenario = {}) => planInitNew(input(s)).plan;
const ids = (s: Scenario = {}) => plan(s).steps.map((x) => x.id);
const stepOf = (s: Scenario, id: string) => {
  const found = plan(s).steps.find((x) => x.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
};

describe('foreignTableDdl', () => {
  it('matches NEW columns, NOT NULLs, collations, generated columns and inheritable CHECKs', () => {
    const t = orderTable();
    expect(foreignTableDdl(t, t, 'Order "X"_remote', 'old "srv"')).toMatchInlineSnapshot(`
      "CREATE FOREIGN TABLE "Sales Dept"."Order ""X""_remote" (
        "id" bigint OPTIONS (column_name 'id') NOT NULL,
        "user" text OPTIONS (column_name 'user') COLLATE pg_catalog."C",
        "Qty" integer OPTIONS (column_name 'Qty') NOT NULL,
        "total" numeric(12,2) OPTIONS (column_name 'total') GENERATED ALWAYS AS ((("Qty")::numeric * 2.5)) STORED,
        "café" "Sales Dept"."Mood" OPTIONS (column_name 'café'),
        CONSTRAINT "Order ""X""_Qty_check" CHECK (("Qty" > 0)),
        CONSTRAINT "user_len" CHECK ((length("user") < 100))
      ) SERVER "old ""srv"""
        OPTIONS (schema_name 'Sales Dept', table_name 'Order "X"')"
    `);
  });
});

describe('planInitNew on a fresh NEW', () => {
  it('plans state, extension, server, mappings, foreign tables and completion, in that order', () => {
    expect(ids({ newDb: database([copyTable(orderTable())], { server: server({ fdwInstalled: null }) }) })).toEqual([
      'state-schema',
      'state-record',
      'extension',
      'server',
      'user-mapping:Migrator',
      'user-mapping:public',
      'foreign-table:Sales Dept.Order "X"',
      'state-done',
    ]);
  });

  it('renders every step exactly', () => {
    const p = planInitNew(
      input({ newDb: database([copyTable(orderTable())], { server: server({ fdwInstalled: null }) }) }),
    ).plan;
    expect(p.title).toBe('fdwmig init-new');
    expect(p.steps[0]).toEqual({
      id: 'state-schema',
      description: 'state schema fdwmig state on NEW',
      sql: stateSchemaDdl('fdwmig state'),
      takesLocks: false,
    });
    expect(p.steps[0]!.sql[0]).toBe('CREATE SCHEMA IF NOT EXISTS "fdwmig state"');
    expect(
      p.steps
        .slice(1)
        .map((s) => ({ id: s.id, description: s.description, sql: s.sql, params: s.params, takesLocks: s.takesLocks })),
    ).toMatchInlineSnapshot(`
        [
          {
            "description": "record OLD (old.example:5433/shop) as this NEW's source",
            "id": "state-record",
            "params": [
              "sysid=1 db=shop",
              "old.example:5433/shop",
              "old "srv"",
              true,
              "0.1.0",
            ],
            "sql": [
              "INSERT INTO "fdwmig state".migration (old_identity, old_display, server_name, created_extension, fdwmig_version)
          VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            ],
            "takesLocks": false,
          },
          {
            "description": "install postgres_fdw on NEW",
            "id": "extension",
            "params": undefined,
            "sql": [
              "CREATE EXTENSION IF NOT EXISTS postgres_fdw",
            ],
            "takesLocks": false,
          },
          {
            "description": "foreign server old "srv" for OLD (old.example:5433/shop)",
            "id": "server",
            "params": undefined,
            "sql": [
              "CREATE SERVER "old ""srv""" FOREIGN DATA WRAPPER postgres_fdw OPTIONS ("host" 'old.example', "port" '5433', "dbname" 'shop''s', "sslmode" 'require', "fetch_size" '10000', "truncatable" 'false')",
            ],
            "takesLocks": false,
          },
          {
            "description": "create user mapping for Migrator (OLD user app user)",
            "id": "user-mapping:Migrator",
            "params": undefined,
            "sql": [
              "CREATE USER MAPPING FOR "Migrator" SERVER "old ""srv""" OPTIONS (user 'app user', password '****')",
            ],
            "takesLocks": false,
          },
          {
            "description": "create user mapping for public (OLD user app user)",
            "id": "user-mapping:public",
            "params": undefined,
            "sql": [
              "CREATE USER MAPPING FOR PUBLIC SERVER "old ""srv""" OPTIONS (user 'app user', password '****')",
            ],
            "takesLocks": false,
          },
          {
            "description": "Sales Dept.Order "X"_remote -> OLD Sales Dept.Order "X", inheriting from Sales Dept.Order "X"",
            "id": "foreign-table:Sales Dept.Order "X"",
            "params": undefined,
            "sql": [
              "CREATE FOREIGN TABLE "Sales Dept"."Order ""X""_remote" (
          "id" bigint OPTIONS (column_name 'id') NOT NULL,
          "user" text OPTIONS (column_name 'user') COLLATE pg_catalog."C",
          "Qty" integer OPTIONS (column_name 'Qty') NOT NULL,
          "total" numeric(12,2) OPTIONS (column_name 'total') GENERATED ALWAYS AS ((("Qty")::numeric * 2.5)) STORED,
          "café" "Sales Dept"."Mood" OPTIONS (column_name 'café'),
          CONSTRAINT "Order ""X""_Qty_check" CHECK (("Qty" > 0)),
          CONSTRAINT "user_len" CHECK ((length("user") < 100))
        ) SERVER "old ""srv"""
          OPTIONS (schema_name 'Sales Dept', table_name 'Order "X"')",
              "REVOKE ALL ON "Sales Dept"."Order ""X""_remote" FROM PUBLIC",
              "ALTER FOREIGN TABLE "Sales Dept"."Order ""X""_remote" INHERIT "Sales Dept"."Order ""X"""",
              "INSERT INTO "fdwmig state".tables (schema_name, table_name, remote_name) VALUES ('Sales Dept', 'Order "X"', 'Order "X"_remote') ON CONFLICT DO NOTHING",
            ],
            "takesLocks": true,
          },
          {
            "description": "mark init-new complete",
            "id": "state-done",
            "params": undefined,
            "sql": [
              "UPDATE "fdwmig state".migration SET init_completed_at = COALESCE(init_completed_at, now())",
            ],
            "takesLocks": false,
          },
        ]
      `);
  });
});

describe('planInitNew user mappings', () => {
  it('prints the password masked and gives the executor the real one', () => {
    for (const s of plan().steps.filter((x) => x.id.startsWith('user-mapping:'))) {
      expect(s.sql).toHaveLength(1);
      expect(s.sql[0]).toContain("password '****'");
      expect(s.sql[0]).not.toContain('s3cr');
      expect(s.secretSql).toHaveLength(1);
      expect(s.secretSql![0]).toContain(`password E's3cr''et\\\\pw'`);
      expect(s.secretSql![0]).toBe(s.sql[0]!.replace("'****'", `E's3cr''et\\\\pw'`));
    }
  });

  it('never puts the password in any printable part of the plan', () => {
    for (const s of plan().steps) {
      expect(JSON.stringify([s.id, s.description, s.sql, s.params ?? null])).not.toContain('s3cr');
    }
  });

  it('refreshes an existing mapping by dropping and re-creating it in one step', () => {
    // ALTER ... OPTIONS (SET password) fails when the existing mapping has no password option.
    const s = stepOf({ state: { serverExists: true, mappedRoles: ['Migrator'] } }, 'user-mapping:Migrator');
    expect(s.description).toBe('refresh user mapping for Migrator (OLD user app user)');
    expect(s.sql).toEqual([
      `DROP USER MAPPING IF EXISTS FOR "Migrator" SERVER "old ""srv"""`,
      `CREATE USER MAPPING FOR "Migrator" SERVER "old ""srv""" OPTIONS (user 'app user', password '****')`,
    ]);
    expect(stepOf({ state: { mappedRoles: ['Migrator'] } }, 'user-mapping:public').sql[0]).toMatch(
      /^CREATE USER MAPPING FOR PUBLIC /,
    );
  });

  it('leaves the password option out when OLD has no password', () => {
    const s = stepOf({ old: { password: null } }, 'user-mapping:Migrator');
    expect(s.sql).toEqual([`CREATE USER MAPPING FOR "Migrator" SERVER "old ""srv""" OPTIONS (user 'app user')`]);
    expect(s.secretSql).toEqual(s.sql);
  });

  it('plans one mapping per configured role, quoting hostile role names', () => {
    const p = plan({ settings: { mappingRoles: ['user', 'a"b'] } });
    expect(p.steps.filter((s) => s.id.startsWith('user-mapping:')).map((s) => s.sql[0]!.split(' SERVER ')[0])).toEqual([
      'CREATE USER MAPPING FOR "user"',
      'CREATE USER MAPPING FOR "a""b"',
    ]);
  });
});

describe('planInitNew server and extension', () => {
  it('sets truncatable false only when NEW has the option', () => {
    expect(stepOf({}, 'server').sql[0]).toContain(`"fetch_size" '10000', "truncatable" 'false')`);
    const without = stepOf({ settings: { truncatableOption: false } }, 'server').sql[0]!;
    expect(without).not.toContain('truncatable');
    expect(without).toMatch(/"fetch_size" '10000'\)$/);
  });

  it("names postgres_fdw's sessions on OLD after NEW's backend (%p) only when NEW takes it (15+)", () => {
    expect(stepOf({ settings: { fdwApplicationName: true } }, 'server').sql[0]).toMatch(
      /"truncatable" 'false', "application_name" 'fdwmig_fdw:%p'\)$/,
    );
    expect(stepOf({}, 'server').sql[0]).not.toContain('application_name');
  });

  it('skips the extension when postgres_fdw is installed, and records that it did not create it', () => {
    expect(ids()).not.toContain('extension');
    expect(stepOf({}, 'state-record').params).toEqual([
      'sysid=1 db=shop',
      'old.example:5433/shop',
      'old "srv"',
      false,
      '0.1.0',
    ]);
  });

  it('skips the server when it exists, and the record when the migration is recorded', () => {
    expect(
      ids({ state: { serverExists: true, migrationRecorded: true, mappedRoles: ['Migrator', 'public'] } }),
    ).toEqual([
      'state-schema',
      'user-mapping:Migrator',
      'user-mapping:public',
      'foreign-table:Sales Dept.Order "X"',
      'state-done',
    ]);
  });
});

describe('planInitNew foreign tables', () => {
  it('plans nothing for a foreign table that exists and inherits from its parent', () => {
    const foreignTables = new Map([['Sales Dept.Order "X"_remote', 'Sales Dept.Order "X"']]);
    expect(ids({ state: { foreignTables } })).not.toContain('foreign-table:Sales Dept.Order "X"');
  });

  it('only revokes, inherits and records a foreign table that exists without a parent', () => {
    const foreignTables = new Map<string, string | null>([['Sales Dept.Order "X"_remote', null]]);
    const s = stepOf({ state: { foreignTables } }, 'foreign-table:Sales Dept.Order "X"');
    expect(s.sql).toEqual([
      'REVOKE ALL ON "Sales Dept"."Order ""X""_remote" FROM PUBLIC',
      'ALTER FOREIGN TABLE "Sales Dept"."Order ""X""_remote" INHERIT "Sales Dept"."Order ""X"""',
      `INSERT INTO "fdwmig state".tables (schema_name, table_name, remote_name) VALUES ('Sales Dept', 'Order "X"', 'Order "X"_remote') ON CONFLICT DO NOTHING`,
    ]);
    expect(s.takesLocks).toBe(true);
  });

  it('does not mistake a foreign table of another schema for its own', () => {
    const foreignTables = new Map([['public.Order "X"_remote', 'public.Order "X"']]);
    expect(stepOf({ state: { foreignTables } }, 'foreign-table:Sales Dept.Order "X"').sql[0]).toMatch(
      /^CREATE FOREIGN TABLE /,
    );
  });

  it('plans no foreign table for a table NEW does not have yet (copy-schema)', () => {
    const oldDb = database([orderTable()]);
    expect(ids({ oldDb, newDb: database([]) }).filter((id) => id.startsWith('foreign-table:'))).toEqual([]);
  });

  it('uses the shortened remote name for a long table name', () => {
    const t = table('public', 'l'.repeat(60));
    const s = stepOf(
      { oldDb: database([t]), newDb: database([copyTable(t)]) },
      `foreign-table:public.${'l'.repeat(60)}`,
    );
    expect(s.sql[0]).toMatch(/^CREATE FOREIGN TABLE "public"."l{47}_[0-9a-f]{8}_remote" \(/);
  });
});

describe('planInitNew foreign keys', () => {
  const a = table('app', 'A', { columns: [column('id', 'bigint', { notNull: true }), column('ref_id', 'bigint')] });
  const b = table('app', 'B');
  const fkAB = foreignKey('A_b "fk"', 'app.B', { definition: 'FOREIGN KEY (ref_id) REFERENCES app."B"(id)' });
  const fkCA = foreignKey('c_a', 'app.A');
  const fkDB = foreignKey('d_b', 'app.B');

  /** OLD has A only (the migrated table); NEW has A -> B, C -> A and D -> B. */
  function fkScenario(): Scenario {
    const newA = copyTable(a, { foreignKeys: [fkAB] });
    const c = table('app', 'C', { foreignKeys: [fkCA] });
    const d = table('app', 'D', { foreignKeys: [fkDB] });
    return { oldDb: database([a]), newDb: database([newA, b, c, d]) };
  }

  it('drops FKs from or to a migrated table, keeping their definitions, and leaves the rest', () => {
    const fkSteps = plan(fkScenario()).steps.filter((s) => s.id.startsWith('drop-fk:'));
    expect(fkSteps.map((s) => s.id)).toEqual(['drop-fk:app.A.A_b "fk"', 'drop-fk:app.C.c_a']);
    expect(fkSteps[0]!.sql).toEqual([
      `INSERT INTO "fdwmig state".foreign_keys (schema_name, table_name, constraint_name, definition, ref_schema, ref_table) VALUES ('app', 'A', 'A_b "fk"', 'FOREIGN KEY (ref_id) REFERENCES app."B"(id)', 'app', 'B') ON CONFLICT DO NOTHING`,
      'ALTER TABLE "app"."A" DROP CONSTRAINT "A_b ""fk"""',
    ]);
    expect(fkSteps[0]!.takesLocks).toBe(true);
    expect(fkSteps[1]!.sql[1]).toBe('ALTER TABLE "app"."C" DROP CONSTRAINT "c_a"');
  });

  it('plans FK drops after the foreign tables and before completion', () => {
    const all = ids(fkScenario());
    expect(all.indexOf('foreign-table:app.A')).toBeLessThan(all.indexOf('drop-fk:app.A.A_b "fk"'));
    expect(all.at(-1)).toBe('state-done');
  });

  it('drops nothing when no FK touches a migrated table', () => {
    const s = fkScenario();
    s.oldDb = database([table('app', 'unrelated')]);
    s.newDb = database([...s.newDb!.tables, table('app', 'unrelated')]);
    expect(ids(s).filter((id) => id.startsWith('drop-fk:'))).toEqual([]);
  });
});

describe('planInitNew sequences', () => {
  it('plans sequence steps before completion and returns the report', () => {
    const t = orderTable();
    const oldDb = database([t], { sequences: [sequence('Sales Dept', 'Order "X"_id_seq', { lastValue: '41' })] });
    const newDb = database([copyTable(t)], { sequences: [sequence('Sales Dept', 'Order "X"_id_seq')] });
    const { plan: p, sequences } = planInitNew(input({ oldDb, newDb }));
    expect(p.steps.map((s) => s.id).slice(-2)).toEqual(['sequence:Sales Dept.Order "X"_id_seq', 'state-done']);
    expect(p.steps.at(-2)!.params).toEqual(['1041', 'Sales Dept', 'Order "X"_id_seq']);
    expect(sequences).toEqual([
      {
        oldName: 'Sales Dept.Order "X"_id_seq',
        newName: 'Sales Dept.Order "X"_id_seq',
        oldLastValue: '41',
        target: '1041',
        note: 'synced',
      },
    ]);
  });
});

describe('planInitNew output is frozen', () => {
  it('freezes every step and its SQL', () => {
    const p = plan({ newDb: database([copyTable(orderTable())], { server: server({ fdwInstalled: null }) }) });
    expect(p.steps.length).toBeGreaterThan(0);
    for (const s of p.steps) {
      expect(Object.isFrozen(s)).toBe(true);
      expect(Object.isFrozen(s.sql)).toBe(true);
    }
    const first = p.steps[0]!;
    expect(() => {
      (first as { id: string }).id = 'x';
    }).toThrow(TypeError);
    expect(() => {
      (first.sql as string[]).push('DROP TABLE x');
    }).toThrow(TypeError);
  });

  // What the executor runs cannot be changed after --dry-run printed it.
  it('freezes params and secretSql too', () => {
    const p = plan();
    const withParams = p.steps.find((s) => s.params)!;
    const withSecret = p.steps.find((s) => s.secretSql)!;
    expect(Object.isFrozen(withParams.params)).toBe(true);
    expect(Object.isFrozen(withSecret.secretSql)).toBe(true);
  });
});
