/** The benchmark's results as rows of a table, rendered as text (stdout) or Markdown (docs). Pure. */
import { AUTO_BATCH, CONFIG_DEFAULTS } from '../../src/config/schema.js';
import type { BenchOptions } from './args.js';
import type { MachineInfo } from './machine.js';
import type { FloorFigure, Summary } from './summarize.js';

/** Other processes' share of the machine's CPU during each measured line (0..1). */
export interface Contention {
  lines: { what: string; share: number }[];
  waitedSeconds: number;
}

/** One line on how much of the machine other processes took, with the worst lines. */
export function contentionNote(c: Contention): string {
  const shares = c.lines.map((l) => l.share).filter((x) => Number.isFinite(x));
  if (!shares.length) return 'other processes on the machine: not measured (no /proc)';
  const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
  const busy = c.lines.filter((l) => l.share > 0.15).sort((a, b) => b.share - a.share);
  return (
    `other processes on the machine used ${(mean * 100).toFixed(0)}% of its CPU on average over the measured lines` +
    (busy.length
      ? `; over 15% during ${busy.length} of ${c.lines.length} lines (worst: ${busy
          .slice(0, 3)
          .map((l) => `${l.what} ${(l.share * 100).toFixed(0)}%`)
          .join(', ')}): those figures are skewed`
      : ' (under 15% in every line)') +
    (c.waitedSeconds >= 1 ? `; ${Math.round(c.waitedSeconds)} s spent waiting for quiet` : '')
  );
}

export interface Report {
  options: BenchOptions;
  machine: MachineInfo;
  settings: Record<string, string>;
  shape: { scale: number; rows: Record<string, number>; megabytes: number };
  summary: Summary;
  notes: string[];
  runtimeSeconds: number;
  contention: Contention;
}

const f = (x: number | null | undefined, d = 1) =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d);
const int = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');

