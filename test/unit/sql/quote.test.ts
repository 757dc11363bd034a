import { describe, expect, it } from 'vitest';
import { ident, identList, literal, MAX_IDENTIFIER_BYTES, optionList, qualified } from '../../../src/sql/quote.js';

describe('ident', () => {
  it.each([
    ['orders', '"orders"'],
    ['Order', '"Order"'],
    ['user', '"user"'],
    ['select', '"select"'],
    ['a"b', '"a""b"'],
    ['""', '""""""'],
    ['Sales Dept', '"Sales Dept"'],
    ['café', '"café"'],
    ['日本', '"日本"'],
    ['a\\b', '"a\\b"'],
    ["it's", '"it\'s"'],
    ['a.b', '"a.b"'],
  ])('quotes %j as %s', (name, quoted) => {
    expect(ident(name)).toBe(quoted);
  });

  it('quotes even a plain lower-case name, so it is right on every server version', () => {
    expect(ident('x')).toBe('"x"');
  });

  it('throws on an empty name', () => {
    expect(() => ident('')).toThrow('invalid identifier ""');
  });

  it('throws on a name holding a NUL byte', () => {
    expect(() => ident('a\0b')).toThrow(/invalid identifier/);
  });
});

describe('qualified', () => {
  it('quotes both parts and joins them with a dot', () => {
    expect(qualified('Sales Dept', 'Order "X"')).toBe('"Sales Dept"."Order ""X"""');
    expect(qualified('public', 'user')).toBe('"public"."user"');
    expect(qualified('日本', 'café')).toBe('"日本"."café"');
  });

  it('throws when either part is empty', () => {
    expect(() => qualified('', 't')).toThrow(/invalid identifier/);
    expect(() => qualified('s', '')).toThrow(/invalid identifier/);
  });
});

describe('literal', () => {
  it.each([
    ['plain', "'plain'"],
    ["it's", "'it''s'"],
    ["''", "''''''"],
    ['café 日本', "'café 日本'"],
    ['', "''"],
    ['"quoted"', '\'"quoted"\''],
  ])('quotes %j as %s', (value, quoted) => {
    expect(literal(value)).toBe(quoted);
  });

  it('escapes a backslash with an E string, so it means the same whatever standard_conforming_strings is', () => {
    expect(literal('a\\b')).toBe("E'a\\\\b'");
    expect(literal("c:\\it's")).toBe("E'c:\\\\it''s'");
  });
});

describe('identList', () => {
  it('quotes every name and joins them with a comma and a space', () => {
    expect(identList(['id', 'Qty', 'user', 'a"b', 'café'])).toBe('"id", "Qty", "user", "a""b", "café"');
  });

  it('is empty for no names', () => {
    expect(identList([])).toBe('');
  });

  it('throws when one of the names is empty', () => {
    expect(() => identList(['a', ''])).toThrow(/invalid identifier/);
  });
});

describe('optionList', () => {
  it('quotes keys as identifiers and values as literals, in insertion order', () => {
    expect(optionList({ host: 'db.example', port: '5432', dbname: "o'brien", sslrootcert: 'C:\\certs\\ca.pem' })).toBe(
      `"host" 'db.example', "port" '5432', "dbname" 'o''brien', "sslrootcert" E'C:\\\\certs\\\\ca.pem'`,
    );
  });

  it('quotes a hostile key', () => {
    expect(optionList({ 'we"ird key': 'v' })).toBe(`"we""ird key" 'v'`);
  });

  it('is empty for no options', () => {
    expect(optionList({})).toBe('');
  });

  it('throws on an empty key', () => {
    expect(() => optionList({ '': 'v' })).toThrow(/invalid identifier/);
  });
});

it('MAX_IDENTIFIER_BYTES is PostgreSQL NAMEDATALEN - 1', () => {
  expect(MAX_IDENTIFIER_BYTES).toBe(63);
});
