/** Small connection and SQL-file helpers shared by the demos and the integration tests. */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { closeClient } from '../../src/exec/connections.js';
import { REPO_ROOT } from '../repo-root.js';

/** A demo SQL file from sql/demo/, with $SCALE substituted. */
export function shopSql(name: string, scale: number): string {
  return readFileSync(new URL(`sql/demo/${name}.sql`, REPO_ROOT), 'utf8').replaceAll('$SCALE', String(scale));
}

/**
 * Runs fn on a fresh connection to url and always closes it (the product's closeClient). Not the
 * product's withClient: these are the demos' and the tests' own servers, whose failures print as
 * pg reports them, not as OLD's or NEW's with a hint about fdwmig's flags.
 */
export async function withDb<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await closeClient(c);
  }
}
