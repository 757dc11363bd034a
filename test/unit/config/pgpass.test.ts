import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { findPgPassPassword, isTooOpen, parsePgPassLine } from '../../../src/config/pgpass.js';
import { listRegisteredSecrets } from '../../../src/config/redact.js';
import { parsePgUrl } from '../../../src/config/url.js';

const TARGET = { host: 'old-db', port: 5432, database: 'shop', user: 'app' };

describe('parsePgPassLine', () => {
  it('splits five fields and unescapes \\: and \\\\', () => {
    expect(parsePgPassLine('h:5432:db:u:pw')).toEqual(['h', '5432', 'db', 'u', 'pw']);
    expect(parsePgPassLine('h\\:x:*:d\\\\b:u:p\\:w\\\\d')).toEqual(['h:x', '*', 'd\\b', 'u', 'p:w\\d']);
  });

  it('keeps unescaped colons in the password, as libpq does', () => {
    expect(parsePgPassLine('h:1:d:u:a:b:c')).toEqual(['h', '1', 'd', 'u', 'a:b:c']);
  });

  it('returns null for a line with fewer than five fields', () => {
    expect(parsePgPassLine('h:1:d:u')).toBeNull();
  });
});

describe('findPgPassPassword', () => {
  it('takes the first matching line; * matches anything; comments and malformed lines are skipped', () => {
    const text = [
      '# comment',
      'old-db:5432:shop:other:no',
      'broken line',
      'old-db:*:shop:app:first',
      '*:*:*:*:second',
      '',
    ].join('\n');
    expect(findPgPassPassword(text, TARGET)).toBe('first');
    expect(findPgPassPassword(text, { ...TARGET, user: 'someone' })).toBe('second');
  });

  it('matches each field exactly: case, port and database count', () => {
    const text = 'Old-DB:5432:shop:app:a\nold-db:5433:shop:app:b\nold-db:5432:Shop:app:c\r\n';
    expect(findPgPassPassword(text, TARGET)).toBeUndefined();
  });
});

describe('isTooOpen', () => {
  it('refuses any group or other bit, as libpq does', () => {
    expect(isTooOpen(0o600)).toBe(false);
    expect(isTooOpen(0o400)).toBe(false);
    expect(isTooOpen(0o640)).toBe(true);
    expect(isTooOpen(0o604)).toBe(true);
  });
});

describe('loadConfig with a password file of libpq', () => {
  const files: Record<string, string> = {
    '/secrets/pgpass': 'old-db:5432:shop:app:p@ss\\:w/rd\nnew-db:6432:shop:app:new-pw\n',
    '/home/me/.pgpass': '*:*:*:*:from-home\n',
  };
  const load = (flags: Record<string, unknown>, env: Record<string, string>, mode = 0o600) =>
    loadConfig({
      flags,
      env,
      fileMode: async () => mode,
      readFile: async (path) => files[path] ?? Promise.reject(Object.assign(new Error('ENOENT'), { code: 'ENOENT' })),
    });

  it('puts the matching password into each URL that has none, and registers it as a secret', async () => {
    const c = await load(
      { old: 'postgres://app@old-db/shop', new: 'postgres://app@new-db:6432/shop' },
      { PGPASSFILE: '/secrets/pgpass' },
    );
    expect(parsePgUrl(c.oldUrl).password).toBe('p@ss:w/rd');
    expect(parsePgUrl(c.newUrl).password).toBe('new-pw');
    expect(listRegisteredSecrets()).toEqual(expect.arrayContaining(['p@ss:w/rd', 'new-pw']));
  });

  it('never overrides a password in the URL or from a password file', async () => {
    const c = await load(
      {
        old: 'postgres://app:inline@old-db/shop',
        new: 'postgres://app@new-db:6432/shop',
        newPasswordFile: '/home/me/.pgpass',
      },
      { PGPASSFILE: '/secrets/pgpass' },
    );
    expect(parsePgUrl(c.oldUrl).password).toBe('inline');
    expect(parsePgUrl(c.newUrl).password).toBe('*:*:*:*:from-home');
  });

  it('falls back to ~/.pgpass, and uses PGUSER when the URL names no user', async () => {
    const c = await load(
      { old: 'postgres://old-db/shop', new: 'postgres://new-db/shop' },
      { HOME: '/home/me', PGUSER: 'app' },
    );
    expect(parsePgUrl(c.oldUrl).password).toBe('from-home');
  });

  it('leaves the URL alone when no line matches or the file does not exist', async () => {
    const c = await load(
      { old: 'postgres://app@elsewhere/shop', new: 'postgres://app@new-db/shop' },
      { PGPASSFILE: '/nowhere' },
    );
    expect(parsePgUrl(c.oldUrl).password).toBeUndefined();
    const d = await load(
      { old: 'postgres://app@elsewhere/shop', new: 'postgres://app@new-db/shop' },
      { PGPASSFILE: '/secrets/pgpass' },
    );
    expect(parsePgUrl(d.oldUrl).password).toBeUndefined();
  });

  it('refuses a matching file that group or others may read, with the fix', async () => {
    const err = await load(
      { old: 'postgres://app@old-db/shop', new: 'postgres://app:x@new-db/shop' },
      { PGPASSFILE: '/secrets/pgpass' },
      0o644,
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFIG', exitCode: 2, hint: 'chmod 0600 /secrets/pgpass' });
    expect(String((err as Error).message)).not.toContain('p@ss');
  });
});
