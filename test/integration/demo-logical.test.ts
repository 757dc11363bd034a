import { describe, expect, it } from 'vitest';
import { runLogicalDemo } from '../../tools/dev/demo-logical.js';

describe('make demo-logical', () => {
  it('replicates, switches over under load losing no committed write, cleans up, removes its servers', async () => {
    let out = '';
    const io = {
      stdout: (t: string) => void (out += t),
      stderr: (t: string) => void (out += t),
      isTTY: false,
      env: {},
      readFile: async () => '',
    };
    const code = await runLogicalDemo({ scale: 1, oldMajor: 13, newMajor: 17, io });
    expect(code, out).toBe(0);
    expect(out).toMatch(/writes on OLD were refused for \d+ ms until NEW was ready/);
    expect(out).toMatch(/ledger rows: +OLD (\d+), NEW \1 \(every committed write arrived: yes\)/);
    expect(out).toContain('workload invariant:    on NEW every balance equals its start plus its logged deltas');
    expect(out).toMatch(/, 0 other errors/);
    expect(out).toMatch(/result: +OK/);
    expect(out).toContain('servers stopped and removed');
    expect(out).not.toContain('embedded-test-pw');
  });
});
