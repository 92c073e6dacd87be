import type { ColumnShape } from './table.js';

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
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid date' : value.toISOString();
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
  if (shape === 'json') return JSON.stringify(typeof value === 'bigint' ? String(value) : value) ?? null;
  if (shape === 'array' && Array.isArray(value)) return arrayLiteral(value);
  return scalarText(value);
}

/** Escapes one field for COPY's text format. */
export function copyField(text: string | null): string {
  if (text === null) return '\\N';
  return text.replace(/[\\\n\r\t]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : '\\t'));
}
