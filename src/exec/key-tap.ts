/**
 * Reads the keys of the rows a binary COPY stream carries, as it passes, for a table whose key is
 * one integer column: the batch's key list then needs no scan of NEW (docs/PROTOCOL.md, step 2).
 * The stream itself passes through unchanged. Format: PostgreSQL's binary COPY (an 11-byte
 * signature, flags, a header extension, then per row a 16-bit field count and per field a 32-bit
 * length, -1 for NULL, and the bytes; a count of -1 ends it).
 */
import { Transform, type TransformCallback } from 'node:stream';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** Integer key widths in bytes: smallint, integer, bigint. */
export type IntWidth = 2 | 4 | 8;

export class BinaryKeyParser {
  readonly keys: string[] = [];
  private carry: Buffer = Buffer.alloc(0);
  private headerDone = false;
  private ended = false;

  constructor(private readonly field: number, private readonly width: IntWidth) {}

  /** Whether the stream's end marker was seen. */
  get complete(): boolean {
    return this.ended;
  }

  push(chunk: Buffer): void {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    let pos = 0;
    if (!this.headerDone) {
      if (buf.length < 19) {
        this.carry = buf;
        return;
      }
      if (!buf.subarray(0, 11).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
      const ext = buf.readUInt32BE(15);
      if (buf.length < 19 + ext) {
        this.carry = buf;
        return;
      }
      pos = 19 + ext;
      this.headerDone = true;
    }
    for (;;) {
      const start = pos;
      const row = this.row(buf, pos);
      if (row === null) {
        this.carry = buf.subarray(start);
        return;
      }
      pos = row;
      if (this.ended) {
        if (pos !== buf.length) throw new Error('data after the end of a binary COPY stream');
        this.carry = Buffer.alloc(0);
        return;
      }
    }
  }

  /** Parses one row (or the end marker) at pos; the position after it, or null if incomplete. */
  private row(buf: Buffer, pos: number): number | null {
    if (buf.length < pos + 2) return null;
    const fields = buf.readInt16BE(pos);
    pos += 2;
    if (fields === -1) {
      this.ended = true;
      return pos;
    }
    if (fields <= this.field) throw new Error(`a row of ${fields} field(s) has no key field ${this.field}`);
    let key: string | null = null;
    for (let f = 0; f < fields; f++) {
      if (buf.length < pos + 4) return null;
      const len = buf.readInt32BE(pos);
      pos += 4;
      if (len < 0) {
        if (f === this.field) throw new Error('a key value is NULL');
        continue;
      }
      if (buf.length < pos + len) return null;
      if (f === this.field) {
        if (len !== this.width) throw new Error(`a key value of ${len} bytes, expected ${this.width}`);
        key = this.width === 2 ? String(buf.readInt16BE(pos)) : this.width === 4 ? String(buf.readInt32BE(pos)) : buf.readBigInt64BE(pos).toString();
      }
      pos += len;
    }
    this.keys.push(key!);
    return pos;
  }
}

/** A pass-through stream that feeds every chunk to a BinaryKeyParser. */
export function keyTap(parser: BinaryKeyParser): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      try {
        parser.push(chunk);
        done(null, chunk);
      } catch (err) {
        done(err as Error);
      }
    },
  });
}