/** [line, seconds, rows/s, MB/s, x copy] for each measured line. */
export function lineRows(r: Report): string[][] {
  const s = r.summary;
  const mb = r.shape.megabytes;
  const row = (name: string, secs: number | null, ratio: number | null, rows = s.totalRows, megabytes = mb) => [
    name,
    f(secs),
    secs ? int(rows / secs) : 'n/a',
    secs ? f(megabytes / secs) : 'n/a',
    f(ratio, 2),
  ];
  const at = r.options.concurrency ?? CONFIG_DEFAULTS.concurrency;
  const out = [
    row(`copy: COPY | COPY, ${at} table${at > 1 ? 's' : ''} at once (the physical limit)`, s.copySeconds, 1),
  ];
  out.push(
    s.dumpSeconds === null
      ? ['pg_dump | pg_restore', 'skipped', '', '', '']
      : row('pg_dump -Fc -Z0 | pg_restore (schema, data, indexes, FKs)', s.dumpSeconds, s.ratioDumpCopy),
  );
  const floorRows = (fl: Summary['floor'], tag: string, rows = s.totalRows, megabytes = mb) => {
    if (!fl) return;
    const batch = `${AUTO_BATCH.quiet.toLocaleString('en-US')}-row`;
    const floorRow = (name: string, x: FloorFigure | null) =>
      x ? row(name, x.seconds, x.ratioCopy, rows, megabytes) : [name, 'failed', '', '', ''];
    out.push(
      floorRow(
        `floor${tag}, no fdwmig: OLD read once in key order, COPY in ${batch} transactions on ${at} NEW session${at > 1 ? 's' : ''}`,
        fl.copyOnly,
      ),
    );
    out.push(
      floorRow(`floor${tag}, no fdwmig: the same, each batch then deleted on OLD (count-checked)`, fl.withDelete),
    );
  };
  floorRows(s.floor, '');
  const opts = [
    r.options.batch ? `--batch ${r.options.batch}` : '',
    r.options.concurrency ? `--concurrency ${r.options.concurrency}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  out.push(
    row(
      `fdwmig init-new + migrate${opts ? ` ${opts}` : ''}, no load (${f(s.initSeconds)} s + ${f(s.migrateSeconds)} s, ${s.passes} migrate pass${s.passes > 1 ? 'es' : ''})`,
      s.fdwmigSeconds,
      s.ratioFdwmigCopy,
    ),
  );
  if (s.scale) {
    const big = s.scale;
    const bigMb = mb * (big.totalRows / s.totalRows);
    out.push(row(`copy at scale ${big.scale} (4x)`, big.copySeconds, 1, big.totalRows, bigMb));
    floorRows(big.floor, ` at scale ${big.scale}`, big.totalRows, bigMb);
    out.push(
      row(
        `fdwmig at scale ${big.scale} (4x): time per row ${f(big.perRowRatio, 2)}x that at 1x`,
        big.fdwmigSeconds,
        big.ratioFdwmigCopy,
        big.totalRows,
        bigMb,
      ),
    );
  }
  return out;
}

/** [phase, seconds, tps, p50, p99, failed, retried] of the load line. */
export function loadRows(r: Report): string[][] {
  const l = r.summary.load;
  if (!l) return [];
  return (['before', 'during', 'after'] as const).map((k) => {
    const p = l[k];
    const label = {
      before: 'before (rows on OLD, via postgres_fdw)',
      during: 'during migrate',
      after: 'after migrate (rows local)',
    }[k];
    return [label, f(p.seconds), f(p.tps), f(p.p50Ms, 2), f(p.p99Ms, 2), String(p.failed), String(p.retried)];
  });
}

export function tableNotes(r: Report): string[] {
  const s = r.summary;
  const out = s.tables.map(
    (t) =>
      `${t.table}: ${t.status}${t.status === 'moved' ? ` (${int(t.rows)} rows)` : ''}${t.reason ? `: ${t.reason}` : ''}`,
  );
  const left = Object.entries(s.leftOnOld);
  out.push(
    left.length
      ? `left on OLD after migrate: ${left.map(([t, n]) => `${t} ${int(n)} rows`).join(', ')} (still served through NEW)`
      : 'left on OLD after migrate: nothing',
  );
  out.push(
    s.finalized
      ? 'finalize ran: FKs re-added and validated, sequences synced (included in the time)'
      : 'finalize did not run (it waits until every table has moved): FK validation is not in the time',
  );
  if (s.cpu) {
    const split = (c: { old: number; new: number; client: number }) =>
      `OLD ${f(c.old)}, NEW ${f(c.new)}, client ${f(c.client)} (${f(c.old + c.new + c.client)} in all)`;
    out.push(
      `CPU seconds, median of ${s.cpu.runs} run(s) (each server's processes, and the client's: the COPY pipe, or the fdwmig processes): ` +
        `copy ${split(s.cpu.copy)}; fdwmig ${split(s.cpu.fdwmig)}` +
        (s.floor?.withDelete?.cpu ? `; floor with the delete ${split(s.floor.withDelete.cpu)}` : ''),
    );
  }
  const over = [s.floor?.fdwmigOverFloor, s.scale?.floor?.fdwmigOverFloor];
  if (over.some((x) => x)) {
    out.push(
      `fdwmig / floor with the delete: ${over[0] ? f(over[0], 2) : 'n/a'}${s.scale ? `, ${over[1] ? f(over[1], 2) : 'n/a'} at scale ${s.scale.scale}` : ''} ` +
        "(what fdwmig adds to its design's own cost: two process starts, catalogs, session setup, batch records, drains, yielding checks, the end-of-table count)",
    );
  }
  return out;
}

/** The switchover line in one sentence, or null when it did not complete. */
export function switchoverLine(r: Report): string | null {
  const sw = r.summary.switchover;
  if (!sw) return null;
  return (
    `replicate switchover (after replicate start --snapshot, while an application role writes to OLD with 2 clients, ${int(sw.accounts)} accounts): ` +
    `writes on OLD refused for ${f(sw.writesRefusedMs / 1000, 2)} s, median of ${sw.runs} run(s) (${sw.allMs.map((ms) => `${Math.round(ms)} ms`).join(', ')}); ` +
    `inside the pause: ${sw.steps.map((t) => `${t.step} ${Math.round(t.ms)} ms`).join('; ')}; ` +
    `the application committed ${int(sw.transactions)} transactions and saw ${int(sw.refused)} write(s) refused; ` +
    (sw.problems.length
      ? `PROBLEMS: ${sw.problems.slice(0, 5).join('; ')}`
      : 'verify and the workload invariant found no difference')
  );
}

/** Which runs the load figures come from. */
export function loadBasis(r: Report): string {
  const l = r.summary.load;
  if (!l) return '';
  return l.completedRuns
    ? `median of the ${l.completedRuns} run(s) where migrate completed`
    : `migrate completed in no run: figures from the ${l.runs} attempt(s)`;
}

export function targetMark(met: boolean | null): string {
  return met === null ? 'n/a' : met ? 'met' : 'NOT MET';
}

function pad(rows: string[][], header: string[]): string {
  const all = [header, ...rows];
  const w = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n');
}

export function renderText(r: Report): string {
  const m = r.machine;
  const s = r.summary;
  const lines = [
    `fdwmig ${m.fdwmig} (${m.commit}) benchmark: OLD ${m.oldServer} -> NEW ${m.newServer}`,
    `data: pgbench scale ${r.shape.scale}, ${Object.entries(r.shape.rows)
      .map(([t, n]) => `${t.replace('pgbench_', '')} ${int(n)}`)
      .join(', ')} rows, ${f(r.shape.megabytes, 0)} MB with indexes`,
    `machine: ${m.cpuModel}, ${m.nproc} CPUs, ${m.memoryGiB} GiB; node ${m.node}; servers: ${Object.entries(r.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    `each figure: median of ${r.options.runs} runs${s.scale ? ` (${s.scale.runs} at 4x)` : ''}; ratios pair by pair within a run`,
    '',
    pad(lineRows(r), ['line', 'seconds', 'rows/s', 'MB/s', 'x copy']),
    '',
    ...tableNotes(r).map((t) => `  ${t}`),
  ];
  if (s.load) {
    lines.push(
      '',
      `fdwmig under load: pgbench tpcb-like against NEW, ${r.options.clients} clients, ${r.options.rate ? `${r.options.rate} tps target` : 'unthrottled'}; latency in ms; ${loadBasis(r)}`,
    );
    lines.push(pad(loadRows(r), ['phase', 'seconds', 'tps', 'p50', 'p99', 'failed', 'retried']));
    if (s.load.errors.length) lines.push(`  pgbench errors: ${s.load.errors.slice(0, 5).join(' | ')}`);
  }
  const sw = switchoverLine(r);
  if (sw) lines.push('', sw);
  lines.push('', 'targets:');
  for (const t of s.targets) lines.push(`  ${targetMark(t.met).padEnd(8)} ${t.name} ${t.goal}: ${t.value}`);
  if (s.invariantProblems.length) lines.push(`  invariant problems: ${s.invariantProblems.slice(0, 5).join('; ')}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  lines.push(`note: ${contentionNote(r.contention)}`);
  lines.push(`total benchmark time: ${f(r.runtimeSeconds / 60)} min`);
  return `${lines.join('\n')}\n`;
}
