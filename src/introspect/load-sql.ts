import { readFileSync } from 'node:fs';

const cache = new Map<string, string>();

/** Reads a static catalog query from the package's sql/ folder. */
export function loadSql(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    // src/introspect and dist/introspect are both two levels below the package root.
    text = readFileSync(new URL(`../../sql/${name}.sql`, import.meta.url), 'utf8');
    cache.set(name, text);
  }
  return text;
}
