import { describe, expect, it } from 'vitest';
import { listRegisteredSecrets, maskUrl, redactSecrets, registerSecret } from '../../../src/config/redact.js';

describe('maskUrl', () => {
  it.each([
    ['postgres://u:s3cret@h:5432/db', 'postgres://u:****@h:5432/db'],
    ['postgresql://u:s3cret@h/db?sslmode=require', 'postgresql://u:****@h/db?sslmode=require'],
    ['POSTGRES://u:s3cret@h/db', 'POSTGRES://u:****@h/db'],
    ['postgres://u@h/db?password=s3cret&sslmode=require', 'postgres://u@h/db?password=****&sslmode=require'],
    ['postgres://u:a@b/c@h/db', 'postgres://u:****@h/db'],
    ['postgres://u:a?b@h/db', 'postgres://u:****@h/db'],
    ['postgres://u:p%40ss@[::1]:5432/db', 'postgres://u:****@[::1]:5432/db'],
  ])('masks the password of %s', (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });

  it.each(['postgres://h/db', 'postgres://u@h:5432/db?application_name=x', 'postgres:///db?host=/tmp', ''])(
    'leaves %s without a password unchanged',
    (url) => {
      expect(maskUrl(url)).toBe(url);
    },
  );

  it('masks :secret@ in strings that are not libpq URIs, and never throws', () => {
    expect(maskUrl('mysql://u:s3cret@h/db')).toBe('mysql://u:****@h/db');
    expect(maskUrl('u:s3cret@h')).toBe('u:****@h');
    expect(maskUrl('host=h password=s3cret dbname=d')).toBe('host=h password=**** dbname=d');
    expect(() => maskUrl('%%%://::@@')).not.toThrow();
  });

  it('over-masks rather than leaks when a query value holds an @', () => {
    expect(maskUrl('postgres://h:5432/db?application_name=a@b')).not.toContain('5432/db?application_name=a');
  });
});

describe('redactSecrets', () => {
  it('replaces every occurrence of the given secrets, raw and percent-encoded', () => {
    const text = 'p@ss failed; again p@ss; url postgres://u:p%40ss@h/db; bare p%40ss';
    expect(redactSecrets(text, ['p@ss'])).toBe('**** failed; again ****; url postgres://u:****@h/db; bare ****');
  });

  it('masks URLs inside free text even when the secret is unknown', () => {
    expect(redactSecrets("cannot connect to 'postgres://u:hunter2@h/db' now", [])).toBe(
      "cannot connect to 'postgres://u:****@h/db' now",
    );
  });

  it('masks passwords written as SQL literals, with doubled quotes inside', () => {
    const sql =
      "CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', password 'it''s'); ALTER ROLE r PASSWORD 'x'";
    expect(redactSecrets(sql, [])).toBe(
      "CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', password '****'); ALTER ROLE r PASSWORD '****'",
    );
  });

  it('replaces the longer of two overlapping secrets whole', () => {
    expect(redactSecrets('abcdef', ['abc', 'abcdef'])).toBe('****');
  });

  it('uses the registered secrets by default and ignores empty ones', () => {
    registerSecret('');
    registerSecret('tops3cret');
    expect(listRegisteredSecrets()).toEqual(['tops3cret']);
    expect(redactSecrets('the password is tops3cret')).toBe('the password is ****');
  });
});

describe('redactSecrets with short or common passwords', () => {
  it("masks 'postgres' where it stands alone, never the URL scheme or inside other words", () => {
    const text = 'cannot connect to postgres://postgres:postgres@h/postgres as postgres (postgresql, my_postgres_db)';
    expect(redactSecrets(text, ['postgres'])).toBe(
      'cannot connect to postgres://****:****@h/**** as **** (postgresql, my_postgres_db)',
    );
  });

  it('leaves words alone that merely contain a one-letter password', () => {
    expect(redactSecrets('{"newUrl": "postgres://app:e@h/shop", "sequenceGap": 1}', ['e'])).toBe(
      '{"newUrl": "postgres://app:****@h/shop", "sequenceGap": 1}',
    );
  });

  it('still masks a password made of punctuation, or ending in it, wherever it is', () => {
    expect(redactSecrets('x!!y and a!!', ['!!'])).toBe('x****y and a****');
    expect(redactSecrets('pass: s3cret! here', ['s3cret!'])).toBe('pass: **** here');
  });
});
