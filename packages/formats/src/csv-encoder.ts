import { isStringRecordOf, type DataRecord, type RejectedRecord } from '@sluice/core';
import { ByteWriter } from './byte-writer.js';
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
    const out = new ByteWriter(header.length * 3 + batch.length * this.#rowBytes);
    out.text(header);
    const headerBytes = out.pos;
    // Whether the rows read back into exactly these records (see EncodeResult.encoded).
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
          if (typeof value !== 'string' || !out.csvAscii(value, this.#special, this.#nullText)) out.text(this.#cell(value));
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
    return { bytes, rejected, encoded: { kind: 'csv-rows', offset: headerBytes, keys: columns, delimiter: this.#delimiter, lineEnding: this.#eol } };
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
