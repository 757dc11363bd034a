/**
 * The repository's root, for the files the tools read beside the code (sql/demo/, bin/,
 * .fdwmig-demo/): the nearest folder above this module's file that holds package.json. That is
 * the root from tools/ (vitest runs the sources) and from dist-tools/tools/ (the build) alike,
 * where a fixed ../../ would not be.
 */
import { existsSync } from 'node:fs';

function findRepoRoot(): URL {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    if (existsSync(new URL('package.json', dir))) return dir;
    if (dir.pathname === '/') throw new Error(`no package.json above ${import.meta.url}`);
  }
}

/** The root as a directory URL (it ends in a slash): `new URL('sql/demo/', REPO_ROOT)`. */
export const REPO_ROOT: URL = findRepoRoot();
