import { describe, expect, it } from 'vitest';
import { cutBatches } from '../../../tools/bench/floor.js';

/** A text-format CopyData message of one row. */
const msg = (row: string) => {
  const body = Buffer.from(`${row}\n`);
  const m = Buffer.alloc(5 + body.length);
  m[0] = 0x64;
  m.writeUInt32BE(4 + body.length, 1);
  body.copy(m, 5);
  return m;
};

async function* runs(bufs: Buffer[]) {
  for (const b of bufs) yield b;
}

async function collect(bufs: Buffer[], size: number) {
  const out = [];
  for await (const b of cutBatches(runs(bufs), size))
    out.push({ lo: b.lo, hi: b.hi, rows: b.rows, bytes: Buffer.concat(b.chunks) });
  return out;
}

describe('cutBatches', () => {
  const rows = Array.from({ length: 7 }, (_, i) => msg(`${(i + 1) * 10}\tname ${i}\t${i}`));

  it('cuts every n rows wherever the runs of messages end, keeping the bytes and the first and last keys', async () => {
    // Runs of 1, 3 and 3 messages: a batch of 3 spans two runs, another ends mid-run.
    const out = await collect([rows[0]!, Buffer.concat(rows.slice(1, 4)), Buffer.concat(rows.slice(4))], 3);
    expect(out.map(({ lo, hi, rows: n }) => [lo, hi, n])).toEqual([
      ['10', '30', 3],
      ['40', '60', 3],
      ['70', '70', 1],
    ]);
    expect(Buffer.concat(out.map((b) => b.bytes))).toEqual(Buffer.concat(rows));
    expect(out[1]!.bytes).toEqual(Buffer.concat(rows.slice(3, 6)));
  });

  it('yields nothing for no rows, and one batch for fewer rows than its size', async () => {
    expect(await collect([], 3)).toEqual([]);
    expect((await collect([Buffer.concat(rows.slice(0, 2))], 5)).map((b) => [b.lo, b.hi, b.rows])).toEqual([
      ['10', '20', 2],
    ]);
  });

  it('refuses a key that is not an integer', async () => {
    await expect(collect([msg('abc\tx')], 3)).rejects.toThrow(/integer keys/);
  });
});
