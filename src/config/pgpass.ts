/**
 * libpq's password file (`PGPASSFILE`, default `~/.pgpass`): lines of
 * `hostname:port:database:username:password`, each of the first four a value or `*`, with `\:`
 * and `\\` escaping a colon or backslash; `#` starts a comment line; the first match wins.
 *
 * node-postgres reads the file for its own connections, but postgres_fdw on NEW needs OLD's
 * password in the user mapping, so fdwmig looks it up itself and puts it into the URL.
 */

/** What a URL connects to, as the password file is matched against it. */
export interface PgPassTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

/** One line's fields, unescaped. */
export type PgPassEntry = [host: string, port: string, database: string, user: string, password: string];

/** Splits a line at unescaped colons and unescapes `\:` and `\\`; null for a malformed line. */
export function parsePgPassLine(line: string): PgPassEntry | null {
  const fields: string[] = [''];
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && i + 1 < line.length) {
      fields[fields.length - 1] += line[++i]!;
    } else if (ch === ':' && fields.length < 5) {
      fields.push('');
    } else {
      fields[fields.length - 1] += ch;
    }
  }
  return fields.length === 5 ? (fields as PgPassEntry) : null;
}

/** The password of the first line matching `target`, as libpq picks it; undefined if none. */
export function findPgPassPassword(text: string, target: PgPassTarget): string | undefined {
  const wanted = [target.host, String(target.port), target.database, target.user];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const entry = parsePgPassLine(raw);
    if (entry === null) continue;
    if (wanted.every((value, i) => entry[i] === '*' || entry[i] === value)) return entry[4];
  }
  return undefined;
}

/** Group or other may read, write or execute: libpq ignores such a file, and so does fdwmig. */
export function isTooOpen(mode: number): boolean {
  return (mode & 0o077) !== 0;
}
