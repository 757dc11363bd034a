import { describe, expect, it } from 'vitest';
import { findUrlPasswords, parsePgUrl, setUrlPassword } from '../../../src/config/url.js';
import { ConfigError } from '../../../src/errors.js';

describe('parsePgUrl', () => {
  it('reads every part and decodes them', () => {
    expect(
      parsePgUrl('postgresql://app%20user:p%40ss@db.example:5433/sh%C3%B6p?sslmode=require&application_name=x'),
    ).toEqual({
      host: 'db.example',
      port: 5433,
      database: 'shöp',
      user: 'app user',
      password: 'p@ss',
      params: { sslmode: 'require', application_name: 'x' },
    });
  });

  it('leaves absent parts undefined', () => {
    expect(parsePgUrl('postgres://h')).toEqual({
      host: 'h',
      port: undefined,
      database: undefined,
      user: undefined,
      password: undefined,
      params: {},
    });
  });

  it('lets query parameters override the URI parts, as libpq does', () => {
    const url = parsePgUrl(
      'postgres://u:pw@h:1/db?host=/var/run/postgresql&port=6432&dbname=other&user=v&password=pw2',
    );
    expect(url).toMatchObject({
      host: '/var/run/postgresql',
      port: 6432,
      database: 'other',
      user: 'v',
      password: 'pw2',
      params: {},
    });
  });

  it('reads IPv6 hosts and percent-encoded socket directories', () => {
    expect(parsePgUrl('postgres://[::1]:5432/db').host).toBe('::1');
    expect(parsePgUrl('postgres://%2Ftmp/db').host).toBe('/tmp');
  });

  it.each([
    ['mysql://u:secret@h/db', /not a PostgreSQL connection URL/],
    ['host=h dbname=d', /not a PostgreSQL connection URL/],
    ['postgres://h:99999/db', /malformed connection URL/],
    ['postgres://h:abc/db', /malformed connection URL/],
    ['postgres://h/db?port=0', /bad port '0'/],
    ['postgres://h/db?port=x1', /bad port 'x1'/],
    ['postgres://u:%zz@h/db', /bad percent-encoding in the password/],
  ])('rejects %s with a ConfigError and a hint', (url, message) => {
    const err = catchError(() => parsePgUrl(url));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(message);
    expect((err as ConfigError).hint).toBeTruthy();
    expect((err as ConfigError).message).not.toContain('secret');
  });
});

describe('setUrlPassword', () => {
  it('sets an encoded password and drops password= from the query', () => {
    const url = setUrlPassword('postgres://u:old@h/db?password=q&sslmode=require', 'n@w:/pw%');
    expect(parsePgUrl(url)).toMatchObject({ user: 'u', password: 'n@w:/pw%', params: { sslmode: 'require' } });
  });

  it('works on a URL without a user', () => {
    expect(parsePgUrl(setUrlPassword('postgres://h/db', 'pw')).password).toBe('pw');
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('findUrlPasswords', () => {
  it('finds the userinfo password (decoded and raw) and every password= parameter', () => {
    expect(findUrlPasswords('postgres://u:p%40ss@h/db?password=q')).toEqual(['p@ss', 'p%40ss', 'q']);
    expect(findUrlPasswords('postgres://u@h/db')).toEqual([]);
  });

  it('never throws', () => {
    expect(findUrlPasswords('postgres://u:x@h:99999/db')).toEqual([]);
    expect(findUrlPasswords('not a url')).toEqual([]);
  });
});
