import { describe, expect, it } from 'vitest';
import {
  describeRollback,
  planAllowWrites,
  planRefuseWrites,
  type WriteStopSpec,
} from '../../../src/replication/stop-writes.js';

const SPEC: WriteStopSpec = {
  database: 'shop "db"',
  appRoles: ['App User', 'select'],
  beforeSql: 'REVOKE ...',
  rollbackSql: null,
};

describe('write stop plans', () => {
  it("scopes read-only to OLD's database, every name quoted", () => {
    expect(planRefuseWrites(SPEC).map((s) => s.sql[0])).toEqual([
      'ALTER ROLE "App User" IN DATABASE "shop ""db""" SET default_transaction_read_only = on',
      'ALTER ROLE "select" IN DATABASE "shop ""db""" SET default_transaction_read_only = on',
    ]);
    expect(planAllowWrites(SPEC).map((s) => s.sql[0])).toEqual([
      'ALTER ROLE "App User" IN DATABASE "shop ""db""" RESET default_transaction_read_only',
      'ALTER ROLE "select" IN DATABASE "shop ""db""" RESET default_transaction_read_only',
    ]);
  });

  it("says exactly how to roll back, including the user's own hook", () => {
    expect(describeRollback(SPEC)).toEqual([
      '  fdwmig replicate switchover --rollback --app-roles App User select',
      '  or on OLD:',
      '    ALTER ROLE "App User" IN DATABASE "shop ""db""" RESET default_transaction_read_only;',
      '    ALTER ROLE "select" IN DATABASE "shop ""db""" RESET default_transaction_read_only;',
      '    -- and undo what your --before-sql file did',
    ]);
    expect(describeRollback({ ...SPEC, appRoles: [], rollbackSql: 'GRANT ...' })[0]).toBe(
      '  fdwmig replicate switchover --rollback --rollback-sql <file>',
    );
  });
});
