/**
 * Merge the config sources, lowest first: defaults < config file < environment < flags.
 * All I/O (file reads, environment) is injected.
 */
import { ConfigError } from '../errors.js';
import { formatIssues } from './format-issues.js';
import type { z } from 'zod';
import { CONFIG_KEYS, ConfigFileSchema, ConfigSchema, type Config } from './schema.js';
import { findPgPassPassword, isTooOpen } from './pgpass.js';
import { findUrlPasswords, parsePgUrl, registerSecret, setUrlPassword } from './url.js';

export interface LoadConfigInput {
  /** Options as commander produces them (camelCase keys); `undefined` means not given. */
  flags: Readonly<Record<string, unknown>>;
  env: Readonly<Record<string, string | undefined>>;
  readFile: (path: string) => Promise<string>;
  /** The permission bits of a file, or null when unknown; used to refuse a password file others can read. */
  fileMode?: (path: string) => Promise<number | null>;
}

type Side = 'old' | 'new';
type RawRecord = Record<string, unknown>;

/** Flags whose config key has another name; every other config key passes through as is. */
const FLAG_TO_KEY: Readonly<Record<string, keyof Config>> = { old: 'oldUrl', new: 'newUrl', batch: 'batchSize' };
const URL_KEY = { old: 'oldUrl', new: 'newUrl' } as const;
const CONFIG_HELP = "run 'fdwmig config --help' for every key and its default";

/**
 * Build the config from defaults, the JSON config file (`flags.config` or
 * `FDWMIG_CONFIG`), the environment and the flags, in rising precedence. Password
 * files are read into the URLs, and for a URL still without a password, libpq's password
 * file (PGPASSFILE or ~/.pgpass); every password is registered as a secret.
 * @throws ConfigError listing every problem, with the path of each.
 */
export async function loadConfig({ flags, env, readFile, fileMode }: LoadConfigInput): Promise<Config> {
  const file = await readConfigFile(pickString(flags.config) ?? pickEnv(env, 'FDWMIG_CONFIG'), readFile);
  const sources = [file, readEnvConfig(env), readFlagConfig(flags)];
  sources.forEach(registerUrlSecrets);
  const merged: RawRecord = Object.assign({}, ...sources);
  requireUrls(merged);
  const config = parseOrThrow(ConfigSchema, merged, 'invalid configuration');
  for (const side of ['old', 'new'] as const) {
    checkUrl(config[URL_KEY[side]], side);
    const passwordFile = pickPasswordFile(side, flags, env);
    if (passwordFile !== undefined) {
      const password = await readPasswordFile(side, passwordFile, readFile);
      config[URL_KEY[side]] = setUrlPassword(config[URL_KEY[side]], password);
    } else if (parsePgUrl(config[URL_KEY[side]]).password === undefined) {
      // In the URL itself, not left to node-postgres: postgres_fdw's user mapping needs it too.
      const password = await readPgPass(config[URL_KEY[side]], { env, readFile, fileMode });
      if (password !== undefined) config[URL_KEY[side]] = setUrlPassword(config[URL_KEY[side]], password);
    }
  }
  return config;
}

/**
 * The password libpq would take from its password file (PGPASSFILE, else ~/.pgpass) for
 * `url`, matched on host, port, database and user with node-postgres's defaults for absent
 * parts. A missing or unreadable file gives none, as in libpq.
 * @throws ConfigError when the matching file is open to group or others (libpq refuses it).
 */
async function readPgPass(
  url: string,
  io: Pick<LoadConfigInput, 'env' | 'readFile' | 'fileMode'>,
): Promise<string | undefined> {
  const env = io.env;
  const path = pickEnv(env, 'PGPASSFILE') ?? (pickEnv(env, 'HOME') === undefined ? undefined : `${env.HOME}/.pgpass`);
  const u = parsePgUrl(url);
  const user = u.user ?? pickEnv(env, 'PGUSER') ?? pickEnv(env, 'USER');
  if (path === undefined || user === undefined) return undefined;
  const text = await io.readFile(path).catch(() => undefined);
  if (text === undefined) return undefined;
  const host = u.host ?? pickEnv(env, 'PGHOST') ?? 'localhost';
  const password = findPgPassPassword(text, {
    // libpq looks a Unix-domain socket up as localhost.
    host: host.startsWith('/') ? 'localhost' : host,
    port: u.port ?? Number(pickEnv(env, 'PGPORT') ?? 5432),
    database: u.database ?? pickEnv(env, 'PGDATABASE') ?? user,
    user,
  });
  if (password === undefined || password === '') return undefined;
  registerSecret(password);
  const mode = (await io.fileMode?.(path)) ?? null;
  if (mode !== null && isTooOpen(mode)) {
    throw new ConfigError(
      `the password file ${path} may be read by group or others, so libpq ignores it, and fdwmig too`,
      {
        hint: `chmod 0600 ${path}`,
      },
    );
  }
  return password;
}

