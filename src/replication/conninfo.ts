/**
 * The connection string NEW's subscription uses to reach OLD, built from the OLD URL. It holds
 * OLD's password, so it comes in two forms: one to print (password masked) and one to run.
 */
import { MASK } from '../config/redact.js';
import { oldEndpointFromUrl } from '../config/old-endpoint.js';

export interface SubscriptionConninfo {
  /** For plans and messages: `password=****`. */
  printable: string;
  /** What CREATE SUBSCRIPTION receives; never printed. */
  secret: string;
}

/** libpq's keyword/value syntax: a value with a space, quote or backslash (or none) is quoted. */
export function conninfoValue(value: string): string {
  if (/^[^\s'\\]+$/.test(value)) return value;
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function render(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => `${k}=${conninfoValue(v)}`).join(' ');
}

/**
 * host, port, dbname, user, password and the TLS-like options of the OLD URL, as NEW needs them
 * (the same address must work from NEW's host, as for the FDW mode).
 */
export function subscriptionConninfo(oldUrl: string): SubscriptionConninfo {
  const e = oldEndpointFromUrl(oldUrl);
  const base: [string, string][] = [
    ['host', e.host],
    ['port', String(e.port)],
    ['dbname', e.dbname],
    ['user', e.user],
  ];
  const extra = Object.entries(e.libpqOptions).filter(([k]) => k !== 'application_name');
  if (e.password === null) return { printable: render([...base, ...extra]), secret: render([...base, ...extra]) };
  return {
    printable: render([...base, ['password', MASK], ...extra]),
    secret: render([...base, ['password', e.password], ...extra]),
  };
}
