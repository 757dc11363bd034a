/**
 * Fault injection for the crash tests: with FDWMIG_CRASH_AT=<point>[:<n>] the process kills
 * itself with SIGKILL (no cleanup, no finally) the n-th time (default 1st) it reaches <point>.
 * Unset, it costs one property read.
 */
const spec = process.env.FDWMIG_CRASH_AT;
const [target, nth] = spec ? [spec.split(':')[0], Number(spec.split(':')[1] ?? 1)] : [undefined, 0];
let seen = 0;

/** Marks a point between two steps whose order matters for crash safety. */
export function crashPoint(name: string): void {
  if (target !== name) return;
  seen++;
  if (seen === nth) process.kill(process.pid, 'SIGKILL');
}
