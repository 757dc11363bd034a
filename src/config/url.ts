/**
 * libpq connection URIs: parsing, password injection and masking.
 *
 * Parsing uses the WHATWG `URL` rather than `pg-connection-string`: the latter reads
 * `sslcert`/`sslkey`/`sslrootcert` files from disk and emits process warnings while
 * parsing, which a pure config step must not do (and it is only a transitive dependency).
 */
import { ConfigError } from '../errors.js';
import { maskUrl } from './redact.js';

export { maskUrl, redactSecrets, registerSecret, listRegisteredSecrets } from './redact.js';

/** The parts of a libpq URI; absent parts are `undefined` (libpq then uses its defaults). */
export interface PgUrl {
  host: string | undefined;
  port: number | undefined;
  database: string | undefined;
  user: string | undefined;
  password: string | undefined;
  /** Other query parameters (`sslmode`, `application_name`, ...), decoded. */
  params: Record<string, string>;
}

// Written without a password: a 'user:password@' shape would itself be masked on output.
const URL_FORM_HINT =
  "use the form postgres://user@host:5432/dbname, with the password as 'user:password@' or in a password file";
const SCHEME = /^postgres(?:ql)?:\/\//i;
/** Query parameters that libpq lets override the URI's own parts. */
const PART_PARAMS = new Set(['host', 'port', 'dbname', 'user', 'password']);

/**
 * Parse a `postgres://` or `postgresql://` URI the way libpq reads it: query
 * parameters `host`, `port`, `dbname`, `user` and `password` override the URI parts.
 * @throws ConfigError on another scheme, an unparsable URI or a bad port.
 */
export function parsePgUrl(url: string): PgUrl {
  const parsed = toWhatwgUrl(url);
  const query = new Map(parsed.searchParams.entries());
  const hostname = parsed.hostname.replace(/^\[(.+)\]$/, '$1');
  return {
    host: emptyToUndefined(query.get('host') ?? decodePart(hostname, 'host', url)),
    port: parsePort(query.get('port') ?? parsed.port, url),
    database: emptyToUndefined(query.get('dbname') ?? decodePart(parsed.pathname.slice(1), 'database', url)),
    user: emptyToUndefined(query.get('user') ?? decodePart(parsed.username, 'user', url)),
    password: emptyToUndefined(query.get('password') ?? decodePart(parsed.password, 'password', url)),
    params: Object.fromEntries([...query].filter(([key]) => !PART_PARAMS.has(key))),
  };
}

/**
 * Return `url` with its password set to `password` (percent-encoded), dropping any
 * `password=` query parameter, which libpq would otherwise prefer.
 * @throws ConfigError when `url` is not a valid libpq URI.
 */
export function setUrlPassword(url: string, password: string): string {
  const parsed = toWhatwgUrl(url);
  parsed.searchParams.delete('password');
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/**
 * Every password written in `url`, in its userinfo and in a `password=` parameter
 * (libpq uses only one; both are secrets). Never throws: a malformed URL yields `[]`.
 */
export function findUrlPasswords(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const fromUserinfo = safeDecode(parsed.password);
  const fromQuery = parsed.searchParams.getAll('password');
  return [...new Set([fromUserinfo, parsed.password, ...fromQuery])].filter((p) => p !== '');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function toWhatwgUrl(url: string): URL {
  if (!SCHEME.test(url)) {
    throw new ConfigError(`not a PostgreSQL connection URL: '${maskUrl(url)}'`, {
      hint: `${URL_FORM_HINT} (the scheme must be postgres:// or postgresql://)`,
    });
  }
  try {
    return new URL(url);
  } catch (cause) {
    throw new ConfigError(`malformed connection URL: '${maskUrl(url)}'`, {
      hint: `${URL_FORM_HINT}; the port must be a number from 1 to 65535, and special characters in the password must be percent-encoded (e.g. '@' as %40, '/' as %2F)`,
      cause,
    });
  }
}

function parsePort(text: string, url: string): number | undefined {
  if (text === '') return undefined;
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (port >= 1 && port <= 65535) return port;
  throw new ConfigError(`bad port '${text}' in connection URL '${maskUrl(url)}'`, {
    hint: 'the port must be a whole number from 1 to 65535, e.g. postgres://host:5432/dbname',
  });
}

function decodePart(text: string, part: string, url: string): string {
  try {
    return decodeURIComponent(text);
  } catch (cause) {
    throw new ConfigError(`bad percent-encoding in the ${part} of connection URL '${maskUrl(url)}'`, {
      hint: "write a literal '%' as %25",
      cause,
    });
  }
}

function emptyToUndefined(text: string): string | undefined {
  return text === '' ? undefined : text;
}
