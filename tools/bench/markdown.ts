/** docs/BENCHMARKS.md: the latest figures, the machine, and how to reproduce them. */
import {
  contentionNote,
  lineRows,
  loadBasis,
  loadRows,
  switchoverLine,
  tableNotes,
  targetMark,
  type Report,
} from './report.js';

function table(header: string[], rows: string[][]): string {
  const esc = (c: string) => c.replaceAll('|', '\\|');
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** The command that reproduces the run, from its options. */
export function reproduceCommand(r: Report): string {
  const o = r.options;
  const args = [
    `--scale ${o.scale}`,
    `--runs ${o.runs}`,
    o.skipScale ? '--no-scale' : `--runs-4x ${o.runs4x}`,
    `--fsync ${o.fsync ? 'on' : 'off'}`,
    ...(o.hugePages ? ['--huge-pages'] : []),
    `--clients ${o.clients}`,
    `--rate ${o.rate}`,
    `--warmup ${o.warmupSeconds}`,
    `--after ${o.afterSeconds}`,
    ...(o.batch ? [`--batch ${o.batch}`] : []),
    ...(o.concurrency ? [`--concurrency ${o.concurrency}`] : []),
  ];
  return `npm run bench -- ${args.join(' ')}`;
}

/** Below this line BENCHMARKS.md is written by hand (analysis, findings) and kept by every run. */
export const KEEP_MARKER = '<!-- Written by hand below this line; npm run bench keeps it. -->';

/** The hand-written tail of an existing BENCHMARKS.md, marker included, or ''. */
export function keptTail(existing: string | null): string {
  const at = existing?.indexOf(KEEP_MARKER) ?? -1;
  return at >= 0 ? existing!.slice(at) : '';
}

export function renderMarkdown(r: Report, explanation: string, kept = ''): string {
  const m = r.machine;
  const s = r.summary;
  const out = [
    '# Benchmarks',
    '',
    '<!-- Written by `npm run bench` (tools/bench/markdown.ts); the figures below are replaced on every run. -->',
    '',
    explanation.trim(),
    '',
    '## Latest figures',
    '',
    `pgbench scale ${r.shape.scale}: ${Object.entries(r.shape.rows)
      .map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`)
      .join(', ')} rows, ` +
      `${Math.round(r.shape.megabytes)} MB with indexes. Each figure is the median of ${r.options.runs} runs${s.scale ? ` (${s.scale.runs} at 4x)` : ''}; ` +
      `ratios are taken pair by pair within a run. The whole benchmark took ${(r.runtimeSeconds / 60).toFixed(1)} minutes.`,
    '',
    table(['line', 'seconds', 'rows/s', 'MB/s', 'x copy'], lineRows(r)),
    '',
    ...tableNotes(r).map((t) => `- ${t}`),
  ];
  if (s.load) {
    out.push(
      '',
      `### Under load: pgbench tpcb-like against NEW, ${r.options.clients} clients, ${r.options.rate ? `${r.options.rate} tps target` : 'unthrottled'}`,
      '',
      table(['phase', 'seconds', 'tps', 'p50 ms', 'p99 ms', 'failed', 'retried'], loadRows(r)),
      '',
      `Figures: ${loadBasis(r)}; a transaction counts in the phase in which it started. Failed: transactions rolled back after ${"pgbench's"} retries; retried: committed after at least one serialization failure or deadlock. ` +
        `pgbench errors (clients aborted): ${s.load.errors.length ? s.load.errors.slice(0, 5).join('; ') : 'none'}.`,
    );
  }
  const sw = switchoverLine(r);
  if (sw) out.push('', '### Replication switchover', '', `${sw.charAt(0).toUpperCase()}${sw.slice(1)}.`);
  out.push(
    '',
    '### Targets',
    '',
    table(
      ['target', 'goal', 'measured', 'result'],
      s.targets.map((t) => [t.name, t.goal, t.value, targetMark(t.met)]),
    ),
  );
  out.push('', ...[...r.notes, contentionNote(r.contention)].map((n) => `- ${n}`));
  out.push(
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpuModel}, ${m.nproc} CPUs (nproc); memory ${m.memoryGiB} GiB; Linux ${m.kernel}`,
    `- OLD: ${m.oldServer}; NEW: ${m.newServer}; both on this machine, over loopback TCP`,
    `- server settings (both): ${Object.entries(r.settings)
      .map(([k, v]) => `\`${k}=${v}\``)
      .join(', ')}`,
    `- fdwmig ${m.fdwmig} at commit ${m.commit}, Node.js ${m.node}`,
    ...Object.entries(m.tools).map(([k, v]) => `- ${k}: ${v}`),
    '',
    '## Reproduce',
    '',
    '```sh',
    reproduceCommand(r),
    '```',
    '',
  );
  return out.join('\n') + (kept ? `\n${kept.trimEnd()}\n` : '');
}

