/**
 * What `npm pack` ships is what a user runs: the launcher, the bundled CLI, the catalog SQL and
 * the docs, and nothing of the developer tools (the benchmark, the demo, the test servers),
 * which need the dev dependencies. Reads the built dist/ (make test builds it first).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;

function packedFiles(): string[] {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const [pack] = JSON.parse(r.stdout) as [{ files: { path: string }[] }];
  return pack.files.map((f) => f.path);
}

describe('npm pack', () => {
  it('ships the product and none of the developer tools', () => {
    const files = packedFiles();
    for (const file of ['package.json', 'README.md', 'bin/fdwmig.js', 'dist/bundle/fdwmig.js', 'sql/tables.sql'])
      expect(files, file).toContain(file);
    expect(files.filter((f) => f.startsWith('dist/cli/')).length).toBeGreaterThan(0);
    expect(files.filter((f) => f.startsWith('sql/')).length).toBeGreaterThan(5);
    const tools = files.filter((f) => /^(tools|dist-tools|dist\/bench|dist\/dev)\/|(^|\/)(bench|dev)\//.test(f));
    expect(tools).toEqual([]);
  });
});
