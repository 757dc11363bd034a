import { parsePgUrl } from './url.js';

/** libpq options worth passing to the FDW server (TLS and the like), never the password. */
const PASS_THROUGH = [
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'sslcrl',
  'sslcompression',
  'requirepeer',
  'target_session_attrs',
  'connect_timeout',
  'keepalives',
  'keepalives_idle',
  'keepalives_interval',
  'keepalives_count',
  'tcp_user_timeout',
  'gssencmode',
  'krbsrvname',
  'application_name',
];

/** How NEW's postgres_fdw reaches OLD, from the OLD URL (or the one given for NEW's side). */
/** Where and how NEW's postgres_fdw reaches OLD. */
export interface OldEndpoint {
  host: string;
  port: number;
  dbname: string;
  user: string;
  password: string | null;
  /** libpq options passed through to the server (sslmode, sslrootcert, ...). */
  libpqOptions: Readonly<Record<string, string>>;
}

export function oldEndpointFromUrl(url: string): OldEndpoint {
  const u = parsePgUrl(url);
  const libpqOptions: Record<string, string> = {};
  for (const k of PASS_THROUGH) if (u.params[k] !== undefined) libpqOptions[k] = u.params[k]!;
  return {
    host: u.host ?? 'localhost',
    port: u.port ?? 5432,
    dbname: u.database ?? u.user ?? 'postgres',
    // As libpq and node-postgres do for a URL without a user.
    user: u.user ?? process.env.PGUSER ?? process.env.USER ?? 'postgres',
    password: u.password ?? null,
    libpqOptions,
  };
}

/** host:port/db, for messages and the state record. */
export function describeEndpoint(e: OldEndpoint): string {
  return `${e.host}:${e.port}/${e.dbname}`;
}
