import { describe, expect, it } from 'vitest';
import { hugePagesOf, pagesFor, reserveHugePages } from '../../../tools/bench/huge-pages.js';

const meminfo = (total: number, free: number) => `MemTotal:       24576000 kB
AnonHugePages:         0 kB
HugePages_Total:     ${total}
HugePages_Free:      ${free}
HugePages_Rsvd:        0
Hugepagesize:       2048 kB
`;

/** /proc as a map of files; raising nr_hugepages frees as many pages as it adds, up to `limit`. */
function fakeProc(total: number, free: number, limit = Infinity) {
  const files = new Map([['/proc/meminfo', meminfo(total, free)]]);
  const writes: string[] = [];
  return {
    writes,
    io: {
      read: (f: string) => files.get(f) ?? '',
      write: (f: string, s: string) => {
        writes.push(`${f}=${s}`);
        const now = hugePagesOf(files.get('/proc/meminfo')!);
        const next = Math.min(Number(s), limit);
        files.set('/proc/meminfo', meminfo(next, now.free + (next - now.total)));
      },
    },
  };
}

describe('huge pages for the benchmark servers', () => {
  it("reads /proc/meminfo's counts", () => {
    expect(hugePagesOf(meminfo(300, 120))).toEqual({ total: 300, free: 120, sizeKb: 2048 });
    expect(hugePagesOf('MemTotal: 1 kB\n').free).toBeNaN();
  });

  it('sizes a server by its shared_buffers, with room for the rest of its shared memory', () => {
    expect(pagesFor(256, 2048)).toBe(160);
  });

  it('reserves only what is missing, and gives back exactly that', () => {
    const p = fakeProc(100, 40);
    const undo = reserveHugePages(() => 320, p.io);
    expect(p.writes).toEqual(['/proc/sys/vm/nr_hugepages=380']);
    expect(hugePagesOf(p.io.read('/proc/meminfo')).free).toBe(320);
    undo();
    expect(p.writes.at(-1)).toBe('/proc/sys/vm/nr_hugepages=100');
  });

  it('changes nothing when enough are free', () => {
    const p = fakeProc(400, 400);
    reserveHugePages(() => 320, p.io)();
    expect(p.writes).toEqual([]);
  });

  it('says what to do when the pages cannot be had, and leaves the setting as it was', () => {
    const denied = {
      read: () => meminfo(0, 0),
      write: () => {
        throw new Error('EACCES: permission denied');
      },
    };
    expect(() => reserveHugePages(() => 320, denied)).toThrow(
      /need 320.*as root: echo 320 > \/proc\/sys\/vm\/nr_hugepages/,
    );
    const p = fakeProc(0, 0, 100);
    expect(() => reserveHugePages(() => 320, p.io)).toThrow(/found only 100 free huge pages of the 320/);
    expect(p.writes.at(-1)).toBe('/proc/sys/vm/nr_hugepages=0');
  });
});
