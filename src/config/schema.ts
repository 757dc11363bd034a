/**
 * The configuration: one zod schema for the merged config, and its partial form for
 * the JSON config file. Both are strict: an unknown key is an error, not ignored.
 */
import { z } from 'zod';

/**
 * migrate's batch size when none is given: small while the application is busy on NEW (short
 * lock holds and WAL bursts), larger while it is quiet (fewer per-batch round trips and commits).
 */
export const AUTO_BATCH = { busy: 2000, quiet: 20_000 } as const;

/** Default values, shared by the schema and the CLI help texts. */
export const CONFIG_DEFAULTS = {
  concurrency: 2,
  drainTimeoutMs: 30_000,
  maxRowsPerSecond: 0,
  yieldToApp: true,
  finalize: true,
  /** Headroom added to each sequence on NEW so values taken on OLD during the switch never collide. */
  sequenceGap: 10_000,
  fetchSize: 10_000,
  /** Short, so DDL on a live server queues behind a long transaction for seconds, not minutes. */
  lockTimeoutMs: 2000,
  /** Minutes, not tries: a saturating application leaves a free moment for a lock rarely, not never. */
  lockRetryMs: 300_000,
  stateSchema: 'fdwmig',
  serverName: 'fdwmig_old',
  pgDumpPath: 'pg_dump',
  mappingRoles: [] as string[],
  copySchema: false,
  dryRun: false,
  json: false,
  debug: false,
  publicationName: 'fdwmig_pub',
  subscriptionName: 'fdwmig_sub',
  slotName: 'fdwmig_slot',
  appRoles: [] as string[],
} as const;

/** Largest batch: a million rows per statement is already far past any useful size. */
const MAX_BATCH_SIZE = 1_000_000;
/** Most parallel copies: each one holds a connection on both servers. */
const MAX_CONCURRENCY = 64;
/** Smallest cursor fetch: below this, round trips dominate the copy. */
const MIN_FETCH_SIZE = 100;

function wholeNumber(min: number, max?: number) {
  const range = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
  const message = `expected a whole number ${range}`;
  const base = z.number({ error: message }).int({ error: message }).min(min, { error: message });
  return max === undefined ? base : base.max(max, { error: message });
}

const nonEmptyString = z.string().min(1, { error: 'expected a non-empty string' });
// schema.table as written, unquoted. Names may hold dots themselves ('public.v1.2'): selections
// are matched against each table's `schema.name` as a whole, never split.
const qualifiedName = z.string().regex(/^.+\..+$/, {
  error: "expected a qualified name 'schema.table'",
});

