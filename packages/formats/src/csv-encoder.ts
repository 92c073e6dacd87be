import { isStringRecordOf, type DataRecord, type RejectedRecord } from '@sluice/core';
import { EMPTY, utf8 } from './json-batch.js';
import { isRecord, messageOf, valueToJson } from './json-text.js';
import type { CsvOptions } from './options.js';
import type { EncodeResult, RecordEncoder } from './types.js';

/** Thrown inside a row when one value has no CSV form; the row is rejected. */
class CellError extends Error {}

/**
 * RFC 4180 CSV. Columns come from `columns` or the union of the first
 * batch's fields in first-seen order; a later record with a non-null field
 * outside them is rejected, never silently dropped.
 */
export class CsvEncoder implements RecordEncoder {
  readonly format = 'csv';
  readonly contentType = 'text/csv';
  readonly extension = 'csv';
  #records = 0;
  #columns: string[] | undefined;
  #columnSet: Set<string> | undefined;
  #headerDone = false;
  #exactKeys = false;
  #ended = false;
  readonly #delimiter: string;
  readonly #eol: string;
  readonly #nullText: string;
  readonly #header: boolean;
  /** A string value must be quoted when it matches this. */
  readonly #needsQuotes: RegExp;
  /** The delimiter as one byte, or -1 when it is not ASCII. */
  readonly #delimiterByte: number;
  /** ASCII codes that make a value quoted: the delimiter (when ASCII), quote, CR, LF. */
  readonly #special = new Uint8Array(128);
  /** Bytes per row of the last batch, to size the next one's buffer. */
  #rowBytes = 64;

