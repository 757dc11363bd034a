import { describe, expect, it } from 'vitest';
import { scanCopyOut } from '../../../src/exec/raw-copy.js';

function msg(type: string, body: Buffer | string): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(b.length + 4, 1);
  return Buffer.concat([head, b]);
}

const rows = ['1\tone\n', '2\ttwo\n', '', '3\t' + 'x'.repeat(300) + '\n'].map((r) => msg('d', r));
const stream = Buffer.concat([
  msg('H', Buffer.from([0, 0, 2, 0, 0, 0, 0])), // CopyOutResponse
  rows[0]!,
  msg('N', 'SNOTICE\0\0'),
  rows[1]!,
  msg('S', 'a\0b\0'),
  rows[2]!,
  rows[3]!,
  msg('c', ''), // CopyDone
  msg('C', 'COPY 4\0'),
  msg('Z', 'I'),
]);
const copyDoneEnd = stream.indexOf(msg('C', 'COPY 4\0'));

/** Feeds the stream in the given pieces, keeping the unconsumed rest as RawCopyOut does. */
function feed(pieces: Buffer[]): { data: Buffer; rest: Buffer; stop: string | null } {
  const data: Buffer[] = [];
  let pending = Buffer.alloc(0);
  for (const p of pieces) {
    const buf = Buffer.concat([pending, p]);
    const s = scanCopyOut(buf);
    data.push(...s.data);
    pending = buf.subarray(s.end);
    if (s.stop) return { data: Buffer.concat(data), rest: pending, stop: s.stop };
    if (pending.length) expect(s.need).toBeGreaterThan(pending.length);
  }
  return { data: Buffer.concat(data), rest: pending, stop: null };
}

describe('scanCopyOut', () => {
  it('passes every CopyData message whole, framing included, and drops the other messages', () => {
    const r = feed([stream]);
    expect(r.stop).toBe('done');
    expect(r.data).toEqual(Buffer.concat(rows));
    // What follows CopyDone (CommandComplete, ReadyForQuery) is left for pg.
    expect(r.rest).toEqual(stream.subarray(copyDoneEnd));
  });

  it('gives the same bytes however the stream is cut into chunks', () => {
    for (let cut = 1; cut < copyDoneEnd; cut++) {
      const r = feed([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(r.data, `cut at ${cut}`).toEqual(Buffer.concat(rows));
      expect(r.stop).toBe('done');
    }
    const bytes = feed([...stream].map((b) => Buffer.from([b])));
    expect(bytes.data).toEqual(Buffer.concat(rows));
  });

  it('stops at an ErrorResponse, leaving it and what follows for pg', () => {
    const err = msg('E', 'SERROR\0C57P01\0\0');
    const s = scanCopyOut(Buffer.concat([rows[0]!, rows[1]!, err, msg('Z', 'I')]));
    expect(s.stop).toBe('error');
    expect(s.end).toBe(rows[0]!.length + rows[1]!.length);
  });

  it('says how long an incomplete message is once its header is there', () => {
    const big = msg('d', 'y'.repeat(70_000));
    const s = scanCopyOut(big.subarray(0, 1000));
    expect(s).toMatchObject({ data: [], end: 0, stop: null, need: big.length });
    expect(scanCopyOut(big.subarray(0, 3))).toMatchObject({ end: 0, need: 5 });
  });
});
