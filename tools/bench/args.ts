/** `npm run bench -- [options]`: the benchmark's options, parsed with node:util. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** pgbench scale: 100 000 accounts per unit (fractions allowed for quick runs). */
  scale: number;
  /** Runs per line at 1x; each figure is their median. */
  runs: number;
  /** Runs per line at 4x (the scale line). */
  runs4x: number;
  /** Skip the 4x line. */
  skipScale: boolean;
  json: boolean;
  fsync: boolean;
  /** Both servers with huge_pages=on (huge-pages.ts). */
  hugePages: boolean;
  /** pgbench clients and target rate during the load line (0 = unthrottled). */
  clients: number;
  rate: number;
  /** Seconds of load before migrate starts and after it ends. */
  warmupSeconds: number;
  afterSeconds: number;
  /** Tables at once, for migrate (--concurrency) and the copy baseline alike; undefined: fdwmig's default. */
  concurrency?: number;
  /** Rows per batch passed to migrate (--batch); undefined keeps fdwmig's default. */
  batch?: number;
  /** How long a line waits for other processes to quieten down before it starts anyway. */
  quietWaitSeconds: number;
  /** Where the Markdown report goes; null to write none. */
  docsPath: string | null;
}

export const USAGE = `usage: npm run bench -- [options]
  --scale N           pgbench scale, 100 000 accounts each (default 10, about 130 MB of accounts)
  --runs R            runs per line at 1x, each figure their median (default 3)
  --runs-4x R         runs of the 4x scale line (default: as --runs)
  --no-scale          skip the 4x scale line
  --fsync on|off      fsync and full_page_writes on both servers (default on)
  --huge-pages        both servers with huge_pages=on; as root, reserves the 2 MB pages
                      they need and gives them back at the end (default off)
  --clients N         pgbench clients in the load line (default 4)
  --rate TPS          pgbench target rate in the load line, 0 = as fast as it can (default 200)
  --warmup S          seconds of load before migrate starts (default 5)
  --after S           seconds of load after migrate ends (default 15)
  --batch ROWS        rows per batch for fdwmig migrate (default: fdwmig's own)
  --concurrency N     tables at once for fdwmig migrate and the copy line alike (default: fdwmig's own)
 --quiet-wait S      before each line, wait up to S seconds for other processes to use
                      under 15% of the CPU (default 600); the share they used is reported
  --docs FILE         where to write the Markdown report (default docs/BENCHMARKS.md)
  --no-docs           write no Markdown report
  --json              print the results as JSON instead of a table`;

function num(name: string, v: string | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name}: expected a number >= ${min}, got '${v}'`);
  return n;
}

function int(name: string, v: string | undefined, dflt: number, min: number): number {
  const n = num(name, v, dflt, min);
  if (!Number.isInteger(n)) throw new Error(`--${name}: expected a whole number, got '${v}'`);
  return n;
}

/** Parses argv (without node and script); throws with a one-line message on bad input. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      scale: { type: 'string' },
      runs: { type: 'string' },
      'runs-4x': { type: 'string' },
      'no-scale': { type: 'boolean' },
      fsync: { type: 'string' },
      clients: { type: 'string' },
      rate: { type: 'string' },
      warmup: { type: 'string' },
      after: { type: 'string' },
      concurrency: { type: 'string' },
      'quiet-wait': { type: 'string' },
      batch: { type: 'string' },
      docs: { type: 'string' },
      'no-docs': { type: 'boolean' },
      json: { type: 'boolean' },
      'huge-pages': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  if (values.fsync !== undefined && !['on', 'off'].includes(values.fsync))
    throw new Error(`--fsync: expected on or off, got '${values.fsync}'`);
  const runs = int('runs', values.runs, 3, 1);
  return {
    scale: num('scale', values.scale, 10, 0.001),
    runs,
    runs4x: int('runs-4x', values['runs-4x'], runs, 1),
    skipScale: values['no-scale'] ?? false,
    json: values.json ?? false,
    fsync: (values.fsync ?? 'on') === 'on',
    hugePages: values['huge-pages'] ?? false,
    clients: int('clients', values.clients, 4, 1),
    rate: num('rate', values.rate, 200, 0),
    warmupSeconds: num('warmup', values.warmup, 5, 0),
    afterSeconds: num('after', values.after, 15, 1),
    quietWaitSeconds: num('quiet-wait', values['quiet-wait'], 300, 0),
    concurrency: values.concurrency === undefined ? undefined : int('concurrency', values.concurrency, 0, 1),
    batch: values.batch === undefined ? undefined : int('batch', values.batch, 0, 1),
    docsPath: values['no-docs'] ? null : (values.docs ?? 'docs/BENCHMARKS.md'),
  };
}