  constructor(options: CsvOptions) {
    this.#delimiter = options.delimiter;
    this.#eol = options.line_ending === 'crlf' ? '\r\n' : '\n';
    this.#nullText = options.null_value;
    this.#header = options.header;
    const d = options.delimiter.replace(/[\\\]^-]/g, '\\$&');
    this.#needsQuotes = new RegExp(`[${d}"\\r\\n]|^\\s|\\s$`);
    const code = options.delimiter.charCodeAt(0);
    this.#delimiterByte = options.delimiter.length === 1 && code < 0x80 ? code : -1;
    for (const special of [this.#delimiterByte, 0x22, 0x0d, 0x0a]) if (special >= 0) this.#special[special] = 1;
    if (options.columns) this.#setColumns([...new Set(options.columns)]);
  }

  get records(): number {
    return this.#records;
  }

  /** The columns in output order, once known. */
  get columns(): readonly string[] | undefined {
    return this.#columns;
  }

  write(batch: readonly DataRecord[]): EncodeResult {
    if (this.#ended) throw new Error('csv encoder: write() after end()');
    const rejected: RejectedRecord[] = [];
    if (!this.#columns) {
      if (batch.length === 0) return { bytes: EMPTY, rejected };
      this.#setColumns(unionOfFields(batch));
    }
    const header = this.#headerText();
    const columns = this.#columns as string[];
    const columnSet = this.#columnSet as Set<string>;
    const width = columns.length;
    const out = new RowWriter(header.length * 3 + batch.length * this.#rowBytes);
    out.text(header);
    const headerBytes = out.pos;
    // Whether the rows read back into exactly these records (see EncodeResult.csvRows).
    let exact = this.#exactKeys;
    let rows = 0;
    for (const record of batch) {
      if (!isRecord(record)) {
        rejected.push({ record, error: new TypeError('record is not an object') });
        continue;
      }
      // A record whose own keys are exactly the columns has no extra field to look for.
      if (exact) exact = isStringRecordOf(record, columns);
      const extra = exact ? undefined : extraField(record, columnSet);
      if (extra !== undefined) {
        rejected.push({
          record,
          error: new Error(`field "${extra}" is not a CSV column (columns: ${preview(columns)})`),
        });
        continue;
      }
      const rowStart = out.pos;
      try {
        for (let i = 0; i < width; i++) {
          if (i > 0) out.delimiter(this.#delimiterByte, this.#delimiter);
          const value = record[columns[i] as string];
          // Most cells: ASCII text, copied (and quoted when it must be) byte by byte.
          if (typeof value !== 'string' || !out.ascii(value, this.#special, this.#nullText)) out.text(this.#cell(value));
        }
      } catch (error) {
        out.pos = rowStart;
        rejected.push({ record, error: new Error(`record cannot be encoded as CSV: ${messageOf(error)}`) });
        continue;
      }
      out.text(this.#eol);
      rows++;
    }
    this.#records += rows;
    if (out.pos === 0) return { bytes: EMPTY, rejected };
    if (rows > 0) this.#rowBytes = Math.ceil(((out.pos - headerBytes) / rows) * 1.125) + 8;
    const bytes = out.bytes();
    // Lone surrogates do not survive UTF-8: such rows do not read back exactly.
    if (!exact || rejected.length > 0 || rows === 0 || !out.wellFormed) return { bytes, rejected };
    return { bytes, rejected, csvRows: { offset: headerBytes, keys: columns, delimiter: this.#delimiter, lineEnding: this.#eol } };
  }

  end(): Uint8Array {
    if (this.#ended) return EMPTY;
    this.#ended = true;
    // With declared columns an empty run still gets its header line.
    const text = this.#columns ? this.#headerText() : '';
    return text === '' ? EMPTY : utf8(text);
  }

  #setColumns(columns: string[]): void {
    this.#columns = columns;
    this.#columnSet = new Set(columns);
    // `__proto__` cannot be read back by assignment; a delimiter with a quote or line break is not a plain separator.
    this.#exactKeys = columns.length > 0 && !columns.includes('__proto__') && !/["\r\n]/.test(this.#delimiter) && this.#delimiter !== '';
  }

  #headerText(): string {
    if (this.#headerDone) return '';
    this.#headerDone = true;
    if (!this.#header || !this.#columns) return '';
    return this.#columns.map((name) => this.#quoted(name)).join(this.#delimiter) + this.#eol;
  }

  #cell(value: unknown): string {
    if (value === null || value === undefined) return this.#nullText;
    switch (typeof value) {
      case 'string':
        return this.#quoted(value);
      case 'number':
        // NaN and ±Infinity have no portable CSV form: written as null, as in JSON.
        return Number.isFinite(value) ? String(value) : this.#nullText;
      case 'boolean':
        return value ? 'true' : 'false';
      case 'bigint':
        return value.toString();
      case 'object':
        if (value instanceof Date) return Number.isNaN(value.getTime()) ? this.#nullText : value.toISOString();
        if (value instanceof Uint8Array) {
          return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
        }
        return this.#quoted(valueToJson(value));
      default:
        throw new CellError(`a ${typeof value} has no CSV form`);
    }
  }

  #quoted(text: string): string {
    // A real empty string (or one equal to null_value) is quoted so a reader
    // can tell it from null, as PostgreSQL's COPY CSV does.
    if (text === this.#nullText || this.#needsQuotes.test(text)) return `"${text.replace(/"/g, '""')}"`;
    return text;
  }
}

/** Field names of a batch in first-seen order. */
function unionOfFields(batch: readonly DataRecord[]): string[] {
  const seen = new Set<string>();
  for (const record of batch) {
    if (!isRecord(record)) continue;
    for (const key in record) seen.add(key);
  }
  return [...seen];
}

/** The first field with a value that has no column, if any. */
function extraField(record: Record<string, unknown>, columns: Set<string>): string | undefined {
  for (const key in record) {
    if (!columns.has(key) && record[key] !== null && record[key] !== undefined) return key;
  }
  return undefined;
}

function preview(columns: readonly string[]): string {
  return columns.length <= 8 ? columns.join(', ') : `${columns.slice(0, 8).join(', ')}, … (${columns.length})`;
}

/** ASCII whitespace as `\s` sees it: a value starting or ending with it is quoted. */
const SPACE = new Uint8Array(128);
for (const code of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20]) SPACE[code] = 1;

/**
 * The bytes of one batch, written in place: rows never exist as strings.
 * Grows by doubling; `pos` may be moved back to drop a rejected row.
 */
class RowWriter {
  pos = 0;
  /** False once a value with a lone surrogate was written (UTF-8 turns it into U+FFFD). */
  wellFormed = true;
  #buf: Buffer;

  constructor(capacity: number) {
    this.#buf = Buffer.allocUnsafe(Math.max(capacity, 256));
  }

  #room(bytes: number): void {
    if (this.pos + bytes <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.pos + bytes));
    this.#buf.copy(grown, 0, 0, this.pos);
    this.#buf = grown;
  }

  /**
   * Writes an ASCII string value as `#quoted` would: copied, then written
   * again between quotes (inner quotes doubled) when it equals the null
   * text, holds one of `special` or starts or ends with whitespace. Writes
   * nothing and returns false at the first non-ASCII character.
   */
  ascii(value: string, special: Uint8Array, nullText: string): boolean {
    const n = value.length;
    this.#room(2 * n + 2);
    const buf = this.#buf;
    const start = this.pos;
    let at = start;
    let quote = value === nullText;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) return false;
      if (special[c] === 1) quote = true;
      buf[at++] = c;
    }
    if (n > 0 && (SPACE[value.charCodeAt(0)] === 1 || SPACE[value.charCodeAt(n - 1)] === 1)) quote = true;
    if (quote) {
      at = start;
      buf[at++] = 0x22;
      for (let i = 0; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c === 0x22) buf[at++] = 0x22;
        buf[at++] = c;
      }
      buf[at++] = 0x22;
    }
    this.pos = at;
    return true;
  }

  /** The delimiter: one byte when ASCII. */
  delimiter(byte: number, text: string): void {
    if (byte < 0) return this.text(text);
    this.#room(1);
    this.#buf[this.pos++] = byte;
  }

  /** `text` as UTF-8; short ASCII text byte by byte, which is cheaper than a call into Buffer#write. */
  text(text: string): void {
    const n = text.length;
    if (n === 0) return;
    this.#room(n * 3);
    if (n <= 64) {
      const buf = this.#buf;
      let at = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at++] = c;
      }
      if (i === n) {
        this.pos = at;
        return;
      }
    }
    this.pos += this.#buf.write(text, this.pos, 'utf8');
    if (this.wellFormed && !(text as string & { isWellFormed(): boolean }).isWellFormed()) this.wellFormed = false;
  }

  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.pos);
  }
}
