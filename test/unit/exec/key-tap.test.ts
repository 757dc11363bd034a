/**
 * The binary COPY key reader on streams built by hand, cut at every byte. That a real server's
 * stream reads the same is checked in test/integration/key-tap.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { BinaryKeyParser, type IntWidth } from '../../../src/exec/key-tap.js';

const header = (ext = Buffer.alloc(0)) => {
  const h = Buffer.alloc(19);
  Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1').copy(h);
  h.writeUInt32BE(0, 11);
  h.writeUInt32BE(ext.length, 15);
  return Buffer.concat([h, ext]);
};

function int(width: IntWidth, v: bigint): Buffer {
  const b = Buffer.alloc(4 + width);
  b.writeInt32BE(width, 0);
  if (width === 2) b.writeInt16BE(Number(v), 4);
  else if (width === 4) b.writeInt32BE(Number(v), 4);
  else b.writeBigInt64BE(v, 4);
  return b;
}

function text(s: string | null): Buffer {
  if (s === null) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(-1, 0);
    return b;
  }
  const v = Buffer.from(s);
  const b = Buffer.alloc(4);
  b.writeInt32BE(v.length, 0);
  return Buffer.concat([b, v]);
}

function row(fields: Buffer[]): Buffer {
  const n = Buffer.alloc(2);
  n.writeInt16BE(fields.length, 0);
  return Buffer.concat([n, ...fields]);
}

const trailer = () => Buffer.from([0xff, 0xff]);

/** Feeds `stream` to a parser in pieces cut at `cuts`. */
function feed(p: BinaryKeyParser, stream: Buffer, cuts: number[]): void {
  let at = 0;
  for (const c of [...cuts, stream.length]) {
    p.push(stream.subarray(at, c));
    at = c;
  }
}

describe('BinaryKeyParser', () => {
  const stream = Buffer.concat([
    header(Buffer.from('xyz')),
    row([text('a'), int(4, 7n), text(null)]),
    row([text('bb'), int(4, -2147483648n), text('tail')]),
    row([text(null), int(4, 2147483647n), text('')]),
    trailer(),
  ]);

  it('reads the key field of every row, wherever the stream is cut', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const p = new BinaryKeyParser(1, 4);
      feed(p, stream, [cut]);
      expect(p.keys, `cut at ${cut}`).toEqual(['7', '-2147483648', '2147483647']);
      expect(p.complete).toBe(true);
    }
  });

  it('reads a stream fed a byte at a time', () => {
    const p = new BinaryKeyParser(1, 4);
    feed(p, stream, Array.from({ length: stream.length }, (_, i) => i));
    expect(p.keys).toEqual(['7', '-2147483648', '2147483647']);
  });

  it('reads smallint and bigint keys, first or last field', () => {
    const p2 = new BinaryKeyParser(0, 2);
    feed(p2, Buffer.concat([header(), row([int(2, -32768n), text('x')]), row([int(2, 32767n), text('y')]), trailer()]), []);
    expect(p2.keys).toEqual(['-32768', '32767']);
    const p8 = new BinaryKeyParser(1, 8);
    feed(p8, Buffer.concat([header(), row([text('x'), int(8, 9223372036854775807n)]), row([text('y'), int(8, -9223372036854775808n)]), trailer()]), [25]);
    expect(p8.keys).toEqual(['9223372036854775807', '-9223372036854775808']);
  });

  it('is not complete before the end marker', () => {
    const p = new BinaryKeyParser(1, 4);
    feed(p, stream.subarray(0, stream.length - 2), []);
    expect(p.keys).toHaveLength(3);
    expect(p.complete).toBe(false);
  });

  it('refuses what is not the expected stream', () => {
    expect(() => new BinaryKeyParser(0, 4).push(Buffer.from('1\tabc\n2\tdef\n\\.\n0000000000000000000000'))).toThrow(/not a binary COPY stream/);
    expect(() => new BinaryKeyParser(0, 4).push(Buffer.concat([header(), row([text(null)])]))).toThrow(/NULL/);
    expect(() => new BinaryKeyParser(0, 4).push(Buffer.concat([header(), row([int(8, 1n)])]))).toThrow(/8 bytes, expected 4/);
    expect(() => new BinaryKeyParser(2, 4).push(Buffer.concat([header(), row([int(4, 1n)])]))).toThrow(/no key field 2/);
  });
});
