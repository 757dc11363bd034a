/** What core functions get from the outside world: injected, so commands stay thin. */
import type pg from 'pg';
import type { ServerSide } from '../errors.js';
import type { DumpOptions } from '../exec/pg-dump.js';

export interface CoreDeps {
  connect(url: string, which: ServerSide): Promise<pg.Client>;
  /** OLD's schema as SQL for NEW (pg_dump --schema-only); used by init-new --copy-schema. */
  dumpSchema(o: DumpOptions): Promise<string>;
  /** Progress and notes for the person running fdwmig (the CLI prints or emits JSON lines). */
  log(event: { level: 'info' | 'warn'; message: string; data?: Record<string, unknown> }): void;
}

/** Opens OLD and NEW, runs fn, and always closes both. */
export async function withBoth<T>(
  deps: CoreDeps, urls: { oldUrl: string; newUrl: string },
  fn: (oldDb: pg.Client, newDb: pg.Client) => Promise<T>,
): Promise<T> {
  const oldDb = await deps.connect(urls.oldUrl, 'OLD');
  try {
    const newDb = await deps.connect(urls.newUrl, 'NEW');
    try {
      return await fn(oldDb, newDb);
    } finally {
      await newDb.end().catch(() => undefined);
    }
  } finally {
    await oldDb.end().catch(() => undefined);
  }
}
