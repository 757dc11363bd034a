import { describe, expect, it } from 'vitest';
import { registerSecret } from '../../src/config/redact.js';
import {
  ConfigError,
  ConnectionError,
  exitCodeOf,
  FdwmigError,
  formatError,
  isDatabaseError,
  PgError,
  PreflightError,
  SchemaMismatchError,
  StateError,
  toConnectionError,
  UsageError,
} from '../../src/errors.js';

/** Shaped like node-postgres's DatabaseError. */
function databaseError(fields: {
  message: string;
  code: string;
  detail?: string;
  hint?: string;
  where?: string;
}): Error {
  return Object.assign(new Error(fields.message), fields);
}

describe('error classes', () => {
  it.each([
    [new UsageError('u'), 'USAGE', 2],
    [new ConfigError('c'), 'CONFIG', 2],
    [new ConnectionError('c'), 'CONNECTION', 1],
    [new PreflightError('p'), 'PREFLIGHT', 1],
    [new SchemaMismatchError('s'), 'SCHEMA_MISMATCH', 1],
    [new StateError('s'), 'STATE', 1],
  ])('%s has code %s and exit code %d', (err, code, exitCode) => {
    expect(err).toBeInstanceOf(FdwmigError);
    expect(err.code).toBe(code);
    expect(err.exitCode).toBe(exitCode);
    expect(err.name).toBe(err.constructor.name);
  });

  it('keeps hint and cause', () => {
    const cause = new Error('root');
    const err = new FdwmigError('m', { code: 'X', hint: 'do this', cause, exitCode: 1 });
    expect(err.hint).toBe('do this');
    expect(err.cause).toBe(cause);
  });

  it('PgError keeps the SQLSTATE, detail, hint, step and SQL', () => {
    const err = new PgError(
      databaseError({ message: 'duplicate key', code: '23505', detail: 'Key (id)=(1) exists.', hint: 'h' }),
      {
        step: 'copy:public.t',
        sql: 'INSERT INTO t SELECT 1',
      },
    );
    expect(err).toMatchObject({
      code: 'PG',
      exitCode: 1,
      sqlstate: '23505',
      detail: 'Key (id)=(1) exists.',
      hint: 'h',
      step: 'copy:public.t',
      sql: 'INSERT INTO t SELECT 1',
    });
    expect(new PgError(databaseError({ message: 'm', code: '55P03', hint: 'server' }), { hint: 'ours' }).hint).toBe(
      'ours',
    );
  });

  it('isDatabaseError recognises a five-character SQLSTATE only', () => {
    expect(isDatabaseError(databaseError({ message: 'm', code: '42P01' }))).toBe(true);
    expect(isDatabaseError(Object.assign(new Error('m'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isDatabaseError({ code: '42P01' })).toBe(false);
  });
});

describe('formatError', () => {
  it('renders message and hint, without stack unless debug', () => {
    const err = new ConfigError('bad config', { hint: 'fix it' });
    expect(formatError(err, { debug: false })).toBe('error: bad config\n  hint: fix it');
    expect(formatError(err, { debug: true })).toMatch(
      /^error: bad config\n {2}hint: fix it\nConfigError: bad config\n {4}at /,
    );
  });

  it('shows a PostgreSQL error whole, multi-line SQL aligned', () => {
    const err = new PgError(
      databaseError({
        message: 'relation "t" does not exist',
        code: '42P01',
        detail: 'd',
        hint: 'h',
        where: 'PL/pgSQL function f()',
      }),
      { step: 'create-foreign-table', sql: 'SELECT 1;\nSELECT 2' },
    );
    expect(formatError(err, { debug: false })).toBe(
      [
        'error: relation "t" does not exist',
        '  detail: d',
        '  hint: h',
        '  context: PL/pgSQL function f()',
        '  sqlstate: 42P01',
        '  step: create-foreign-table',
        '  sql: SELECT 1;',
        '       SELECT 2',
      ].join('\n'),
    );
  });

  it('renders unknown errors and non-errors as one line, with exit code 1', () => {
    expect(formatError(new TypeError('boom'), { debug: false })).toBe('error: boom');
    expect(formatError('text', { debug: false })).toBe('error: text');
    expect(exitCodeOf(new TypeError('boom'))).toBe(1);
    expect(exitCodeOf(new UsageError('u'))).toBe(2);
  });

  it('redacts registered secrets and URL passwords everywhere, stack included', () => {
    registerSecret('hunter2');
    const err = new ConnectionError('login as hunter2 to postgres://u:other@h/db failed', { hint: 'hunter2 is wrong' });
    const text = formatError(err, { debug: true });
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('other');
    expect(text).toContain('postgres://u:****@h/db');
  });

  it('shows causes in debug mode', () => {
    const err = new ConfigError('outer', { cause: new Error('inner') });
    expect(formatError(err, { debug: true })).toContain('caused by: Error: inner');
  });
});

describe('toConnectionError', () => {
  const url = 'postgres://u:****@h:5432/db';
  it.each([
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      'connection refused',
      'check host and port in --old / FDWMIG_OLD_URL',
    ],
    [
      Object.assign(new Error('getaddrinfo ENOTFOUND h'), { code: 'ENOTFOUND' }),
      'host not found',
      'check the host name in --old / FDWMIG_OLD_URL',
    ],
    [
      Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }),
      'timed out',
      'check host and port in --old / FDWMIG_OLD_URL',
    ],
    [new Error('Connection terminated due to connection timeout'), 'timed out', 'check host and port'],
    [
      databaseError({ message: 'password authentication failed for user "u"', code: '28P01' }),
      'password authentication failed',
      'check the password in the URL or PGPASSFILE',
    ],
    [
      databaseError({ message: 'database "db" does not exist', code: '3D000' }),
      'database does not exist',
      'create the database or fix its name in the URL',
    ],
    [
      databaseError({ message: 'no pg_hba.conf entry for host', code: '28000' }),
      'login rejected',
      'pg_hba.conf on the OLD server',
    ],
    [new Error('The server does not support SSL connections'), 'does not support SSL', 'sslmode=disable'],
    [
      new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'),
      'asks for a password and none was given',
      '--old-password-file / FDWMIG_OLD_PASSWORD_FILE, or in PGPASSFILE',
    ],
  ])('turns %s into a ConnectionError with a hint', (cause, reason, hint) => {
    const err = toConnectionError(cause, 'OLD', url);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain(`cannot connect to the OLD server at ${url}`);
    expect(err.message).toContain(reason);
    expect(err.hint).toContain(hint);
    expect(err.cause).toBe(cause);
  });

  it('names the NEW side and its flags', () => {
    const err = toConnectionError(databaseError({ message: 'x', code: '28P01' }), 'NEW', url);
    expect(err.message).toContain('NEW server');
    expect(err.hint).toContain('--new-password-file / FDWMIG_NEW_PASSWORD_FILE');
  });

  it('reads the code of an AggregateError (every address refused)', () => {
    const refused = (address: string) =>
      Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    const err = toConnectionError(new AggregateError([refused('::1:5432'), refused('127.0.0.1:5432')]), 'NEW', url);
    expect(err.message).toContain(
      'connection refused (connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432)',
    );
    expect(err.hint).toContain('--new / FDWMIG_NEW_URL');
  });

  it('wraps an unknown failure with a generic hint', () => {
    const err = toConnectionError(
      databaseError({ message: 'sorry, too many clients already', code: '53300' }),
      'OLD',
      url,
    );
    expect(err.message).toContain('too many clients');
    expect(err.hint).toContain('--old / FDWMIG_OLD_URL');
  });
});
