/**
 * The columns of an FK from its recorded definition. init-new drops NEW's FKs and keeps only
 * pg_get_constraintdef()'s text, so while they are off this text is all there is to know them by.
 */

export interface FkColumns {
  columns: string[];
  refColumns: string[];
  /** MATCH FULL: a row with some but not all FK columns null is a violation too. */
  matchFull: boolean;
}

class Cursor {
  constructor(
    readonly text: string,
    public pos = 0,
  ) {}

  fail(what: string): never {
    throw new Error(`cannot read FK definition at ${this.pos} (${what}): ${this.text}`);
  }

  skipSpace(): void {
    while (/\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  expect(word: string): void {
    this.skipSpace();
    if (!this.text.startsWith(word, this.pos)) this.fail(`expected ${word}`);
    this.pos += word.length;
  }

  /** An identifier as quote_ident() prints it: "quoted, with "" inside" or bare. */
  ident(): string {
    this.skipSpace();
    if (this.text[this.pos] === '"') {
      let out = '';
      for (this.pos++; ; this.pos++) {
        const ch = this.text[this.pos];
        if (ch === undefined) this.fail('unterminated quoted identifier');
        if (ch === '"') {
          if (this.text[this.pos + 1] !== '"') {
            this.pos++;
            return out;
          }
          this.pos++;
        }
        out += ch;
      }
    }
    const m = /^[^\s",().]+/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected an identifier');
    this.pos += m[0].length;
    return m[0];
  }

  identList(): string[] {
    this.expect('(');
    const names = [this.ident()];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === ')') {
        this.pos++;
        return names;
      }
      this.expect(',');
      names.push(this.ident());
    }
  }
}

/** Reads `FOREIGN KEY (a, "B c") REFERENCES s.t(x, y) [MATCH FULL] ...`. */
export function parseFkDefinition(definition: string): FkColumns {
  const c = new Cursor(definition);
  c.expect('FOREIGN KEY');
  const columns = c.identList();
  c.expect('REFERENCES');
  c.ident();
  c.skipSpace();
  if (definition[c.pos] === '.') {
    c.pos++;
    c.ident();
  }
  const refColumns = c.identList();
  if (refColumns.length !== columns.length) c.fail('column counts differ');
  return { columns, refColumns, matchFull: /^\s*MATCH FULL\b/.test(definition.slice(c.pos)) };
}
