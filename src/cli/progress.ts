/**
 * What the person running migrate sees: cli-progress bars per table and overall on a TTY; one
 * line per event otherwise, JSON lines with --json.
 */
import cliProgress from 'cli-progress';
import type { MigrateEvent } from '../fdw/migrate.js';
import type { CliIo } from './context.js';

export interface ProgressView {
  onEvent(e: MigrateEvent): void;
  stop(): void;
}

function bars(io: CliIo): ProgressView {
  const multi = new cliProgress.MultiBar(
    {
      format: ' {table} [{bar}] {percentage}% | {value}/{total} rows | {speed} rows/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const perTable = new Map<string, { bar: cliProgress.SingleBar; started: number; moved: number; total: number }>();
  let overall: cliProgress.SingleBar | undefined;
  const refreshOverall = () => {
    let moved = 0,
      total = 0;
    for (const t of perTable.values()) {
      moved += t.moved;
      total += t.total;
    }
    if (!overall) overall = multi.create(Math.max(total, 1), 0, { table: 'all tables'.padEnd(28), speed: 0 });
    overall.setTotal(Math.max(total, 1));
    overall.update(moved);
  };
  void io;
  return {
    onEvent(e) {
      if (e.kind === 'batch' && e.table) {
        let t = perTable.get(e.table);
        if (!t) {
          t = {
            bar: multi.create(Math.max(e.total ?? 1, 1), 0, { table: e.table.slice(0, 28).padEnd(28), speed: 0 }),
            started: Date.now(),
            moved: 0,
            total: 0,
          };
          perTable.set(e.table, t);
        }
        t.moved = e.moved ?? 0;
        t.total = e.total ?? t.total;
        const secs = (Date.now() - t.started) / 1000;
        t.bar.setTotal(Math.max(t.total, 1));
        t.bar.update(t.moved, { speed: secs > 0 ? Math.round(t.moved / secs) : 0 });
        refreshOverall();
      }
      // A table's total is OLD's planner estimate until the table ends: the end sets it to what moved.
      if (e.kind === 'table-done' && e.table) {
        const t = perTable.get(e.table);
        if (t) {
          t.moved = t.total = e.moved ?? t.moved;
          t.bar.setTotal(Math.max(t.total, 1));
          t.bar.update(t.moved);
          refreshOverall();
        }
      }
    },
    stop: () => multi.stop(),
  };
}

function lines(io: CliIo, json: boolean): ProgressView {
  let lastLine = 0;
  return {
    onEvent(e) {
      if (json) {
        io.stdout(`${JSON.stringify({ event: e.kind, ...e, kind: undefined })}\n`);
        return;
      }
      if (e.kind === 'plan') io.stderr(`move order (referencing tables first): ${e.order?.join(', ') || '(none)'}\n`);
      if (e.kind === 'table-start') io.stderr(`${e.table}: moving\n`);
      if (e.kind === 'table-done') io.stderr(`${e.table}: done, ${e.moved} rows\n`);
      // One progress line per table per second at most on a log.
      if (e.kind === 'batch' && Date.now() - lastLine > 1000) {
        lastLine = Date.now();
        io.stderr(`${e.table}: ${e.moved}/${e.total} rows\n`);
      }
    },
    stop: () => undefined,
  };
}

export function progressView(io: CliIo, json: boolean): ProgressView {
  return io.isTTY && !json ? bars(io) : lines(io, json);
}
