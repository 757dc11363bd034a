/**
 * The layer rule (.dependency-cruiser.cjs, docs/ARCHITECTURE.md), as `make lint` runs it: it
 * refuses an upward import and a connection opened outside exec/ in a fixture tree, and finds
 * nothing to refuse in the product and its tools.
 */
import { cruise, type IViolation } from 'dependency-cruiser';
import extractDepcruiseConfig from 'dependency-cruiser/config-utl/extract-depcruise-config';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url).pathname;

async function violations(dirs: string[], baseDir: string): Promise<[string, string, string][]> {
  const config = await extractDepcruiseConfig(`${ROOT}.dependency-cruiser.cjs`);
  const result = await cruise(
    dirs,
    { ...config.options, validate: true, ruleSet: { forbidden: config.forbidden }, baseDir },
    {},
    { tsConfig: extractTSConfig(`${ROOT}tsconfig.json`) },
  );
  if (typeof result.output === 'string') throw new Error('dependency-cruiser returned text, not results');
  return result.output.summary.violations.map((v: IViolation) => [v.rule.name, v.from, v.to]);
}

describe('the layer rule', () => {
  it('refuses an upward import and pg opened outside exec/, and allows the imports that point down', async () => {
    const found = await violations(['src'], `${ROOT}test/fixtures/layers`);
    expect(found).toEqual([
      ['layer-plan', 'src/plan/upward.ts', 'src/cli/command.ts'],
      ['pg-only-in-exec', 'src/fdw/opens-pg.ts', expect.stringMatching(/node_modules\/pg\//)],
    ]);
  }, 60_000);

  it('finds nothing to refuse in src/ and tools/', async () => {
    expect(await violations(['src', 'tools'], ROOT)).toEqual([]);
  }, 60_000);
});
