/**
 * Refusing and re-allowing the application's writes on OLD for switchover: the user's SQL hook
 * (e.g. revoking write grants) and/or `default_transaction_read_only` for the application's
 * roles in OLD's database, with their sessions ended so none keeps writing under the old setting.
 */
import type pg from 'pg';
import { step, type Step } from '../plan/step.js';
import { ident } from '../sql/quote.js';

export interface WriteStopSpec {
  /** OLD's database (ALTER ROLE ... IN DATABASE scopes the setting to it). */
  database: string;
  appRoles: readonly string[];
  /** --before-sql: run on OLD first. */
  beforeSql: string | null;
  /** --rollback-sql: run on OLD by --rollback, after the roles are reset. */
  rollbackSql: string | null;
}

/** New sessions of these roles start read-only (existing ones are ended separately). */
export function planRefuseWrites(spec: WriteStopSpec): Step[] {
  return spec.appRoles.map((r) =>
    step({
      id: `read-only:${r}`,
      description: `on OLD: sessions of ${r} in ${spec.database} start read-only`,
      sql: [`ALTER ROLE ${ident(r)} IN DATABASE ${ident(spec.database)} SET default_transaction_read_only = on`],
      takesLocks: false,
    }),
  );
}

/** The reverse of {@link planRefuseWrites}. */
export function planAllowWrites(spec: WriteStopSpec): Step[] {
  return spec.appRoles.map((r) =>
    step({
      id: `read-write:${r}`,
      description: `on OLD: sessions of ${r} in ${spec.database} may write again`,
      sql: [`ALTER ROLE ${ident(r)} IN DATABASE ${ident(spec.database)} RESET default_transaction_read_only`],
      takesLocks: false,
    }),
  );
}

/** Ends the sessions of the roles in this database ($1 roles, $2 pids of fdwmig's own sessions). */
export const TERMINATE_SESSIONS_SQL = `SELECT count(pg_catalog.pg_terminate_backend(pid))::int AS n FROM pg_catalog.pg_stat_activity
 WHERE datname = pg_catalog.current_database() AND usename = ANY ($1::text[]) AND pid <> ALL ($2::int[])
   AND backend_type = 'client backend'`;

/**
 * A session's settings are read once it is authenticated but before it shows in
 * pg_stat_activity: a second pass ends one that slipped between.
 */
const SECOND_PASS_DELAY_MS = 50;

/** What to tell a person whose switchover stopped after writes were refused: how to re-allow them. */
export function describeRollback(spec: WriteStopSpec): string[] {
  const flags = [
    spec.appRoles.length ? `--app-roles ${spec.appRoles.join(' ')}` : '',
    spec.rollbackSql !== null ? '--rollback-sql <file>' : '',
  ]
    .filter(Boolean)
    .join(' ');
  const lines = [`  fdwmig replicate switchover --rollback ${flags}`.trimEnd(), '  or on OLD:'];
  for (const s of planAllowWrites(spec)) lines.push(`    ${s.sql[0]};`);
  if (spec.beforeSql !== null)
    lines.push(
      spec.rollbackSql !== null
        ? '    -- and the SQL of your --rollback-sql file'
        : '    -- and undo what your --before-sql file did',
    );
  return lines;
}

/** Refuses writes: the hook, then the roles, then their sessions (twice). Returns how many sessions were ended. */
export async function refuseWrites(
  oldDb: pg.Client,
  spec: WriteStopSpec,
  ownPids: readonly number[],
  sleep: (ms: number) => Promise<void>,
): Promise<number> {
  if (spec.beforeSql !== null) await oldDb.query(spec.beforeSql);
  for (const s of planRefuseWrites(spec)) await oldDb.query(s.sql[0]!);
  if (!spec.appRoles.length) return 0;
  const first = (await oldDb.query<{ n: number }>(TERMINATE_SESSIONS_SQL, [spec.appRoles, ownPids])).rows[0]!.n;
  await sleep(SECOND_PASS_DELAY_MS);
  const second = (await oldDb.query<{ n: number }>(TERMINATE_SESSIONS_SQL, [spec.appRoles, ownPids])).rows[0]!.n;
  return first + second;
}

/** Re-allows writes: the roles, then the user's rollback SQL. */
export async function allowWrites(oldDb: pg.Client, spec: WriteStopSpec): Promise<void> {
  for (const s of planAllowWrites(spec)) await oldDb.query(s.sql[0]!);
  if (spec.rollbackSql !== null) await oldDb.query(spec.rollbackSql);
}
