/**
 * The one module that builds SQL text from names. Values travel as $n parameters everywhere
 * else; a literal is used only where PostgreSQL accepts no parameter (DDL options).
 */
import format from 'pg-format';

/**
 * Quotes an identifier, always: "Order", "user", "a""b". pg-format's %I leaves a name bare
 * when it is lower-case and not on its own keyword list, which goes stale with new server
 * versions; a quoted name is right on every version.
 */
export function ident(name: string): string {
  if (name.length === 0 || name.includes('\0')) throw new Error(`invalid identifier ${JSON.stringify(name)}`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a schema-qualified name. */
export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/** Quotes a string literal for places where $n is impossible (DDL options). */
export function literal(value: string): string {
  return format.literal(value);
}

/** A comma-separated list of quoted identifiers. */
export function identList(names: readonly string[]): string {
  return names.map(ident).join(', ');
}

/** `name 'value', ...` for an OPTIONS (...) clause. */
export function optionList(options: Readonly<Record<string, string>>): string {
  return Object.entries(options)
    .map(([k, v]) => `${ident(k)} ${format.literal(v)}`)
    .join(', ');
}

/** PostgreSQL truncates identifiers to 63 bytes. */
export const MAX_IDENTIFIER_BYTES = 63;
