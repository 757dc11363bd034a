/**
 * Connections: the only place that constructs pg clients, and the helpers every command opens
 * and closes them with. Connection failures become ConnectionErrors with hints; the URL shown
 * is always masked. Transactions on an open client: src/sql/queryable.ts (withTransaction).
 */
import pg from 'pg';
import { maskUrl } from '../config/url.js';
import { toConnectionError, type ServerSide } from '../errors.js';
import type { DumpOptions } from './pg-dump.js';

const CONNECT_TIMEOUT_MS = 10_000;
/** After a server crash end() can wait for a goodbye the socket will never carry. */
const CLOSE_BOUND_MS = 2_000;

/** What the commands' functions get from the outside world: injected, so commands stay thin. */
export interface Deps {
  /** `appName`: the session's application_name (default fdwmig). */
  connect(url: string, which: ServerSide, appName?: string): Promise<pg.Client>;
  /** OLD's schema as SQL for NEW (pg_dump --schema-only); used by init-new --copy-schema. */
  dumpSchema(o: DumpOptions): Promise<string>;
  /** Progress and notes for the person running fdwmig (the CLI prints or emits JSON lines). */
  log(event: { level: 'info' | 'warn'; message: string; data?: Record<string, unknown> }): void;
}

/**
 * Connects to OLD or NEW, naming the side in any error. `replication: 'database'` opens a
 * replication-protocol connection (node-postgres sends it in the startup packet; @types/pg
 * does not declare it).
 */
export async function connect(
  url: string,
  which: ServerSide,
  appName = 'fdwmig',
  extra: { replication?: 'database' } = {},
): Promise<pg.Client> {
  const options: pg.ClientConfig & { replication?: 'database' } = {
    connectionString: url,
    application_name: appName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...extra,
  };
  const client = new pg.Client(options);
  // A connection dropped while idle must not crash the process; the next query reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await closeClient(client);
    throw toConnectionError(err, which, maskUrl(url));
  }
  return client;
}

/** Runs fn with a client and always closes it. */
export async function withClient<T>(url: string, which: ServerSide, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(url, which);
  try {
    return await fn(client);
  } finally {
    await closeClient(client);
  }
}

/** Opens OLD and NEW, runs fn, and always closes both. */
export async function withBoth<T>(
  deps: Deps,
  urls: { oldUrl: string; newUrl: string },
  fn: (oldDb: pg.Client, newDb: pg.Client) => Promise<T>,
): Promise<T> {
  const [oldDb, newDb] = await connectBoth(deps, urls);
  try {
    return await fn(oldDb, newDb);
  } finally {
    await closeClients(newDb, oldDb);
  }
}

/**
 * Connects to OLD and NEW side by side. If either fails, the other is closed and the failure
 * thrown (OLD's, when both fail, as when OLD was connected first).
 */
export async function connectBoth(
  deps: Deps,
  urls: { oldUrl: string; newUrl: string },
  appName?: string,
): Promise<[pg.Client, pg.Client]> {
  const [o, n] = await Promise.allSettled([
    deps.connect(urls.oldUrl, 'OLD', appName),
    deps.connect(urls.newUrl, 'NEW', appName),
  ]);
  if (o.status === 'fulfilled' && n.status === 'fulfilled') return [o.value, n.value];
  await closeClients(...[o, n].flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
  throw o.status === 'rejected' ? o.reason : (n as PromiseRejectedResult).reason;
}

/**
 * Closes a client without ever waiting long: after a server crash end() can wait for a goodbye
 * the socket will never carry, so after a bound the socket is destroyed. Never throws.
 */
export async function closeClient(c: pg.Client, boundMs = CLOSE_BOUND_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ended = c.end().then(
    () => true,
    () => true,
  );
  const late = new Promise<boolean>((r) => {
    timer = setTimeout(() => r(false), boundMs);
  });
  const ok = await Promise.race([ended, late]);
  clearTimeout(timer);
  if (!ok) cutConnection(c);
}

/** closeClient for each, side by side; absent ones (null, undefined) are skipped. */
export async function closeClients(...clients: (pg.Client | null | undefined)[]): Promise<void> {
  await Promise.all(clients.map((c) => (c ? closeClient(c) : undefined)));
}

/**
 * Drops a client's socket at once: for a connection that can never be used again (a COPY TO
 * whose reader is gone). Its server ends the session and rolls back what it had open; queries
 * queued on the client fail instead of waiting.
 */
export function cutConnection(c: pg.Client): void {
  (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/** The server process id behind a client (pg_stat_activity.pid). */
export function backendPid(c: pg.Client): number {
  return (c as unknown as { processID: number }).processID;
}
