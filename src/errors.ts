/**
 * Errors a person can act on: each carries a stable `code`, a `hint` naming the fix
 * and the exit code the CLI returns (2 for usage/config, 1 for runtime failures).
 */
import { redactSecrets } from './config/redact.js';

/** 2: the command line or config is wrong; 1: the run failed or found an inconsistency. */
export type ExitCode = 1 | 2;

export interface FdwmigErrorOptions {
  code: string;
  hint?: string | undefined;
  cause?: unknown;
  exitCode: ExitCode;
}

/** Options of the fixed-code subclasses. */
export interface ErrorDetails {
  hint?: string | undefined;
  cause?: unknown;
}

/** Base of every error fdwmig raises on purpose. */
export class FdwmigError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly exitCode: ExitCode;

  constructor(message: string, { code, hint, cause, exitCode }: FdwmigErrorOptions) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    if (hint !== undefined) this.hint = hint;
    this.exitCode = exitCode;
  }
}

/** The command line is wrong (unknown command or option, bad option value). */
export class UsageError extends FdwmigError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { ...details, code: 'USAGE', exitCode: 2 });
  }
}

/** The config file, environment or flags are invalid or incomplete. */
export class ConfigError extends FdwmigError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { ...details, code: 'CONFIG', exitCode: 2 });
  }
}

/** A server could not be reached or refused the login. */
export class ConnectionError extends FdwmigError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { ...details, code: 'CONNECTION', exitCode: 1 });
  }
}

/** A server is reachable but not ready (version, extension, privilege, setting). */
export class PreflightError extends FdwmigError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { ...details, code: 'PREFLIGHT', exitCode: 1 });
  }
}

/** OLD and NEW schemas differ where the migration needs them to agree. */
export class SchemaMismatchError extends FdwmigError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { ...details, code: 'SCHEMA_MISMATCH', exitCode: 1 });
  }
}

/** fdwmig's own state (in its state schema) is missing or inconsistent. */
export class StateError extends FdwmigError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { ...details, code: 'STATE', exitCode: 1 });
  }
}

/** The fields of a node-postgres `DatabaseError` that fdwmig reports. */
export interface DatabaseErrorLike {
  message: string;
  code?: string | undefined;
  detail?: string | undefined;
  hint?: string | undefined;
  where?: string | undefined;
  column?: string | undefined;
}

/** Where a PostgreSQL error happened: the plan step and the SQL it ran. */
export interface PgErrorContext {
  step?: string | undefined;
  sql?: string | undefined;
  /** fdwmig's own advice, shown instead of the server's hint (e.g. after lock_timeout retries). */
  hint?: string | undefined;
}

/** A PostgreSQL error (a node-postgres `DatabaseError`), shown whole. */
export class PgError extends FdwmigError {
  readonly sqlstate: string | undefined;
  readonly detail: string | undefined;
  readonly where: string | undefined;
  readonly step: string | undefined;
  readonly sql: string | undefined;

  constructor(error: DatabaseErrorLike, { step, sql, hint }: PgErrorContext = {}) {
    super(error.message, { code: 'PG', hint: hint ?? error.hint, cause: error, exitCode: 1 });
    this.sqlstate = error.code;
    this.detail = error.detail;
    this.where = error.where;
    this.step = step;
    this.sql = sql;
  }
}

/** True for a node-postgres `DatabaseError` (an Error with a five-character SQLSTATE). */
export function isDatabaseError(err: unknown): err is Error & DatabaseErrorLike {
  return err instanceof Error && /^[0-9A-Z]{5}$/.test(String((err as { code?: unknown }).code));
}

/**
 * Render an error for stderr: `error: <message>`, then indented `hint:`, and for a
 * {@link PgError} `detail:`, `context:`, `sqlstate:`, `step:` and `sql:` lines; the
 * stack (and causes) only with `debug`. Every secret is redacted.
 */
export function formatError(err: unknown, { debug }: { debug: boolean }): string {
  const lines = [`error: ${messageOf(err)}`, ...describeFields(err)];
  if (debug) lines.push(...describeStack(err));
  return redactSecrets(lines.join('\n'));
}

/** The exit code for an error reaching the CLI boundary. */
export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof FdwmigError ? err.exitCode : 1;
}

function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.message === '') {
    return err.errors.map(messageOf).join('; ') || err.name;
  }
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

