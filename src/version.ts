import { existsSync, readFileSync } from 'node:fs';

/**
 * fdwmig's package.json: the nearest one above this module's file. That is the root's from
 * src/ (tests), dist/ and dist/bundle/ (the bundled CLI) alike.
 */
function packageJsonUrl(): URL {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    const file = new URL('package.json', dir);
    if (existsSync(file)) return file;
    if (dir.pathname === '/') throw new Error(`no package.json above ${import.meta.url}`);
  }
}

/** fdwmig's version, from package.json. */
export const FDWMIG_VERSION: string = (JSON.parse(readFileSync(packageJsonUrl(), 'utf8')) as { version: string })
  .version;
