/**
 * `npm run bench -- --huge-pages`: both servers with `huge_pages=on`, as production servers with
 * large shared_buffers commonly run. Without huge pages every server process that first touches
 * a page of shared memory takes a page fault, and on some virtual machines (this project's
 * among them) a fault is dear: fdwmig's movers are new sessions that touch many buffers each,
 * the COPY pipe's two sessions read and write through small rings. The kernel must have free
 * 2 MB pages; as root the benchmark reserves what is missing and gives them back at the end.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const NR_HUGEPAGES = '/proc/sys/vm/nr_hugepages';

/** Huge pages (of the default size) the kernel has in all and free, from /proc/meminfo's text. */
export function hugePagesOf(meminfo: string): { total: number; free: number; sizeKb: number } {
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(meminfo)?.[1] ?? NaN);
  return { total: field('HugePages_Total'), free: field('HugePages_Free'), sizeKb: field('Hugepagesize') };
}

/** Pages a server with this much shared_buffers needs, with room for the rest of its shared memory. */
export function pagesFor(sharedBuffersMb: number, sizeKb: number): number {
  return Math.ceil(((sharedBuffersMb + 64) * 1024) / sizeKb);
}

/**
 * Makes sure the huge pages the servers need (`need`, given the kernel's page size) are free,
 * reserving the missing ones; returns what undoes that (nothing to undo when enough were free).
 * Throws a one-line error with what to do otherwise.
 */
export function reserveHugePages(
  need: (sizeKb: number) => number,
  io = { read: (f: string) => readFileSync(f, 'utf8'), write: (f: string, s: string) => writeFileSync(f, s) },
): () => void {
  const before = hugePagesOf(io.read('/proc/meminfo'));
  if (!Number.isFinite(before.free) || !Number.isFinite(before.sizeKb))
    throw new Error('--huge-pages: /proc/meminfo says nothing of huge pages (not Linux?)');
  const needed = need(before.sizeKb);
  if (before.free >= needed) return () => undefined;
  const want = before.total + (needed - before.free);
  try {
    io.write(NR_HUGEPAGES, String(want));
  } catch (err) {
    throw new Error(
      `--huge-pages: the kernel has ${before.free} free huge pages, the two servers need ${needed}, and ${NR_HUGEPAGES} could not be raised (${(err as Error).message}); as root: echo ${want} > ${NR_HUGEPAGES}`,
      { cause: err },
    );
  }
  const after = hugePagesOf(io.read('/proc/meminfo'));
  const undo = () => io.write(NR_HUGEPAGES, String(before.total));
  if (after.free < needed) {
    undo();
    throw new Error(
      `--huge-pages: the kernel found only ${after.free} free huge pages of the ${needed} the two servers need (memory too fragmented?); try again after a reboot, or run without --huge-pages`,
    );
  }
  return undo;
}
