/**
 * The product apart from its tools: src/ (what the package ships, built into dist/) imports
 * nothing from tools/ (the benchmark, the demo, the test servers), which may import src/.
 * tsconfig.build.json's rootDir (src) fails the build on such an import too; this names it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;

const sources = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

describe('layout', () => {
  it('src/ imports nothing outside src/', () => {
    const files = sources('src');
    expect(files.length).toBeGreaterThan(50);
    const outside: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/(?:from |import\(|^import )\s*'(\.{1,2}\/[^']+)'/gm)) {
        const target = relative(ROOT, join(ROOT, dirname(file), m[1]!));
        if (!target.startsWith('src/')) outside.push(`${file}: ${m[1]}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
