/**
 * A reader for the small part of YAML that docker-compose.yml and examples/k8s/*.yaml are
 * written in, so a unit test can check them without a YAML library: block mappings and block
 * sequences (of scalars or of mappings), plain, single- and double-quoted scalars, flow sequences
 * of scalars, literal block scalars (`|`, `|-`), comments, `---` between documents. Anything else
 * (tabs, anchors, aliases, tags, folded scalars, flow mappings) throws, so the files cannot drift
 * outside what is checked.
 * Plain integers and true/false become numbers and booleans, as YAML reads them.
 */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  indent: number;
  text: string;
  no: number;
  block?: string;
}

const KEY = /^("[^"]*"|[A-Za-z0-9_./-]+):(?: +(.*))?$/;

/** Every document in `source`, in order. */
export function parseYamlDocuments(source: string): YamlValue[] {
  const docs: Line[][] = [[]];
  const raw = source.split('\n');
  for (let i = 0; i < raw.length; i++) {
    if (raw[i]!.includes('\t')) throw new Error(`line ${i + 1}: tab`);
    if (raw[i] === '---') {
      docs.push([]);
      continue;
    }
    const text = stripComment(raw[i]!).trimEnd();
    if (text.trim() === '') continue;
    const line: Line = { indent: text.length - text.trimStart().length, text: text.trimStart(), no: i + 1 };
    const literal = /^(.*: )\|(-?)$/.exec(line.text);
    if (literal) {
      // The block: the following lines indented deeper (or blank), less their common indentation.
      const body: string[] = [];
      while (
        i + 1 < raw.length &&
        (raw[i + 1]!.trim() === '' || raw[i + 1]!.length - raw[i + 1]!.trimStart().length > line.indent)
      )
        body.push(raw[++i]!);
      while (body.length > 0 && body.at(-1)!.trim() === '') body.pop();
      const cut = Math.min(...body.filter((b) => b.trim() !== '').map((b) => b.length - b.trimStart().length));
      line.text = `${literal[1]!}|`;
      line.block = body.map((b) => b.slice(cut)).join('\n') + (literal[2] === '-' ? '' : '\n');
    }
    docs.at(-1)!.push(line);
  }
  return docs
    .filter((d) => d.length > 0)
    .map((lines) => {
      const at = { i: 0 };
      const value = parseBlock(lines, at, lines[0]!.indent);
      if (at.i < lines.length) throw new Error(`line ${lines[at.i]!.no}: unexpected indentation`);
      return value;
    });
}

/** The one document in `source`. */
export function parseYaml(source: string): YamlValue {
  const docs = parseYamlDocuments(source);
  if (docs.length !== 1) throw new Error(`expected one document, found ${docs.length}`);
  return docs[0]!;
}

function parseBlock(lines: Line[], at: { i: number }, indent: number): YamlValue {
  return lines[at.i]!.text.startsWith('- ') || lines[at.i]!.text === '-'
    ? parseSequence(lines, at, indent)
    : parseMapping(lines, at, indent);
}

function parseMapping(lines: Line[], at: { i: number }, indent: number): YamlValue {
  const out: { [key: string]: YamlValue } = {};
  while (at.i < lines.length && lines[at.i]!.indent === indent) {
    const line = lines[at.i]!;
    const m = KEY.exec(line.text);
    if (!m) throw new Error(`line ${line.no}: expected 'key: value', got '${line.text}'`);
    const key = m[1]!.startsWith('"') ? m[1]!.slice(1, -1) : m[1]!;
    if (key in out) throw new Error(`line ${line.no}: duplicate key ${key}`);
    at.i++;
    out[key] =
      line.block !== undefined
        ? line.block
        : m[2] !== undefined
          ? scalar(m[2], line.no)
          : nested(lines, at, indent, line.no);
  }
  return out;
}

function parseSequence(lines: Line[], at: { i: number }, indent: number): YamlValue {
  const out: YamlValue[] = [];
  while (at.i < lines.length && lines[at.i]!.indent === indent && lines[at.i]!.text.startsWith('-')) {
    const line = lines[at.i]!;
    const rest = line.text.slice(1).trimStart();
    if (rest === '') {
      at.i++;
      out.push(nested(lines, at, indent, line.no));
    } else if (KEY.test(rest)) {
      // `- key: value` opens a mapping whose keys line up after the dash.
      lines[at.i] = { ...line, indent: indent + line.text.length - rest.length, text: rest };
      out.push(parseMapping(lines, at, lines[at.i]!.indent));
    } else {
      at.i++;
      out.push(scalar(rest, line.no));
    }
  }
  return out;
}

function nested(lines: Line[], at: { i: number }, indent: number, no: number): YamlValue {
  const next = lines[at.i];
  // A sequence may sit at its key's own indentation (`key:` then `- item`).
  if (next && (next.indent > indent || (next.indent === indent && next.text.startsWith('- '))))
    return parseBlock(lines, at, next.indent);
  throw new Error(`line ${no}: a key without a value`);
}

function scalar(text: string, no: number): YamlValue {
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) throw new Error(`line ${no}: a flow sequence must end on its line`);
    const inner = text.slice(1, -1).trim();
    return inner === '' ? [] : splitFlow(inner, no).map((item) => scalar(item.trim(), no));
  }
  if (text.startsWith('"')) {
    if (!/^"(?:[^"\\]|\\.)*"$/.test(text)) throw new Error(`line ${no}: bad double-quoted scalar ${text}`);
    return JSON.parse(text) as string;
  }
  if (text.startsWith("'")) {
    if (!/^'(?:[^']|'')*'$/.test(text)) throw new Error(`line ${no}: bad single-quoted scalar ${text}`);
    return text.slice(1, -1).replaceAll("''", "'");
  }
  if (/^[&*!|>{%@`]/.test(text) || /: |\s#/.test(text)) throw new Error(`line ${no}: outside the YAML subset: ${text}`);
  if (/^-?\d+$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null' || text === '~') return null;
  return text;
}

function splitFlow(inner: string, no: number): string[] {
  const items: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (const ch of inner) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === ',') {
      items.push(current);
      current = '';
      continue;
    } else if ('[]{}'.includes(ch)) throw new Error(`line ${no}: nested flow collections are outside the subset`);
    current += ch;
  }
  if (quote) throw new Error(`line ${no}: unterminated quote`);
  return [...items, current];
}

/** A line without its comment: `#` at the start or after a space, outside quotes. */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#' && (i === 0 || line[i - 1] === ' ')) return line.slice(0, i);
  }
  return line;
}
