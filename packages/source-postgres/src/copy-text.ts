import type { DataRecord } from '@sluice/core';

/** One output column of a COPY: its name and the text parser the cursor path would use (undefined = the text itself). */
export interface CopyColumn {
  readonly name: string;
  readonly parse: ((text: string) => unknown) | undefined;
  /** The same parser reading the field in place (`text.slice(start, end)` is the field), to skip cutting it out; used when the field holds no escape. */
  readonly parseAt?: ((text: string, start: number, end: number) => unknown) | undefined;
}

const NEWLINE = 10;
const TAB = '\t';
const BACKSLASH = 92;
const N = 78;

/** Decodes a field holding backslash escapes (COPY text format). */
function unescape(s: string, start: number, end: number): string {
  let out = '';
  let from = start;
  for (let i = s.indexOf('\\', start); i !== -1 && i < end; i = s.indexOf('\\', from)) {
    out += s.slice(from, i);
    const c = s[i + 1];
    from = i + 2;
    switch (c) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x': {
        // COPY TO never writes these two forms; they are decoded for completeness.
        const hex = /^[0-9A-Fa-f]{1,2}/.exec(s.slice(from, Math.min(end, from + 2)));
        if (hex) {
          out += String.fromCharCode(parseInt(hex[0], 16));
          from += hex[0].length;
        } else out += 'x';
        break;
      }
      default:
        if (c !== undefined && c >= '0' && c <= '7') {
          const oct = /^[0-7]{1,3}/.exec(s.slice(i + 1, Math.min(end, i + 4)))![0];
          out += String.fromCharCode(parseInt(oct, 8) & 0xff);
          from = i + 1 + oct.length;
        } else out += c ?? '';
    }
  }
  return out + s.slice(from, end);
}

/**
 * Turns `COPY … TO STDOUT` text-format bytes into records: tab-separated
 * fields, `\N` for null, backslash escapes, one row per line. Rows are built
 * the way node-postgres builds them (a spread of a template holding every
 * name, then one assignment per column: same key order, the last of two
 * equal names wins) and each field goes through the cursor path's parser,
 * so both paths yield the same values.
 *
 * A chunk is decoded to one string up to its last newline (a newline byte
 * never occurs inside a UTF-8 sequence, and a newline in data is escaped),
 * which is much cheaper than a `toString` per field.
 */
export class CopyTextDecoder {
  readonly #names: readonly string[];
  readonly #parsers: readonly (((text: string) => unknown) | undefined)[];
  readonly #parsersAt: readonly (((text: string, start: number, end: number) => unknown) | undefined)[];
  readonly #template: DataRecord;
  #rest: Buffer | undefined;

  constructor(columns: readonly CopyColumn[]) {
    if (columns.length === 0) throw new Error('COPY needs at least one column');
    this.#names = columns.map((c) => c.name);
    this.#parsers = columns.map((c) => c.parse);
    this.#parsersAt = columns.map((c) => c.parseAt);
    const row = Object.create(null) as DataRecord;
    for (const name of this.#names) row[name] = null;
    this.#template = { ...row };
  }

  /** Decodes the complete rows in `chunk` (after what the previous chunk left over) and appends them to `out`; `chunk` is not kept. */
  write(chunk: Buffer, out: DataRecord[]): void {
    let buf = chunk;
    if (this.#rest) {
      buf = Buffer.concat([this.#rest, chunk]);
      this.#rest = undefined;
    }
    const last = buf.lastIndexOf(NEWLINE);
    // A copy: the caller may reuse `chunk`'s memory.
    if (last + 1 < buf.length) this.#rest = Buffer.from(buf.subarray(last + 1));
    if (last >= 0) this.#rows(buf.toString('utf8', 0, last + 1), out);
  }

  /** Throws when the data stopped in the middle of a row. */
  end(): void {
    if (this.#rest !== undefined && this.#rest.length > 0) throw new Error('COPY data ended in the middle of a row');
  }

  #rows(s: string, out: DataRecord[]): void {
    const names = this.#names;
    const parsers = this.#parsers;
    const parsersAt = this.#parsersAt;
    const template = this.#template;
    const last = names.length - 1;
    const len = s.length;
    let pos = 0;
    // Positions of the next tab and backslash, found once and reused until passed.
    let tab = s.indexOf(TAB);
    let slash = s.indexOf('\\');
    if (tab < 0) tab = len;
    if (slash < 0) slash = len;
    while (pos < len) {
      const newline = s.indexOf('\n', pos);
      const row: DataRecord = { ...template };
      for (let i = 0; i <= last; i++) {
        let end: number;
        if (i < last) {
          if (tab < pos) {
            tab = s.indexOf(TAB, pos);
            if (tab < 0) tab = len;
          }
          if (tab > newline) throw new Error(`COPY row has ${i + 1} columns, expected ${last + 1}`);
          end = tab;
        } else {
          end = newline;
          if (tab < pos) {
            tab = s.indexOf(TAB, pos);
            if (tab < 0) tab = len;
          }
          if (tab < newline) throw new Error(`COPY row has more than ${last + 1} columns`);
        }
        const parse = parsers[i];
        if (slash < end) {
          if (end - pos === 2 && s.charCodeAt(pos) === BACKSLASH && s.charCodeAt(pos + 1) === N) {
            row[names[i]!] = null;
          } else {
            const text = unescape(s, pos, end);
            row[names[i]!] = parse === undefined ? text : parse(text);
          }
          slash = s.indexOf('\\', end);
          if (slash < 0) slash = len;
        } else {
          const parseAt = parsersAt[i];
          if (parseAt !== undefined) row[names[i]!] = parseAt(s, pos, end);
          else {
            const text = s.slice(pos, end);
            row[names[i]!] = parse === undefined ? text : parse(text);
          }
        }
        pos = end + 1;
      }
      out.push(row);
    }
  }
}
