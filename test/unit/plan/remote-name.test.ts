import { describe, expect, it } from 'vitest';
import { remoteTableName } from '../../../src/plan/remote-name.js';

const bytes = (s: string) => Buffer.byteLength(s);

describe('remoteTableName', () => {
  it.each([
    ['orders', 'orders_remote'],
    ['Order "X"', 'Order "X"_remote'],
    ['user', 'user_remote'],
    ['café', 'café_remote'],
    ['日本', '日本_remote'],
  ])('appends _remote to the short name %j', (table, remote) => {
    expect(remoteTableName(table)).toBe(remote);
  });

  it('keeps the plain suffix while the result is exactly 63 bytes', () => {
    const t = 'a'.repeat(56);
    expect(remoteTableName(t)).toBe(`${t}_remote`);
    expect(bytes(remoteTableName(t))).toBe(63);
  });

  it('shortens a 60-byte name to 63 bytes with a hash before _remote', () => {
    const t = 'x'.repeat(60);
    const r = remoteTableName(t);
    expect(bytes(r)).toBeLessThanOrEqual(63);
    expect(r).toMatch(/^x+_[0-9a-f]{8}_remote$/);
    expect(r.startsWith('x'.repeat(47))).toBe(true);
  });

  it('shortens a 63-byte multi-byte name on a character boundary', () => {
    const t = '日本'.repeat(10) + 'abc'; // 20 three-byte characters + 3 bytes = 63 bytes
    expect(bytes(t)).toBe(63);
    const r = remoteTableName(t);
    expect(bytes(r)).toBeLessThanOrEqual(63);
    expect(r).toMatch(/_[0-9a-f]{8}_remote$/);
    const head = r.replace(/_[0-9a-f]{8}_remote$/, '');
    expect(t.startsWith(head)).toBe(true);
    expect(head).not.toContain('\uFFFD');
    expect(Buffer.from(head, 'utf8').toString('utf8')).toBe(head);
    // 63 - 16 bytes of tail = 47 bytes: fifteen 3-byte characters fit, a sixteenth would not.
    expect(head).toBe('日本'.repeat(7) + '日');
  });

  it('keeps a 4-byte character whole (no lone surrogate)', () => {
    const t = '😀'.repeat(16); // 64 bytes
    const head = remoteTableName(t).replace(/_[0-9a-f]{8}_remote$/, '');
    expect(head).toBe('😀'.repeat(11)); // 44 bytes, 48 would pass 47
    expect(head).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('keeps two long names that share a prefix apart', () => {
    const prefix = 'customer_order_line_item_history_archive_partition_';
    const a = remoteTableName(`${prefix}2023_q1`);
    const b = remoteTableName(`${prefix}2023_q2`);
    expect(a).not.toBe(b);
    expect(bytes(a)).toBeLessThanOrEqual(63);
    expect(bytes(b)).toBeLessThanOrEqual(63);
  });

  it('is deterministic', () => {
    const t = 'y'.repeat(70);
    expect(remoteTableName(t)).toBe(remoteTableName(t));
    expect(remoteTableName('日本'.repeat(12))).toBe(remoteTableName('日本'.repeat(12)));
  });

  it('never passes 63 bytes, whatever the length', () => {
    for (let n = 50; n <= 70; n++) {
      expect(bytes(remoteTableName('é'.repeat(n)))).toBeLessThanOrEqual(63);
      expect(bytes(remoteTableName('z'.repeat(n)))).toBeLessThanOrEqual(63);
    }
  });
});