async function readConfigFile(path: string | undefined, readFile: LoadConfigInput['readFile']): Promise<RawRecord> {
  if (path === undefined) return {};
  const text = await readFile(path).catch((cause: unknown) => {
    const missing = (cause as { code?: unknown }).code === 'ENOENT';
    throw new ConfigError(
      missing ? `config file not found: ${path}` : `cannot read config file ${path}: ${String(cause)}`,
      {
        hint: 'check the path given to --config / FDWMIG_CONFIG',
        cause,
      },
    );
  });
  const parsed = parseJson(path, text);
  parseOrThrow(ConfigFileSchema, parsed, `invalid config file ${path}`);
  // The raw object, not the parsed one: defaults are applied once, after the merge.
  return parsed as RawRecord;
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(cause as Error).message}`, {
      hint: 'the file must hold one JSON object, e.g. {"oldUrl": "postgres://...", "batchSize": 5000}',
      cause,
    });
  }
}

function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const bullets = formatIssues(result.error.issues, CONFIG_KEYS);
  throw new ConfigError(`${what}:\n${bullets.join('\n')}`, { hint: CONFIG_HELP });
}

function readEnvConfig(env: LoadConfigInput['env']): RawRecord {
  return withoutUndefined({ oldUrl: pickEnv(env, 'FDWMIG_OLD_URL'), newUrl: pickEnv(env, 'FDWMIG_NEW_URL') });
}

function readFlagConfig(flags: LoadConfigInput['flags']): RawRecord {
  const raw: RawRecord = {};
  for (const [flag, value] of Object.entries(flags)) {
    const key = FLAG_TO_KEY[flag] ?? (CONFIG_KEYS as readonly string[]).find((k) => k === flag);
    if (key !== undefined && value !== undefined) raw[key] = value;
  }
  return raw;
}

function requireUrls(merged: RawRecord): void {
  const missing = (['old', 'new'] as const).filter((side) => merged[URL_KEY[side]] === undefined);
  if (missing.length === 0) return;
  const names = missing.map((side) => `the ${side.toUpperCase()} server URL`).join(' and ');
  const hints = missing.map((side) => `pass --${side} URL or set FDWMIG_${side.toUpperCase()}_URL`);
  throw new ConfigError(`missing ${names}`, {
    hint: `${hints.join('; ')} (or ${missing.map((s) => URL_KEY[s]).join('/')} in the config file)`,
  });
}

function pickPasswordFile(
  side: Side,
  flags: LoadConfigInput['flags'],
  env: LoadConfigInput['env'],
): string | undefined {
  return pickString(flags[`${side}PasswordFile`]) ?? pickEnv(env, `FDWMIG_${side.toUpperCase()}_PASSWORD_FILE`);
}

async function readPasswordFile(side: Side, path: string, readFile: LoadConfigInput['readFile']): Promise<string> {
  const source = `--${side}-password-file / FDWMIG_${side.toUpperCase()}_PASSWORD_FILE`;
  const text = await readFile(path).catch((cause: unknown) => {
    throw new ConfigError(`cannot read the ${side.toUpperCase()} password file ${path}: ${String(cause)}`, {
      hint: `check the path given to ${source}`,
      cause,
    });
  });
  const password = text.trim();
  if (password === '') {
    throw new ConfigError(`the ${side.toUpperCase()} password file ${path} is empty`, {
      hint: `write the password into the file, or drop ${source}`,
    });
  }
  registerSecret(password);
  return password;
}

/** Register the passwords of every URL a source gives, before anything can print them. */
function registerUrlSecrets(source: RawRecord): void {
  for (const value of [source.oldUrl, source.newUrl]) {
    if (typeof value === 'string') findUrlPasswords(value).forEach(registerSecret);
  }
}

function checkUrl(url: string, side: Side): void {
  try {
    parsePgUrl(url);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const source = `--${side} / FDWMIG_${side.toUpperCase()}_URL`;
    throw new ConfigError(`${side.toUpperCase()} server URL (${source}): ${err.message}`, {
      hint: err.hint,
      cause: err,
    });
  }
}

function pickEnv(env: LoadConfigInput['env'], name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function pickString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function withoutUndefined(record: RawRecord): RawRecord {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