/** What the benchmark measures and how, above the figures. */
export const EXPLANATION = `
\`npm run bench\` (or \`make bench\`) measures, in one run on the same two servers (embedded
PostgreSQL 13 as OLD, 17 as NEW, on this machine), moving a pgbench-shaped database: pgbench's
four tables and DDL (\`pgbench -i --foreign-keys\`), generated in SQL; \`pgbench_history\` has no
primary key and starts with 1% as many rows as accounts; every balance equals the sum of its
history deltas. Every line starts from a fresh copy of the same generated OLD database and a
fresh NEW database, after a CHECKPOINT on both servers.

1. **copy**: \`COPY t TO STDOUT\` piped into \`COPY t FROM STDIN\` (in Node, through fdwmig's own pipe, which passes COPY's messages on as they are) per
   table into NEW's empty tables, primary keys present and FKs absent, two tables at once as
   fdwmig's default concurrency: the physical limit for moving these rows between these servers.
2. **pg_dump | pg_restore**: \`pg_dump -Fc -Z0 | pg_restore\` into an empty NEW database, what a
   user would pick offline (skipped, saying what to install, when the tools are missing).
3. **floor** (at 1x and at 4x), two lines: the least that moving rows the way fdwmig does costs here,
   without fdwmig (tools/bench/floor.ts, in the benchmark's own process). Per keyed table, OLD's
   rows are read once, in key order, in one REPEATABLE READ transaction and cut into batches of
   fdwmig's quiet batch size, each a \`COPY ... FROM STDIN\` transaction on one of as many NEW
   sessions as fdwmig's default concurrency; in the second line each batch, once committed, is
   also deleted on OLD by its key span in a REPEATABLE READ transaction that counts the span
   first (the shape of fdwmig's checked delete, in replica mode). No process start, catalog
   read, batch record, drain or yielding check: what the benchmark reports as "fdwmig / floor"
   is what those add. NEW's schema is the copy line's; history, which has no key, is copied
   whole as in the copy line. Checked: NEW holds every row, OLD none of a keyed table's.
4. **fdwmig**: \`fdwmig init-new\` then \`fdwmig migrate\` with fdwmig's defaults, each a child
   process (\`node bin/fdwmig.js\`) timed from spawn to exit, with no load. migrate skips a
   table it cannot move (\`pgbench_history\`, which has no primary key) and, in replica mode on
   OLD, moves the tables it references all the same. If it left them not run instead, the
   benchmark would run a second pass with \`--exclude-tables\`, as a user would, count it in the
   time and say so. For this line and the copy line the benchmark also reads, from /proc, the
   CPU that OLD's server, NEW's server and the client (the pipe, or the fdwmig processes) used:
   the servers' postmaster process trees, and the rest of the benchmark's own.
5. **fdwmig under load**: the same while pgbench's TPC-B-like script runs against NEW (in 5 s
   slices with per-transaction logs, serialization failures and deadlocks retried up to 10
   times); throughput and latency before, during and after migrate, failed transactions, and
   pgbench's invariant (the sums of account, teller and branch balances each equal the sum of
   history's deltas; every account present once), checked through NEW after every fdwmig run.
6. **scale**: copy, the floor and fdwmig again at 4x the data: time per row at 4x over time per row at 1x
   (1.0 is linear), and the peak RSS of every fdwmig process (ru_maxrss, written by the child on
   exit), never the servers'.

7. **replication switchover** (issue 7, point 6), at 1x only: on fresh databases of the same
   servers, a bank-transfer application (tools/dev/workload.ts, 2 clients, as its own login role,
   10 000 accounts per unit of scale) writes to OLD while \`replicate start --snapshot\` copies
   and streams to NEW; once the status says streaming and 2 s more have passed,
   \`replicate switchover --app-roles <that role>\` (its defaults: \`--max-lag 1048576\`) runs.
   Measured: how long writes on OLD were refused, from the first refusing statement until NEW
   was ready (subscription dropped; verify afterwards is not in it), as switchover reports it;
   checked: verify finds no difference and, on NEW, every balance equals its start plus its
   ledger. Replication is then cleaned up and the databases dropped.
`;
