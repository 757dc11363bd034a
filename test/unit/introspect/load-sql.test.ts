import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSql } from '../../../src/introspect/load-sql.js';

const ROOT = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');

describe('loadSql', () => {
  it("reads a query from the package's sql/ folder, subfolders too", () => {
    expect(loadSql('tables')).toBe(read('sql/tables.sql'));
    expect(loadSql('replication/slot')).toBe(read('sql/replication/slot.sql'));
  });

  it('names the file it could not read', () => {
    expect(() => loadSql('no-such-query')).toThrow(/sql\/no-such-query\.sql/);
  });
});
