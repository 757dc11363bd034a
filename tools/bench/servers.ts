/**
 * The benchmark's two servers (embedded OLD and NEW) with settings fit for a measurement, and
 * the few database-level helpers every line of the benchmark shares.
 */
import pg from 'pg';
import { startEmbeddedCluster, type Cluster } from '../dev/embedded-cluster.js';
import { closeClient } from '../../src/exec/connections.js';
import { ident } from '../../src/sql/quote.js';
import { pagesFor, reserveHugePages } from './huge-pages.js';

export interface BenchServers {
  old: Cluster;
  new: Cluster;
  /** The settings both servers run with, for the report. */
  settings: Record<string, string>;
  destroy(): Promise<void>;
}

const SHARED_BUFFERS_MB = 256;

/**
 * shared_buffers holds the default data set (about 150 MB) on each side; max_wal_size and
 * checkpoint_timeout are large so that no checkpoint is forced in the middle of a measured step
 * (the benchmark runs CHECKPOINT itself between steps); fsync and full_page_writes together,
 * so "fsync off" means a server that never waits for the disk.
 */
export function benchSettings(fsync: boolean, hugePages = false): Record<string, string> {
  const onOff = fsync ? 'on' : 'off';
  return {
    shared_buffers: `${SHARED_BUFFERS_MB}MB`,
    fsync: onOff,
    full_page_writes: onOff,
    synchronous_commit: 'on',
    max_wal_size: '4GB',
    checkpoint_timeout: '30min',
    wal_level: 'logical',
    max_connections: '100',
    ...(hugePages ? { huge_pages: 'on' } : {}),
  };
}

/** Starts OLD and NEW one after the other (two cores: initdb is CPU-bound). */
export async function startBenchServers(o: {
  oldMajor: number;
  newMajor: number;
  fsync: boolean;
  hugePages?: boolean;
}): Promise<BenchServers> {
  const settings = benchSettings(o.fsync, o.hugePages);
  let release = () => undefined as void;
  if (o.hugePages) release = reserveHugePages((sizeKb) => 2 * pagesFor(SHARED_BUFFERS_MB, sizeKb));
  let old: Cluster;
  let neu: Cluster;
  try {
    old = await startEmbeddedCluster({ major: o.oldMajor, name: 'bench-old', settings });
    try {
      neu = await startEmbeddedCluster({ major: o.newMajor, name: 'bench-new', settings });
    } catch (err) {
      await old.destroy();
      throw err;
    }
  } catch (err) {
    release();
    throw err;
  }
  return {
    old,
    new: neu,
    settings,
    destroy: async () => {
      await Promise.all([old.destroy(), neu.destroy()]);
      release();
    },
  };
}

/** A client of the benchmark's own on url, connected; a server that goes away is an error of its next query, never an unhandled event. */
export async function connectBench(url: string, applicationName = 'fdwmig-bench'): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: applicationName });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

/**
 * Runs fn with a client on url and always closes it (the product's closeClient). Not the
 * product's withClient: the benchmark's sessions are its own (application_name fdwmig-bench),
 * and a failure to connect is reported as pg's own message, not as OLD's or NEW's.
 */
export async function withDb<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await connectBench(url);
  try {
    return await fn(c);
  } finally {
    await closeClient(c);
  }
}

/** Creates database `name` on the cluster, empty or as a copy of `template`. */
export async function createDatabase(cluster: Cluster, name: string, template?: string): Promise<string> {
  await withDb(cluster.url(), (c) =>
    c.query(`CREATE DATABASE ${ident(name)}${template ? ` TEMPLATE ${ident(template)}` : ''}`),
  );
  return cluster.url(name);
}

/** Drops database `name`, ending its sessions (NEW's postgres_fdw connections to OLD among them). */
export async function dropDatabase(cluster: Cluster, name: string): Promise<void> {
  await withDb(cluster.url(), (c) => c.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`));
}

/** A checkpoint on both servers, so that no step pays for the previous step's dirty pages. */
export async function settle(servers: BenchServers): Promise<void> {
  await Promise.all([servers.old, servers.new].map((c) => withDb(c.url(), (db) => db.query('CHECKPOINT'))));
}

/** `SELECT version()` of a cluster, short form. */
export async function serverVersion(cluster: Cluster): Promise<string> {
  return withDb(
    cluster.url(),
    async (c) => (await c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v,
  );
}
