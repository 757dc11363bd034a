import { describe, expect, it } from 'vitest';
import { runDemo } from '../../tools/dev/demo.js';

describe('make demo', () => {
  it('runs end to end on its own embedded servers and removes them', async () => {
    let out = '';
    const io = {
      stdout: (t: string) => void (out += t),
      stderr: (t: string) => void (out += t),
      isTTY: false,
      env: {},
      readFile: async () => '',
    };
    const code = await runDemo({ scale: 1, oldMajor: 13, newMajor: 17, io });
    expect(code).toBe(0);
    expect(out).toContain('check: ready for init-new');
    expect(out).toContain('through NEW the application sees every OLD row: yes');
    expect(out).toMatch(/rows left on OLD: +0\n/);
    expect(out).toMatch(
      /workload during move: +\d+ transactions, \d+ retried after a serialization failure, 0 lost writes, 0 other errors/,
    );
    expect(out).toContain('workload invariant:    every balance equals its start plus its logged deltas');
    expect(out).toMatch(/verify: +consistent/);
    expect(out).toMatch(/cleanup: +every FDW object fdwmig made is gone/);
    expect(out).toMatch(/result: +OK/);
    expect(out).toContain('servers stopped and removed');
    expect(out).not.toContain('embedded-test-pw');
  });
});