export const ConfigSchema = z
  .object({
    /** Connection URL of the OLD server (postgres://user:password@host:port/db). */
    oldUrl: nonEmptyString,
    /** Connection URL of the NEW server. */
    newUrl: nonEmptyString,
    /** Schemas to migrate; default: every non-system schema. */
    schemas: z.array(nonEmptyString).optional(),
    /** Only these tables, as qualified names `schema.table`; default: every table of `schemas`. */
    tables: z.array(qualifiedName).optional(),
    /** Tables to leave out, as qualified names `schema.table`. */
    excludeTables: z.array(qualifiedName).optional(),
    /** Rows per batch of migrate; unset: AUTO_BATCH, by how busy the application is. */
    batchSize: wholeNumber(1, MAX_BATCH_SIZE).optional(),
    /** Tables copied in parallel. */
    concurrency: wholeNumber(1, MAX_CONCURRENCY).default(CONFIG_DEFAULTS.concurrency),
    /**
     * How long a batch waits for sessions on NEW whose snapshots predate its copy before it is
     * deferred (both copies kept) and retried; see docs/PROTOCOL.md.
     */
    drainTimeoutMs: wholeNumber(1).default(CONFIG_DEFAULTS.drainTimeoutMs),
    /**
     * Caps each table's move at this many rows per second (0: no cap), trading move time for
     * the application's latency while rows move.
     */
    maxRowsPerSecond: wholeNumber(0).default(CONFIG_DEFAULTS.maxRowsPerSecond),
    /**
     * While other sessions are busy on NEW's database, migrate runs one pipeline at a time and
     * rests between batches (src/exec/app-activity.ts); false keeps every pipeline at full speed.
     */
    yieldToApp: z.boolean().default(CONFIG_DEFAULTS.yieldToApp),
    /** migrate finishes with finalize (FKs re-added and validated, sequences synced). */
    finalize: z.boolean().default(CONFIG_DEFAULTS.finalize),
    /** Amount added to each sequence value when it is carried over to NEW. */
    sequenceGap: wholeNumber(0).default(CONFIG_DEFAULTS.sequenceGap),
    /** Rows fetched per round trip through the foreign server (postgres_fdw `fetch_size`). */
    fetchSize: wholeNumber(MIN_FETCH_SIZE).default(CONFIG_DEFAULTS.fetchSize),
    /** `lock_timeout` for DDL on a live server, in milliseconds. */
    lockTimeoutMs: wholeNumber(1).default(CONFIG_DEFAULTS.lockTimeoutMs),
    /** How long DDL that hit `lock_timeout` (or a deadlock) is retried before giving up, in ms. */
    lockRetryMs: wholeNumber(1).default(CONFIG_DEFAULTS.lockRetryMs),
    /** A cap on those retries' count as well (none by default). */
    ddlRetries: wholeNumber(0).optional(),
    /** Schema on NEW holding fdwmig's state tables and foreign tables. */
    stateSchema: nonEmptyString.default(CONFIG_DEFAULTS.stateSchema),
    /** Name of the postgres_fdw foreign server on NEW that points at OLD. */
    serverName: nonEmptyString.default(CONFIG_DEFAULTS.serverName),
    /** The pg_dump that --copy-schema runs (at least OLD's major version). */
    pgDumpPath: nonEmptyString.default(CONFIG_DEFAULTS.pgDumpPath),
    /** Extra NEW roles given a user mapping for OLD (the connecting role always gets one). */
    mappingRoles: z.array(nonEmptyString).default(() => [...CONFIG_DEFAULTS.mappingRoles]),
    /** Create the OLD schema's tables on NEW before copying. */
    copySchema: z.boolean().default(CONFIG_DEFAULTS.copySchema),
    /** Print the plan instead of running it. */
    dryRun: z.boolean().default(CONFIG_DEFAULTS.dryRun),
    /** Machine-readable JSON output. */
    json: z.boolean().default(CONFIG_DEFAULTS.json),
    /** Show stack traces and extra diagnostics. */
    debug: z.boolean().default(CONFIG_DEFAULTS.debug),
    /** replicate: the publication fdwmig creates on OLD (one per OLD database). */
    publicationName: nonEmptyString.default(CONFIG_DEFAULTS.publicationName),
    /** replicate: the subscription fdwmig creates on NEW (one per NEW database). */
    subscriptionName: nonEmptyString.default(CONFIG_DEFAULTS.subscriptionName),
    /** replicate: the logical replication slot on OLD; slot names are per server, not per database. */
    slotName: z
      .string()
      .regex(/^[a-z0-9_]{1,63}$/, {
        error: "expected 1 to 63 lower-case letters, digits or underscores (PostgreSQL's rule for slot names)",
      })
      .default(CONFIG_DEFAULTS.slotName),
    /** replicate switchover: OLD roles the application connects as; made read-only and their sessions ended. */
    appRoles: z.array(nonEmptyString).default(() => [...CONFIG_DEFAULTS.appRoles]),
  })
  .strict();

/** The JSON config file: any subset of the config keys, still strict. */
export const ConfigFileSchema = ConfigSchema.partial();

/** Config as written by a person (file, env, flags): defaults not yet applied. */
export type RawConfig = z.input<typeof ConfigSchema>;
/** The merged, validated config every command receives. */
export type Config = z.output<typeof ConfigSchema>;
/** Every key a config file may hold. */
export const CONFIG_KEYS = Object.keys(ConfigSchema.shape) as Array<keyof Config>;
