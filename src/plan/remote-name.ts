import { createHash } from 'node:crypto';
import { MAX_IDENTIFIER_BYTES } from '../sql/quote.js';

const SUFFIX = '_remote';

/**
 * `<table>_remote`; when that passes PostgreSQL's 63-byte identifier limit, the table name is
 * shortened (on a character boundary) and a short hash keeps different long names apart.
 */
export function remoteTableName(table: string): string {
  const full = `${table}${SUFFIX}`;
  if (Buffer.byteLength(full) <= MAX_IDENTIFIER_BYTES) return full;
  const hash = createHash('sha1').update(table).digest('hex').slice(0, 8);
  const tail = `_${hash}${SUFFIX}`;
  let head = table;
  while (Buffer.byteLength(head) + tail.length > MAX_IDENTIFIER_BYTES) head = [...head].slice(0, -1).join('');
  return `${head}${tail}`;
}
