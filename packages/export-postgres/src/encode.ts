import type { DataRecord } from '@sluice/core';
import type { ColumnShape, TableColumn } from './table.js';

const PAD2: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * `date.toISOString()` for years 1000-9999, a few times faster (it runs once
 * per timestamp written); other years and invalid dates take the built-in.
 */
export function isoString(date: Date): string {
  const t = date.getTime();
  const days = Math.floor(t / 86_400_000);
  let rest = t - days * 86_400_000;
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (!(year >= 1000 && year <= 9999)) return Number.isNaN(t) ? 'invalid date' : date.toISOString();
  const ms = rest % 1000;
  rest = (rest - ms) / 1000;
  const second = rest % 60;
  rest = (rest - second) / 60;
  const minute = rest % 60;
  const hour = (rest - minute) / 60;
  return `${year}-${PAD2[month]}-${PAD2[day]}T${PAD2[hour]}:${PAD2[minute]}:${PAD2[second]}.${PAD3[ms]}Z`;
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
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * The text PostgreSQL parses for a value in a column of `shape`, or null.
 * Dates are written as UTC ISO-8601 (a `timestamp` column keeps the UTC wall
 * time); json/jsonb columns receive `JSON.stringify(value)` (a string becomes
 * a JSON string); arrays become array literals for array columns.
 */
export function toPgText(value: unknown, shape: ColumnShape): string | null {
  if (value === null || value === undefined) return null;
  if (shape === 'plain' && typeof value === 'string') return value;
  if (shape === 'json') return JSON.stringify(typeof value === 'bigint' ? String(value) : value) ?? null;
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

/** The rows as COPY text lines, tab-separated, each ending in a newline. */
export function copyText(rows: readonly { readonly values: readonly (string | null)[] }[]): string {
  let text = '';
  for (const row of rows) {
    const values = row.values;
    for (let i = 0; i < values.length; i++) {
      if (i > 0) text += '\t';
      text += copyField(values[i]!);
    }
    text += '\n';
  }
  return text;
}

/** COPY text straight from records: `fields` pairs each record field with its column. */
export function copyTextOf(records: readonly DataRecord[], fields: readonly (readonly [string, TableColumn])[]): string {
  let text = '';
  for (const record of records) {
    for (let i = 0; i < fields.length; i++) {
      const [field, column] = fields[i]!;
      if (i > 0) text += '\t';
      text += copyField(toPgText(record[field], column.shape));
    }
    text += '\n';
  }
  return text;
}
