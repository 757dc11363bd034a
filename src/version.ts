import { readFileSync } from 'node:fs';

/** fdwmig's version, from package.json (src/ and dist/ are both one level below the root). */
export const FDWMIG_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
