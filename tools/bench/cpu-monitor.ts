/**
 * How much of the machine the benchmark had to itself. Reads /proc: the machine's CPU time, and
 * that of this process's whole tree (the servers, fdwmig, pgbench and pg_dump are all its
 * descendants; an exited process's time is in its parent's cutime once reaped). What the
 * machine spent beyond that was other processes, which skews every figure on two cores.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/** USER_HZ: the unit of /proc's CPU times on Linux. */
const TICKS_PER_SECOND = 100;

export interface CpuSample {
  wall: number;
  /** CPU seconds the machine spent busy (steal included: the hypervisor gave it to someone else). */
  busy: number;
  /** CPU seconds of this process tree. */
  ours: number;
  cpus: number;
}

function readStat(pid: string): { ppid: number; cpu: number } | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()!.split(' ');
    return {
      ppid: Number(f[1]),
      cpu: (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND,
    };
  } catch {
    return null; // gone meanwhile
  }
}

/** Every process's parent and CPU seconds (its own and its reaped children's), from /proc. */
function readProcs(): Map<number, { ppid: number; cpu: number }> {
  const procs = new Map<number, { ppid: number; cpu: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const s = readStat(d);
    if (s) procs.set(Number(d), s);
  }
  return procs;
}

/** CPU seconds of each root's process tree (root included; a process counts under the nearest root above it), in one read of /proc. */
function treeCpu(procs: Map<number, { ppid: number; cpu: number }>, roots: readonly number[]): number[] {
  const out = roots.map(() => 0);
  for (const [pid, s] of procs) {
    for (
      let p: number | undefined = pid, hops = 0;
      p !== undefined && p > 1 && hops < 64;
      p = procs.get(p)?.ppid, hops++
    ) {
      const i = roots.indexOf(p);
      if (i >= 0) {
        out[i] = (out[i] ?? 0) + s.cpu;
        break;
      }
    }
  }
  return out;
}

/** CPU seconds one measured line used: each server's process tree, and everything else of ours. */
export interface CpuSplit {
  old: number;
  new: number;
  /** The benchmark's other processes and itself: the COPY pipe, or the fdwmig processes. */
  client: number;
}

/**
 * Runs fn and says how much CPU OLD's and NEW's servers (their postmasters' process trees) and
 * the rest of this process's tree used meanwhile; cpu is null where /proc cannot say (not
 * Linux, or a postmaster pid unknown). A backend that ends is counted once its postmaster has
 * reaped it, so the second reading waits a moment.
 */
export async function measureCpu<T>(
  servers: { old: number | null; new: number | null },
  fn: () => Promise<T>,
): Promise<{ result: T; cpu: CpuSplit | null }> {
  const roots = servers.old && servers.new ? [servers.old, servers.new, process.pid] : null;
  const read = () => {
    try {
      return roots ? treeCpu(readProcs(), roots) : null;
    } catch {
      return null;
    }
  };
  const before = read();
  const result = await fn();
  await delay(300);
  const after = read();
  if (!before || !after) return { result, cpu: null };
  // A process counts in the first of the roots above it: a backend under its postmaster, not
  // under this process, which started the servers.
  const [o, n, rest] = after.map((x, i) => x - before[i]!) as [number, number, number];
  return { result, cpu: { old: o, new: n, client: rest } };
}

/** A sample, or null where /proc is not there (not Linux). */
export function sampleCpu(): CpuSample | null {
  let lines: string[];
  try {
    lines = readFileSync('/proc/stat', 'utf8').split('\n');
  } catch {
    return null;
  }
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const t = lines[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const busy = (t.reduce((a, b) => a + b, 0) - t[3]! - t[4]!) / TICKS_PER_SECOND;
  const cpus = lines.filter((l) => /^cpu\d/.test(l)).length;
  const [ours] = treeCpu(readProcs(), [process.pid]) as [number];
  return { wall: performance.now() / 1000, busy, ours, cpus };
}

/** Share of the machine's CPU capacity that other processes used between two samples (0..1). */
export function otherShare(a: CpuSample | null, b: CpuSample | null): number {
  if (!a || !b) return NaN;
  const capacity = (b.wall - a.wall) * b.cpus;
  if (capacity <= 0) return NaN;
  return Math.min(1, Math.max(0, (b.busy - a.busy - (b.ours - a.ours)) / capacity));
}

/** Other processes may use this share of the machine before a line waits for quiet. */
export const QUIET_SHARE = 0.15;
const PROBE_SECONDS = 2;

/**
 * Waits until other processes use at most QUIET_SHARE of the machine over a short probe, or
 * until maxWaitSeconds passed. Resolves to the seconds waited.
 */
export async function waitForQuiet(maxWaitSeconds: number, onBusy: (share: number) => void): Promise<number> {
  const started = performance.now();
  for (;;) {
    const a = sampleCpu();
    await delay(PROBE_SECONDS * 1000);
    const share = otherShare(a, sampleCpu());
    const waited = (performance.now() - started) / 1000;
    if (!(share > QUIET_SHARE) || waited >= maxWaitSeconds) return waited;
    onBusy(share);
  }
}
