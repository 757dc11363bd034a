/**
 * Opening connections: the only place that constructs pg clients. Connection failures become
 * ConnectionErrors with hints; the URL shown is always masked.
 */
import pg from 'pg';
import { maskUrl } from '../config/url.js';
import { toConnectionError, type ServerSide } from '../errors.js';

const CONNECT_TIMEOUT_MS = 10_000;

/** Connects to OLD or NEW, naming the side in any error. */
export async function connect(url: string, which: ServerSide, appName = 'fdwmig'): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: appName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // A connection dropped while idle must not crash the process; the next query reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
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
    await client.end().catch(() => undefined);
  }
}

/**
 * Closes a client without ever waiting long: after a server crash end() can wait for a goodbye
 * the socket will never carry, so after a bound the socket is destroyed.
 */
export async function closeClient(c: pg.Client, boundMs = 2_000): Promise<void> {
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

/**
 * Drops a client's socket at once: for a connection that can never be used again (a COPY TO
 * whose reader is gone). Its server ends the session and rolls back what it had open; queries
 * queued on the client fail instead of waiting.
 */
export function cutConnection(c: pg.Client): void {
  (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
