import { existsSync, readFileSync } from 'node:fs';

const cache = new Map<string, string>();
let sqlDir: URL | undefined;

/**
 * The package's sql/ folder, beside the nearest package.json above this module's file: the
 * root's from src/ (tests), dist/, dist/bundle/ (the bundled CLI) and the tools' build alike,
 * and the installed package's own.
 */
function findSqlDir(): URL {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    if (existsSync(new URL('package.json', dir))) return new URL('sql/', dir);
    if (dir.pathname === '/') throw new Error(`no package.json above ${import.meta.url}`);
  }
}

/** Reads a static catalog query from the package's sql/ folder. */
export function loadSql(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    sqlDir ??= findSqlDir();
    text = readFileSync(new URL(`${name}.sql`, sqlDir), 'utf8');
    cache.set(name, text);
  }
  return text;
}
