import type { DataRecord } from '@sluice/core';
import { jsonText, microsecondsOf } from '@sluice/pg-common';
import type { ColumnShape, TableColumn } from './table.js';

const PAD2: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** Scratch for {@link isoFields}: year, month, day, hour, minute, second, millisecond. */
const ISO = new Int32Array(7);
/** The day whose civil date {@link ISO} holds: timestamps in a batch mostly share a few days. */
let isoDay = NaN;

/**
 * Fills {@link ISO} with the UTC fields of epoch milliseconds `t`; false
 * (nothing usable) outside years 1000-9999 or for NaN.
 */
function isoFields(t: number): boolean {
  const days = Math.floor(t / 86_400_000);
  if (days !== isoDay) {
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    const z = days + 719_468;
    const era = Math.floor(z / 146_097);
    const doe = z - era * 146_097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const month = mp < 10 ? mp + 3 : mp - 9;
    const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    if (!(year >= 1000 && year <= 9999)) return false;
    ISO[0] = year;
    ISO[1] = month;
    ISO[2] = doy - Math.floor((153 * mp + 2) / 5) + 1;
    isoDay = days;
  }
  // Within a day: small integers, so `%` stays integer arithmetic.
  let rest = (t - days * 86_400_000) | 0;
  const ms = rest % 1000;
  rest = (rest - ms) / 1000;
  const second = rest % 60;
  rest = (rest - second) / 60;
  const minute = rest % 60;
  ISO[3] = (rest - minute) / 60;
  ISO[4] = minute;
  ISO[5] = second;
  ISO[6] = ms;
  return true;
}

/**
 * A Date outside years 1000-9999 as PostgreSQL reads it: years past 9999
 * without the `+` and six digits of `toISOString()`, years before 1 as
 * `YYYY-…Z BC` (PostgreSQL has no year 0: year 0 is 1 BC).
 */
function wideIsoString(date: Date, micros: number): string {
  const year = date.getUTCFullYear();
  const pad2 = (n: number): string => PAD2[n]!;
  const fraction = `${PAD3[date.getUTCMilliseconds()]!}${micros === 0 ? '' : PAD3[micros]!}`;
  const time = `${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}T${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}.${fraction}Z`;
  return year >= 1 ? `${String(year).padStart(4, '0')}-${time}` : `${String(1 - year).padStart(4, '0')}-${time} BC`;
}

/**
 * `date.toISOString()` for years 1000-9999, a few times faster (it runs once
 * per timestamp written), with the microseconds of a `MicrosecondDate`
 * (six fractional digits); other years in the form PostgreSQL reads
 * (`10000-…`, `0044-…Z BC`); `invalid date` for an invalid Date, which the
 * server refuses.
 */
export function isoString(date: Date): string {
  const t = date.getTime();
  const micros = microsecondsOf(date);
  if (!isoFields(t)) return Number.isNaN(t) ? 'invalid date' : wideIsoString(date, micros);
  return `${ISO[0]}-${PAD2[ISO[1]!]}-${PAD2[ISO[2]!]}T${PAD2[ISO[3]!]}:${PAD2[ISO[4]!]}:${PAD2[ISO[5]!]}.${PAD3[ISO[6]!]}${micros === 0 ? '' : PAD3[micros]}Z`;
}

