import { describe, expect, it } from 'vitest';
import { conninfoValue, subscriptionConninfo } from '../../../src/replication/conninfo.js';
import {
  planConfirmPromptly,
  planCreateSlot,
  planDropPublication,
  planDropSubscription,
  planPublication,
  planRefreshViews,
  planStart,
  planSubscription,
  type ReplicationNames,
} from '../../../src/replication/plan-replication.js';
import { copyStatements, createSlotCommand } from '../../../src/replication/snapshot-copy.js';
import { column, table } from '../support/models.js';

const NAMES: ReplicationNames = { publication: 'pub "x"', subscription: 'Sub Ü', slot: 'slot_1' };
const HOSTILE = [
  { schema: 'Sales Dept', name: 'Order "X"' },
  { schema: 'public', name: 'select' },
];
const OLD_URL = "postgres://app%20user:s3cr'et%5Cpw@old.example:5433/shop's?sslmode=require&application_name=x";

describe('subscriptionConninfo', () => {
  it('quotes values libpq would misread and masks the password in the printable form', () => {
    const c = subscriptionConninfo(OLD_URL);
    expect(c.printable).toBe(
      "host=old.example port=5433 dbname='shop\\'s' user='app user' password=**** sslmode=require",
    );
    expect(c.secret).toBe(
      "host=old.example port=5433 dbname='shop\\'s' user='app user' password='s3cr\\'et\\\\pw' sslmode=require",
    );
  });

  it('leaves the password out when the URL has none', () => {
    expect(subscriptionConninfo('postgres://app@old/shop').secret).toBe('host=old port=5432 dbname=shop user=app');
  });

  it('quotes an empty value', () => {
    expect(conninfoValue('')).toBe("''");
  });
});

describe('replication planners', () => {
  it('publishes each table with ONLY, every name quoted', () => {
    expect(planPublication(NAMES, HOSTILE).sql).toEqual([
      'CREATE PUBLICATION "pub ""x""" FOR TABLE ONLY "Sales Dept"."Order ""X""", ONLY "public"."select"',
    ]);
    expect(planPublication(NAMES, HOSTILE).takesLocks).toBe(true);
  });

  it('creates the slot with the name as a parameter', () => {
    expect(planCreateSlot(NAMES)).toMatchObject({
      sql: [`SELECT pg_catalog.pg_create_logical_replication_slot($1, 'pgoutput')`],
      params: ['slot_1'],
    });
  });

  it('subscribes on the existing slot; only secretSql holds the password', () => {
    const s = planSubscription(NAMES, subscriptionConninfo(OLD_URL), 'copy-data');
    expect(s.sql[0])
      .toBe(`CREATE SUBSCRIPTION "Sub Ü" CONNECTION E'host=old.example port=5433 dbname=''shop\\\\''s'' user=''app user'' password=**** sslmode=require' PUBLICATION "pub ""x"""
  WITH (create_slot = false, slot_name = 'slot_1', copy_data = true)`);
    expect(s.sql.join()).not.toContain('s3cr');
    expect(s.secretSql![0]).toContain("password=''s3cr\\\\''et\\\\\\\\pw''");
    expect(planSubscription(NAMES, subscriptionConninfo(OLD_URL), 'snapshot').sql[0]).toContain('copy_data = false');
  });

  it('drops the subscription detached from its slot', () => {
    expect(planDropSubscription(NAMES).sql).toEqual([
      'ALTER SUBSCRIPTION "Sub Ü" DISABLE',
      'ALTER SUBSCRIPTION "Sub Ü" SET (slot_name = NONE)',
      'DROP SUBSCRIPTION "Sub Ü"',
    ]);
    expect(planDropPublication(NAMES).sql).toEqual(['DROP PUBLICATION IF EXISTS "pub ""x"""']);
  });

  it('has the apply worker confirm each transaction at once before the write pause', () => {
    expect(planConfirmPromptly(NAMES).sql).toEqual([`ALTER SUBSCRIPTION "Sub Ü" SET (synchronous_commit = 'on')`]);
  });

  it('refreshes each materialized view', () => {
    expect(planRefreshViews(HOSTILE).map((s) => s.sql[0])).toEqual([
      'REFRESH MATERIALIZED VIEW "Sales Dept"."Order ""X"""',
      'REFRESH MATERIALIZED VIEW "public"."select"',
    ]);
  });

  it('start: the slot is created by SQL for copy-data, over the replication protocol for snapshot', () => {
    const c = subscriptionConninfo(OLD_URL);
    expect(planStart(NAMES, HOSTILE, c, 'copy-data').old.steps.map((s) => s.id)).toEqual([
      'publication:pub "x"',
      'slot:slot_1',
    ]);
    expect(planStart(NAMES, HOSTILE, c, 'snapshot').old.steps.map((s) => s.id)).toEqual(['publication:pub "x"']);
    expect(createSlotCommand(NAMES)).toBe('CREATE_REPLICATION_SLOT "slot_1" LOGICAL pgoutput EXPORT_SNAPSHOT');
  });

  it('copies every column but generated ones, from ONLY the table', () => {
    const t = table('Sales Dept', 'Order "X"', {
      columns: [column('id'), column('user', 'text'), column('total', 'numeric', { generated: 's' })],
    });
    expect(copyStatements(t)).toEqual({
      out: 'COPY (SELECT "id", "user" FROM ONLY "Sales Dept"."Order ""X""") TO STDOUT',
      into: 'COPY "Sales Dept"."Order ""X""" ("id", "user") FROM STDIN',
    });
  });
});
