/**
 * Table selection names (`--schemas`, `--tables`, `--exclude-tables`) that name nothing on the
 * server: a typo there would otherwise select no table at all and "succeed" doing nothing.
 */
import { ConfigError } from '../errors.js';
import type { Config } from './schema.js';

type Selection = Pick<Config, 'schemas' | 'tables' | 'excludeTables'>;

/** Which selection names match no schema or table, per option. Pure. */
export function findUnknownSelections(
  existing: readonly { schema: string; name: string }[],
  sel: Selection,
): { schemas: string[]; tables: string[]; excludeTables: string[] } {
  const tables = new Set(existing.map((t) => `${t.schema}.${t.name}`));
  const schemas = new Set(existing.map((t) => t.schema));
  return {
    schemas: (sel.schemas ?? []).filter((s) => !schemas.has(s)),
    tables: (sel.tables ?? []).filter((t) => !tables.has(t)),
    excludeTables: (sel.excludeTables ?? []).filter((t) => !tables.has(t)),
  };
}

/**
 * A ConfigError naming each `--schemas` / `--tables` entry that matches nothing on `side`, or
 * null. Unknown `--exclude-tables` entries are returned apart: excluding a missing table is
 * harmless, so callers only warn about them.
 */
export function selectionError(
  existing: readonly { schema: string; name: string }[],
  sel: Selection,
  side: 'OLD' | 'NEW',
): { error: ConfigError | null; unknownExcludes: string[] } {
  const unknown = findUnknownSelections(existing, sel);
  const lines = [
    ...unknown.schemas.map((s) => `--schemas ${s}: no table in that schema on ${side}`),
    ...unknown.tables.map((t) => `--tables ${t}: no such table on ${side}`),
  ];
  const error =
    lines.length === 0
      ? null
      : new ConfigError(
          `${lines.length === 1 ? lines[0] : `the table selection names nothing on ${side}:\n${lines.map((l) => `  - ${l}`).join('\n')}`}`,
          {
            hint: "names are case-sensitive and written schema.table, without quotes (e.g. 'Sales Dept.Order'); 'fdwmig check' lists the tables",
          },
        );
  return { error, unknownExcludes: unknown.excludeTables };
}
