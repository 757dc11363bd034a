/**
 * Masking of passwords in connection strings and in any text about to be printed.
 *
 * This module has no imports so that `src/errors.ts` can use it without a cycle;
 * `src/config/url.ts` re-exports it next to the URL parser.
 */

/** What a masked password is replaced with. */
export const MASK = '****';

const POSTGRES_SCHEME = /^(postgres(?:ql)?:\/\/)/i;
/** A libpq URI inside free text: it ends at whitespace, a quote or an angle bracket. */
const URL_IN_TEXT = /postgres(?:ql)?:\/\/[^\s'"<>]*/gi;
/** `password=...` in a query string or a keyword/value conninfo string, quoted or not. */
const PASSWORD_KEYWORD = /(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&#]*)/gi;
/** A password as an SQL literal: `OPTIONS (password 'x')` of a user mapping, `PASSWORD 'x'` of a role. */
const SQL_PASSWORD_LITERAL = /(\bpassword\s+)'(?:[^']|'')*'/gi;
/** Any `user:secret@` shape, greedy up to the last `@` of the token (over-masking is safe). */
const GENERIC_USERINFO = /((?:[a-z][a-z0-9+.-]*:\/\/|^|\s)[^\s:/@]*:)\S*@/gi;

const registered = new Set<string>();

/**
 * Remember a secret (a password read from a URL or a file) so that
 * {@link redactSecrets} removes it from everything the CLI prints.
 */
export function registerSecret(secret: string): void {
  if (secret.length > 0) registered.add(secret);
}

/** The secrets registered so far, longest first (so a secret containing another is replaced whole). */
export function listRegisteredSecrets(): string[] {
  return sortLongestFirst([...registered]);
}

/**
 * Replace the password of a libpq URI (`postgres://` or `postgresql://`, in the
 * userinfo and in a `password=` query parameter) with `****`. Never throws: a string
 * that is not such a URI gets any `:secret@` and `password=secret` shape masked.
 */
export function maskUrl(url: string): string {
  const scheme = POSTGRES_SCHEME.exec(url);
  if (scheme === null) return maskGeneric(url);
  const prefix = scheme[1] ?? '';
  return prefix + maskAfterScheme(url.slice(prefix.length));
}

/**
 * Remove every secret from `text`: each occurrence of each secret (also in its
 * percent-encoded form, as it appears in URLs) becomes `****`, and every
 * connection URL, `password=` keyword and SQL `password '...'` literal is masked.
 */
export function redactSecrets(text: string, secrets: string[] = listRegisteredSecrets()): string {
  let out = text;
  for (const secret of sortLongestFirst(secrets)) {
    if (secret.length === 0) continue;
    out = out.replace(secretPattern(secret), MASK);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.replace(secretPattern(encoded), MASK);
  }
  out = out.replace(URL_IN_TEXT, (match) => maskUrl(match));
  out = out.replace(SQL_PASSWORD_LITERAL, `$1'${MASK}'`);
  return out.replace(PASSWORD_KEYWORD, `$1${MASK}`);
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

/**
 * A secret as a whole token: not part of a longer word, and never a URL's scheme. A password
 * such as 'postgres' or 'e' would otherwise turn `postgres://` into `****://` and every 'e' of
 * the output into `****`; where such a password stands on its own, it is still masked.
 */
function secretPattern(secret: string): RegExp {
  const escaped = secret.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const before = WORD_CHAR.test(secret[0]!) ? '(?<![\\p{L}\\p{N}_])' : '';
  const after = WORD_CHAR.test(secret[secret.length - 1]!) ? '(?![\\p{L}\\p{N}_])' : '';
  return new RegExp(`${before}${escaped}${after}(?!:\\/\\/)`, 'gu');
}

function maskAfterScheme(rest: string): string {
  // The userinfo ends at the last '@' before the query: a password may hold an
  // unencoded '/' or '@', and masking too much is safer than too little.
  const queryAt = rest.indexOf('?');
  const authorityPart = queryAt === -1 ? rest : rest.slice(0, queryAt);
  const query = queryAt === -1 ? '' : rest.slice(queryAt);
  const at = authorityPart.lastIndexOf('@');
  if (at === -1) {
    // No userinfo before '?': either none at all, or a password holding a '?'.
    return query.includes('@') ? maskGeneric(rest) : rest.replace(PASSWORD_KEYWORD, `$1${MASK}`);
  }
  const userinfo = authorityPart.slice(0, at);
  const colon = userinfo.indexOf(':');
  const maskedUserinfo = colon === -1 ? userinfo : `${userinfo.slice(0, colon + 1)}${MASK}`;
  const maskedQuery = query.replace(PASSWORD_KEYWORD, `$1${MASK}`);
  return `${maskedUserinfo}${authorityPart.slice(at)}${maskedQuery}`;
}

function maskGeneric(text: string): string {
  return text.replace(GENERIC_USERINFO, `$1${MASK}@`).replace(PASSWORD_KEYWORD, `$1${MASK}`);
}

function sortLongestFirst(secrets: string[]): string[] {
  return [...secrets].sort((a, b) => b.length - a.length);
}
