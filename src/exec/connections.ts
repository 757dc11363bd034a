/** What the commands' functions get from the outside world: injected, so commands stay thin. */
import type pg from 'pg';
import type { ServerSide } from '../errors.js';
import type { DumpOptions } from './pg-dump.js';

export interface Deps {
  connect(url: string, which: ServerSide): Promise<pg.Client>;
  /** OLD's schema as SQL for NEW (pg_dump --schema-only); used by init-new --copy-schema. */
  dumpSchema(o: DumpOptions): Promise<string>;
  /** Progress and notes for the person running fdwmig (the CLI prints or emits JSON lines). */
  log(event: { level: 'info' | 'warn'; message: string; data?: Record<string, unknown> }): void;
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
    await Promise.all([newDb.end().catch(() => undefined), oldDb.end().catch(() => undefined)]);
  }
}

/**
 * Connects to OLD and NEW side by side. If either fails, the other is closed and the failure
 * thrown (OLD's, when both fail, as when OLD was connected first).
 */
export async function connectBoth(
  deps: Deps,
  urls: { oldUrl: string; newUrl: string },
): Promise<[pg.Client, pg.Client]> {
  const [o, n] = await Promise.allSettled([deps.connect(urls.oldUrl, 'OLD'), deps.connect(urls.newUrl, 'NEW')]);
  if (o.status === 'fulfilled' && n.status === 'fulfilled') return [o.value, n.value];
  await Promise.all([o, n].map((r) => (r.status === 'fulfilled' ? r.value.end().catch(() => undefined) : undefined)));
  throw o.status === 'rejected' ? o.reason : (n as PromiseRejectedResult).reason;
}