function arrayLiteral(values: readonly unknown[]): string {
  const items = values.map((item) => {
    if (item === null || item === undefined) return 'NULL';
    if (Array.isArray(item)) return arrayLiteral(item);
    const text = scalarText(item);
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${items.join(',')}}`;
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return isoString(value);
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'object') return jsonText(value) ?? String(value);
  return String(value);
}

/**
 * The text PostgreSQL parses for a value in a column of `shape`, or null.
 * Dates are written as UTC ISO-8601 with their microseconds (a `timestamp`
 * column keeps the UTC wall time); json/jsonb columns receive the value as
 * JSON (a string becomes a JSON string; bigints and exact json numbers are
 * written as the numbers they hold); arrays become array literals for array
 * columns.
 */
export function toPgText(value: unknown, shape: ColumnShape): string | null {
  if (value === null || value === undefined) return null;
  if (shape === 'plain' && typeof value === 'string') return value;
  if (shape === 'json') return jsonText(value) ?? null;
  if (shape === 'array' && Array.isArray(value)) return arrayLiteral(value);
  return scalarText(value);
}

const COPY_SPECIAL = /[\\\n\r\t]/g;

/** Escapes one field for COPY's text format. */
export function copyField(text: string | null): string {
  if (text === null) return '\\N';
  // Most values hold nothing to escape: a scan is cheaper than a replace.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 || c === 10 || c === 13 || c === 9) {
      return text.replace(COPY_SPECIAL, (ch) => (ch === '\\' ? '\\\\' : ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : '\\t'));
    }
  }
  return text;
}

function digits2(buf: Buffer, at: number, n: number): void {
  const tens = (n / 10) | 0;
  buf[at] = 48 + tens;
  buf[at + 1] = 48 + n - tens * 10;
}

/** For each ASCII code, the letter after the backslash that escapes it in COPY text, or 0. */
const COPY_ESCAPE = new Uint8Array(128);
COPY_ESCAPE[92] = 92; // \\
COPY_ESCAPE[10] = 110; // \n
COPY_ESCAPE[13] = 114; // \r
COPY_ESCAPE[9] = 116; // \t

/** Where a {@link CopyTextBuilder} sends a full chunk; the chunk is never touched again. */
export type ChunkSink = (chunk: Buffer) => void;

/** Bytes of COPY data per CopyData message when streaming. */
const CHUNK_BYTES = 64 * 1024;
/** A CopyData message header: 'd' and a 4-byte length. */
const HEADER = 5;

/**
 * COPY text built straight into bytes: a batch is encoded without the
 * intermediate strings (a concatenation per field, an ISO string per
 * timestamp) that used to cost more garbage collection than encoding.
 * ASCII is stored a character at a time, anything else through
 * `Buffer#write`; timestamps' digits are written in place.
 *
 * With a `sink`, the bytes are cut at row boundaries into CopyData
 * protocol messages of about 64 KiB, each handed over as soon as it is
 * full, so the server parses one while the next is encoded.
 */
export class CopyTextBuilder {
  readonly #sink: ChunkSink | undefined;
  #buf: Buffer;
  #pos: number;

  constructor(capacity: number, sink?: ChunkSink) {
    this.#sink = sink;
    this.#buf = Buffer.allocUnsafe(sink ? CHUNK_BYTES + 1024 : Math.max(256, capacity));
    this.#pos = sink ? HEADER : 0;
  }

  /** Room for `bytes` more. */
  #reserve(bytes: number): Buffer {
    const needed = this.#pos + bytes;
    if (needed > this.#buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.#buf.length * 2));
      this.#buf.copy(grown, 0, 0, this.#pos);
      this.#buf = grown;
    }
    return this.#buf;
  }

  byte(code: number): void {
    this.#reserve(1)[this.#pos++] = code;
  }

  /** One field, escaped for COPY text; null is `\N`. */
  text(text: string | null): void {
    if (text === null) {
      const buf = this.#reserve(2);
      buf[this.#pos++] = 92;
      buf[this.#pos++] = 78;
      return;
    }
    const length = text.length;
    // UTF-8 takes at most 3 bytes per UTF-16 unit; an escape 2 per ASCII character.
    const buf = this.#reserve(3 * length);
    let pos = this.#pos;
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        pos += buf.write(copyField(text.slice(i)), pos, 'utf8');
        break;
      }
      const escape = COPY_ESCAPE[c]!;
      if (escape === 0) buf[pos++] = c;
      else {
        buf[pos++] = 92;
        buf[pos++] = escape;
      }
    }
    this.#pos = pos;
  }

  /** `toPgText(value, shape)` as one field; a timestamp's digits are written in place. */
  value(value: unknown, shape: ColumnShape): void {
    if (value instanceof Date && shape !== 'json') {
      if (!this.#date(value)) this.text(isoString(value));
    } else this.text(shape === 'plain' && typeof value === 'string' ? value : toPgText(value, shape));
  }

  /** Writes `date` as {@link isoString} does; false (nothing written) outside years 1000-9999. */
  #date(date: Date): boolean {
    if (!isoFields(date.getTime())) return false;
    const buf = this.#reserve(27);
    const p = this.#pos;
    const year = ISO[0]!;
    const hundreds = (year / 100) | 0;
    digits2(buf, p, hundreds);
    digits2(buf, p + 2, year - hundreds * 100);
    buf[p + 4] = 45; // -
    digits2(buf, p + 5, ISO[1]!);
    buf[p + 7] = 45;
    digits2(buf, p + 8, ISO[2]!);
    buf[p + 10] = 84; // T
    digits2(buf, p + 11, ISO[3]!);
    buf[p + 13] = 58; // :
    digits2(buf, p + 14, ISO[4]!);
    buf[p + 16] = 58;
    digits2(buf, p + 17, ISO[5]!);
    buf[p + 19] = 46; // .
    const ms = ISO[6]!;
    buf[p + 20] = 48 + ((ms / 100) | 0);
    digits2(buf, p + 21, ms % 100);
    const micros = microsecondsOf(date);
    let end = p + 23;
    if (micros !== 0) {
      buf[end] = 48 + ((micros / 100) | 0);
      digits2(buf, end + 1, micros % 100);
      end += 3;
    }
    buf[end] = 90; // Z
    this.#pos = end + 1;
    return true;
  }

  /** Ends a row; with a sink, hands over the chunk once it is full. */
  endRow(): void {
    this.#reserve(1)[this.#pos++] = 10;
    if (this.#sink && this.#pos >= CHUNK_BYTES) this.#flush();
  }

  #flush(): void {
    if (this.#pos === HEADER) return;
    const chunk = this.#buf;
    chunk[0] = 0x64; // CopyData
    chunk.writeUInt32BE(this.#pos - 1, 1);
    this.#sink!(chunk.subarray(0, this.#pos));
    this.#buf = Buffer.allocUnsafe(CHUNK_BYTES + 1024);
    this.#pos = HEADER;
  }

  /** Without a sink: everything written. With one: hands over the last chunk and returns an empty buffer. */
  end(): Buffer {
    if (!this.#sink) return this.#buf.subarray(0, this.#pos);
    this.#flush();
    return Buffer.alloc(0);
  }
}

/** Writes the rows as COPY text lines, tab-separated. */
export function encodeRows(out: CopyTextBuilder, rows: readonly { readonly values: readonly (string | null)[] }[]): void {
  for (let r = 0; r < rows.length; r++) {
    const values = rows[r]!.values;
    for (let i = 0; i < values.length; i++) {
      if (i > 0) out.byte(9);
      out.text(values[i]!);
    }
    out.endRow();
  }
}

/** Writes COPY text straight from records: `fields` pairs each record field with its column. */
export function encodeRecords(out: CopyTextBuilder, records: readonly DataRecord[], fields: readonly (readonly [string, TableColumn])[]): void {
  const names = fields.map(([field]) => field);
  const shapes = fields.map(([, column]) => column.shape);
  // Indexed loops: this runs once per batch, too few times for the optimiser to remove an iterator per record.
  for (let r = 0; r < records.length; r++) {
    const record = records[r]!;
    for (let i = 0; i < names.length; i++) {
      if (i > 0) out.byte(9);
      out.value(record[names[i]!], shapes[i]!);
    }
    out.endRow();
  }
}

/** The rows as COPY text lines (UTF-8), tab-separated, each ending in a newline. */
export function copyText(rows: readonly { readonly values: readonly (string | null)[] }[]): Buffer {
  const out = new CopyTextBuilder(rows.length * 64);
  encodeRows(out, rows);
  return out.end();
}

/** COPY text (UTF-8) straight from records. */
export function copyTextOf(records: readonly DataRecord[], fields: readonly (readonly [string, TableColumn])[]): Buffer {
  const out = new CopyTextBuilder(records.length * 16 * fields.length);
  encodeRecords(out, records, fields);
  return out.end();
}
