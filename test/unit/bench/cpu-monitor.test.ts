import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { measureCpu } from '../../../tools/bench/cpu-monitor.js';

/**
 * A child that burns `ms` of its own CPU time (not wall time: a busy machine only makes it take
 * longer) once it reads a line on stdin, then waits to be killed.
 */
function burner(ms: number): ChildProcess {
  const burn = `const c = process.cpuUsage(); for (let u = process.cpuUsage(c); (u.user + u.system) / 1000 < ${ms}; u = process.cpuUsage(c));`;
  return spawn(
    process.execPath,
    ['-e', `process.stdin.once('data', () => { ${burn} process.stdout.write('done'); }); setInterval(() => {}, 1000);`],
    { stdio: ['pipe', 'pipe', 'ignore'] },
  );
}

const run = (c: ChildProcess) =>
  new Promise<void>((resolve) => {
    c.stdout!.once('data', () => resolve());
    c.stdin!.write('go\n');
  });

describe('measureCpu', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill();
  });

  it.runIf(process.platform === 'linux')(
    "splits the CPU used meanwhile between two process trees and the rest of this process's",
    async () => {
      const [a, b, other] = [burner(400), burner(100), burner(250)];
      children.push(a, b, other);
      await new Promise((r) => setTimeout(r, 300)); // the children have started (node's own start is not measured)
      const { result, cpu } = await measureCpu({ old: a.pid!, new: b.pid! }, async () => {
        await Promise.all([run(a), run(b), run(other)]);
        return 'ran';
      });
      expect(result).toBe('ran');
      expect(cpu).not.toBeNull();
      // /proc counts in ticks of 10 ms, and the machine may be busy: bounds, not exact figures.
      expect(cpu!.old).toBeGreaterThanOrEqual(0.3);
      expect(cpu!.old).toBeLessThan(1);
      expect(cpu!.new).toBeGreaterThanOrEqual(0.05);
      expect(cpu!.new).toBeLessThan(0.35);
      // The third child is neither root's: it counts as the client's.
      expect(cpu!.client).toBeGreaterThanOrEqual(0.2);
    },
  );

  it('gives no reading without both servers', async () => {
    expect(await measureCpu({ old: null, new: 1 }, async () => 5)).toEqual({ result: 5, cpu: null });
  });
});
