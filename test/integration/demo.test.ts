import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/dev/demo.js';

describe('make demo', () => {
  it('runs end to end on its own embedded servers and removes them', async () => {
    let out = '';
    const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (out += t), isTTY: false, env: {}, readFile: async () => '' };
    const code = await runDemo({ scale: 1, oldMajor: 13, newMajor: 17, io });
    expect(code).toBe(0);
    expect(out).toContain('check: ready for init-new');
    expect(out).toContain('summary: every OLD row is visible through NEW');
    expect(out).toContain('servers stopped and removed');
    expect(out).not.toContain('embedded-test-pw');
  });
});