function describeFields(err: unknown): string[] {
  if (!(err instanceof FdwmigError)) return [];
  const pg = err instanceof PgError ? err : undefined;
  return [
    field('detail', pg?.detail),
    field('hint', err.hint),
    field('context', pg?.where),
    field('sqlstate', pg?.sqlstate),
    field('step', pg?.step),
    field('sql', pg?.sql),
  ].filter((line): line is string => line !== undefined);
}

function field(label: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  // Continuation lines (multi-line SQL) line up under the value.
  const pad = ' '.repeat(label.length + 4);
  return `  ${label}: ${value.trim().split('\n').join(`\n${pad}`)}`;
}

function describeStack(err: unknown): string[] {
  const lines: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    lines.push(depth === 0 ? (current.stack ?? '') : `caused by: ${current.stack ?? current.message}`);
    current = current.cause;
  }
  return lines;
}

/** Which server a connection error is about. */
export type ServerSide = 'OLD' | 'NEW';

interface ConnectionProblem {
  test: (code: string, message: string) => boolean;
  describe: string;
  hint: (which: ServerSide) => string;
}

const urlSource = (which: ServerSide): string => `--${which.toLowerCase()} / FDWMIG_${which}_URL`;

/** Known connection failures, most specific first: Node socket codes and SQLSTATEs. */
const CONNECTION_PROBLEMS: ConnectionProblem[] = [
  {
    test: (code) => code === 'ECONNREFUSED',
    describe: 'connection refused',
    hint: (w) => `check host and port in ${urlSource(w)}, and that the server is running and listens on that address`,
  },
  {
    test: (code) => code === 'ENOTFOUND' || code === 'EAI_AGAIN',
    describe: 'host not found',
    hint: (w) => `check the host name in ${urlSource(w)}`,
  },
  {
    test: (code, message) => code === 'ETIMEDOUT' || /timeout/i.test(message),
    describe: 'connection timed out',
    hint: (w) => `check host and port in ${urlSource(w)}, and that no firewall blocks the way from this machine`,
  },
  {
    test: (code) => code === '28P01',
    describe: 'password authentication failed',
    hint: (w) =>
      `check the password in the URL or PGPASSFILE (or pass --${w.toLowerCase()}-password-file / FDWMIG_${w}_PASSWORD_FILE)`,
  },
  {
    // node-postgres's words when the server asks for a password and none was given.
    test: (_code, message) => /client password must be a string|no password supplied/i.test(message),
    describe: 'the server asks for a password and none was given',
    hint: (w) =>
      `put the password in the URL, in a file given with --${w.toLowerCase()}-password-file / FDWMIG_${w}_PASSWORD_FILE, or in PGPASSFILE (~/.pgpass)`,
  },
  {
    test: (code) => code === '3D000',
    describe: 'database does not exist',
    hint: (w) => `create the database or fix its name in the URL (${urlSource(w)})`,
  },
  {
    test: (code) => code === '28000',
    describe: 'login rejected',
    hint: (w) => `check the user name in ${urlSource(w)} and that pg_hba.conf on the ${w} server allows this client`,
  },
  {
    test: (_code, message) => /does not support SSL/i.test(message),
    describe: 'server does not support SSL',
    hint: (w) => `remove sslmode from ${urlSource(w)} or set sslmode=disable, or enable SSL on the server`,
  },
];

/**
 * Turn a node-postgres connection failure into a {@link ConnectionError} whose hint
 * names the fix. `maskedUrl` must already be masked; the original error is the cause.
 */
export function toConnectionError(err: unknown, which: ServerSide, maskedUrl: string): ConnectionError {
  const code = connectionCodeOf(err);
  const message = messageOf(err);
  const problem = CONNECTION_PROBLEMS.find((p) => p.test(code, message));
  const reason = problem === undefined ? message : `${problem.describe} (${message})`;
  return new ConnectionError(`cannot connect to the ${which} server at ${maskedUrl}: ${reason}`, {
    hint: problem?.hint(which) ?? `check ${urlSource(which)} and that the server accepts connections`,
    cause: err,
  });
}

function connectionCodeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  // Node 20 tries every address of a host and reports an AggregateError of them all.
  const first = err instanceof AggregateError ? (err.errors[0] as { code?: unknown } | undefined) : undefined;
  return typeof first?.code === 'string' ? first.code : '';
}
