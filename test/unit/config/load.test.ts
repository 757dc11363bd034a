import { describe, expect, it } from 'vitest';
import { loadConfig, type LoadConfigInput } from '../../../src/config/load.js';
import { listRegisteredSecrets } from '../../../src/config/redact.js';
import { parsePgUrl } from '../../../src/config/url.js';
import { ConfigError } from '../../../src/errors.js';

const OLD = 'postgres://app@old-db/shop';
const NEW = 'postgres://app@new-db/shop';

/** loadConfig with an in-memory file system. */
function load(flags: LoadConfigInput['flags'], env: LoadConfigInput['env'] = {}, files: Record<string, string> = {}) {
  return loadConfig({
    flags,
    env,
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined)
        throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
      return text;
    },
  });
}

async function loadError(...args: Parameters<typeof load>): Promise<ConfigError> {
  const err = await load(...args).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).exitCode).toBe(2);
  return err as ConfigError;
}

const fileWith = (content: object) => ({ 'fdwmig.json': JSON.stringify(content) });

describe('loadConfig precedence: flags > env > file > defaults', () => {
  it('file > defaults', async () => {
    const config = await load({ config: 'fdwmig.json' }, {}, fileWith({ oldUrl: OLD, newUrl: NEW, batchSize: 7 }));
    expect(config.batchSize).toBe(7);
    expect(config.concurrency).toBe(2);
  });

  it('env > defaults and env > file', async () => {
    const env = {
      FDWMIG_OLD_URL: 'postgres://env-old/db',
      FDWMIG_NEW_URL: 'postgres://env-new/db',
      FDWMIG_CONFIG: 'fdwmig.json',
    };
    const config = await load({}, env, fileWith({ oldUrl: OLD, newUrl: NEW }));
    expect(config.oldUrl).toBe('postgres://env-old/db');
    expect(config.newUrl).toBe('postgres://env-new/db');
  });

  it('flags > defaults and flags > file', async () => {
    const config = await load(
      { config: 'fdwmig.json', old: 'postgres://flag-old/db', batch: 9, concurrency: 3, json: true },
      {},
      fileWith({ oldUrl: OLD, newUrl: NEW, batchSize: 7, json: false }),
    );
    expect(config).toMatchObject({
      oldUrl: 'postgres://flag-old/db',
      newUrl: NEW,
      batchSize: 9,
      concurrency: 3,
      json: true,
    });
  });

  it('flags > env', async () => {
    const config = await load({ old: 'postgres://flag-old/db', new: NEW }, { FDWMIG_OLD_URL: 'postgres://env-old/db' });
    expect(config.oldUrl).toBe('postgres://flag-old/db');
  });

  it('--config > FDWMIG_CONFIG, and the password-file flag > its env variable', async () => {
    const files = {
      'flag.json': JSON.stringify({ oldUrl: OLD, newUrl: NEW, batchSize: 1 }),
      'env.json': JSON.stringify({ oldUrl: OLD, newUrl: NEW, batchSize: 2 }),
      'flag.pw': 'from-flag\n',
      'env.pw': 'from-env\n',
    };
    const config = await load(
      { config: 'flag.json', oldPasswordFile: 'flag.pw' },
      { FDWMIG_CONFIG: 'env.json', FDWMIG_OLD_PASSWORD_FILE: 'env.pw' },
      files,
    );
    expect(config.batchSize).toBe(1);
    expect(parsePgUrl(config.oldUrl).password).toBe('from-flag');
  });

  it('treats undefined flags and empty env variables as not given', async () => {
    const config = await load(
      { old: undefined, new: NEW, batch: undefined },
      { FDWMIG_OLD_URL: OLD, FDWMIG_NEW_URL: '' },
    );
    expect(config).toMatchObject({ oldUrl: OLD, newUrl: NEW });
    expect(config.batchSize).toBeUndefined();
  });

  it('ignores flags that are not config keys (a command’s own options)', async () => {
    const config = await load({ old: OLD, new: NEW, table: 'x', oldPasswordFile: undefined });
    expect(config).not.toHaveProperty('table');
  });
});

describe('loadConfig password files', () => {
  it('injects the trimmed file content as the password and registers it as a secret', async () => {
    const config = await load(
      { old: 'postgres://app:inline@old-db/shop?password=q', new: NEW },
      { FDWMIG_OLD_PASSWORD_FILE: 'old.pw', FDWMIG_NEW_PASSWORD_FILE: 'new.pw' },
      {
        'old.pw': '  s3cr@t/old \n',
        'new.pw': 'new-pw\n',
      },
    );
    expect(parsePgUrl(config.oldUrl)).toMatchObject({ user: 'app', password: 's3cr@t/old', params: {} });
    expect(parsePgUrl(config.newUrl).password).toBe('new-pw');
    expect(listRegisteredSecrets()).toEqual(expect.arrayContaining(['s3cr@t/old', 'new-pw', 'inline', 'q']));
  });

  it('rejects a missing or empty password file', async () => {
    const missing = await loadError({ old: OLD, new: NEW, newPasswordFile: 'nope.pw' });
    expect(missing.message).toContain('cannot read the NEW password file nope.pw');
    expect(missing.hint).toContain('--new-password-file / FDWMIG_NEW_PASSWORD_FILE');
    const empty = await loadError({ old: OLD, new: NEW, oldPasswordFile: 'empty.pw' }, {}, { 'empty.pw': '\n' });
    expect(empty.message).toContain('OLD password file empty.pw is empty');
  });
});

describe('loadConfig errors', () => {
  it('names both missing URLs and how to give them', async () => {
    const err = await loadError({});
    expect(err.message).toBe('missing the OLD server URL and the NEW server URL');
    expect(err.hint).toContain('pass --old URL or set FDWMIG_OLD_URL');
    expect(err.hint).toContain('pass --new URL or set FDWMIG_NEW_URL');
    const one = await loadError({ old: OLD });
    expect(one.message).toBe('missing the NEW server URL');
  });

  it('reports a missing config file', async () => {
    const err = await loadError({ config: 'nope.json' });
    expect(err.message).toBe('config file not found: nope.json');
    expect(err.hint).toContain('--config / FDWMIG_CONFIG');
  });

  it('reports invalid JSON', async () => {
    const err = await loadError({ config: 'bad.json' }, {}, { 'bad.json': '{ "batchSize": 1,' });
    expect(err.message).toMatch(/^config file bad\.json is not valid JSON: /);
  });

  it('lists every problem of the file as a bullet with its path', async () => {
    const err = await loadError(
      { config: 'fdwmig.json' },
      {},
      fileWith({ oldUrl: OLD, newUrl: NEW, batchSize: 'lots', concurrency: 0, colour: 'red' }),
    );
    expect(err.message).toBe(
      [
        'invalid config file fdwmig.json:',
        '- batchSize: expected a whole number from 1 to 1000000',
        '- concurrency: expected a whole number from 1 to 64',
        '- colour: unknown key',
      ].join('\n'),
    );
  });

  it('validates the merged result, e.g. a flag out of range', async () => {
    const err = await loadError({ old: OLD, new: NEW, concurrency: 100 });
    expect(err.message).toBe('invalid configuration:\n- concurrency: expected a whole number from 1 to 64');
  });

  it('rejects a malformed URL, naming its source, without showing the password', async () => {
    const err = await loadError({ old: 'postgres://u:s3cret@h:99999/db', new: NEW });
    expect(err.message).toMatch(/^OLD server URL \(--old \/ FDWMIG_OLD_URL\): malformed connection URL/);
    expect(err.message).not.toContain('s3cret');
  });
});
