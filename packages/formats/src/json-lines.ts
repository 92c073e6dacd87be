import type { DataRecord } from '@sluice/core';
import { ByteWriter } from './byte-writer.js';

/** Between two records of a JSON array, when the second has a first member. */
const SEPARATOR = Buffer.from('},{"', 'latin1');

const NOT_FLAT = 0;
const FLAT = 1;
/** Flat, and JSON.parse of its text gives it back: no Dates, no NaN or ±Infinity. */
const PLAIN = 2;

/**
 * Whether JSON.stringify writes `record` exactly as {@link recordToJson} does
 * and as a non-empty object: a plain object whose values are strings,
 * numbers, booleans, null, undefined or Dates, with at least one member that
 * is not undefined (FLAT or PLAIN). Nested objects, bigints and bytes take
 * the replacer path (NOT_FLAT).
 */
function flatness(record: unknown): number {
  if (!isPlainObject(record)) return NOT_FLAT;
  let members = 0;
  let kind = PLAIN;
  for (const key in record) {
    const value = (record as Record<string, unknown>)[key];
    switch (typeof value) {
      case 'string':
      case 'boolean':
        members++;
        continue;
      case 'number':
        members++;
        if (!Number.isFinite(value)) kind = FLAT;
        continue;
      case 'undefined':
        continue;
      case 'object':
        if (value === null) members++;
        else if (value instanceof Date) kind = FLAT;
        else return NOT_FLAT;
        continue;
      default:
        return NOT_FLAT;
    }
  }
  return members > 0 ? kind : NOT_FLAT;
}

/** NDJSON bytes of a batch, and whether JSON.parse of each line gives its record back. */
export interface JsonLines {
  readonly bytes: Buffer;
  /**
   * Every value is a string, a finite number, a boolean or null (undefined
   * fields are left out, -0 reads back as 0): the lines are the records.
   */
  readonly plain: boolean;
}

/**
 * The NDJSON lines of a batch of flat records (see {@link flatness}),
 * from one JSON.stringify of the whole batch instead of one per record: the
 * array's `},{"` between two records becomes `}\n{"`, its brackets a final
 * `\n`. A string value or key ending in `},{` also shows `},{"` (its closing
 * quote), so the bytes are used only if exactly `length - 1` occurrences
 * exist: every record is a non-empty object, so each of the `length - 1`
 * boundaries is one, and no other can be. Undefined when the batch does not
 * qualify (the caller encodes record by record).
 */
export function flatJsonLines(batch: readonly DataRecord[]): JsonLines | undefined {
  if (batch.length === 0 || !Array.isArray(batch)) return undefined;
  let plain = true;
  for (let i = 0; i < batch.length; i++) {
    const kind = flatness(batch[i]);
    if (kind === NOT_FLAT) return undefined;
    if (kind !== PLAIN) plain = false;
  }
  let json: string;
  try {
    json = JSON.stringify(batch);
  } catch {
    return undefined; // a throwing getter: the record-by-record path rejects just that record
  }
  const bytes = Buffer.from(json, 'utf8');
  // `},{"` is ASCII and UTF-8 never puts ASCII bytes inside a multi-byte character: byte offsets are safe.
  let boundaries = 0;
  for (let at = bytes.indexOf(SEPARATOR, 1); at !== -1; at = bytes.indexOf(SEPARATOR, at + 4)) {
    bytes[at + 1] = 0x0a;
    boundaries++;
  }
  if (boundaries !== batch.length - 1) return undefined;
  bytes[bytes.length - 1] = 0x0a; // `]` → `\n`
  return { bytes: bytes.subarray(1), plain }; // `[` dropped
}

/**
 * The NDJSON lines of a batch whose records all have the first record's
 * keys, in its order, each holding a string, a number, a boolean or null:
 * written straight into bytes (keys once per batch, printable ASCII values
 * copied as they are, other values through JSON.stringify), the same bytes
 * as JSON.stringify of each record. Undefined at the first record that does
 * not fit (the caller takes another path for the whole batch).
 * `bytesPerLine` sizes the buffer (it grows when short).
 */
export function jsonLinesOnBytes(batch: readonly DataRecord[], bytesPerLine = 128): JsonLines | undefined {
  if (batch.length === 0 || !Array.isArray(batch)) return undefined;
  const first = batch[0];
  if (!isPlainObject(first)) return undefined;
  const keys: string[] = [];
  for (const key in first) keys.push(key);
  // Each member's opening, `{"key":` for the first and `,"key":` after, as bytes (JSON.stringify of a key may leave non-ASCII as is).
  const openings = keys.map((key, i) => Buffer.from(`${i === 0 ? '{' : ','}${JSON.stringify(key)}:`, 'utf8'));
  const out = new ByteWriter(batch.length * bytesPerLine);
  // The common case, a printable-ASCII string without `"` or `\`, is copied here with a local cursor (`at` into `buf`), which is
  // markedly faster than a call per value; anything else goes through `out`, after which `buf` and `at` are taken again.
  let buf = out.buffer;
  let at = 0;
  let plain = true;
  for (let r = 0; r < batch.length; r++) {
    const record = batch[r];
    if (!isPlainObject(record)) return undefined;
    let i = 0;
    for (const key in record) {
      if (key !== keys[i]) return undefined;
      const opening = openings[i]!;
      const value = record[key];
      const room = opening.length + (typeof value === 'string' ? value.length + 2 : 0);
      if (at + room > buf.length) {
        out.pos = at;
        out.reserve(room);
        buf = out.buffer;
      }
      for (let j = 0; j < opening.length; j++) buf[at++] = opening[j]!;
      if (typeof value === 'string') {
        const quote = at;
        buf[at++] = 0x22;
        const n = value.length;
        let j = 0;
        for (; j < n; j++) {
          const c = value.charCodeAt(j);
          if (c < 0x20 || c >= 0x80 || c === 0x22 || c === 0x5c) break;
          buf[at++] = c;
        }
        if (j === n) {
          buf[at++] = 0x22;
          i++;
          continue;
        }
        // Needs escaping or is not ASCII: as JSON.stringify writes it.
        out.pos = quote;
        out.text(JSON.stringify(value));
      } else {
        out.pos = at;
        switch (typeof value) {
          case 'number':
            if (Number.isFinite(value)) out.text(String(value));
            else {
              out.text('null');
              plain = false;
            }
            break;
          case 'boolean':
            out.text(value ? 'true' : 'false');
            break;
          default:
            if (value !== null) return undefined;
            out.text('null');
        }
      }
      buf = out.buffer;
      at = out.pos;
      i++;
    }
    if (i !== keys.length) return undefined;
    out.pos = at;
    out.text(i === 0 ? '{}\n' : '}\n');
    buf = out.buffer;
    at = out.pos;
  }
  out.pos = at;
  return { bytes: out.bytes(), plain };
}

/** A non-null object whose prototype is Object.prototype or null: for-in sees exactly its own keys. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
