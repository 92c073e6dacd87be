import type { DataRecord } from '@sluice/core';
import { isRecord, valueToJson } from './json-text.js';
import type { ParquetColumnType } from './options.js';

/** Returned by a coercion when a value does not fit its column. */
export const MISFIT: unique symbol = Symbol('misfit');

/** A Parquet column: its declared shape and how a record value becomes a cell. */
export interface ParquetColumn {
  readonly name: string;
  /**
   * Undefined while an inferred column has had only nulls (see
   * {@link undecidedColumn}): its chunks are written as a string column's
   * until a value decides the type.
   */
  readonly type: ParquetColumnType | undefined;
  readonly nullable: boolean;
  /** Turns a non-null record value into what the writer stores, or {@link MISFIT}. */
  readonly coerce: (value: unknown) => unknown;
}

/** The part of hyparquet's SchemaElement this package writes. */
export interface SchemaElementLike {
  name: string;
  type?: 'BOOLEAN' | 'INT32' | 'INT64' | 'DOUBLE' | 'BYTE_ARRAY';
  repetition_type?: 'REQUIRED' | 'OPTIONAL';
  converted_type?: 'UTF8' | 'JSON' | 'TIMESTAMP_MILLIS';
  logical_type?:
    | { type: 'STRING' }
    | { type: 'JSON' }
    | { type: 'TIMESTAMP'; isAdjustedToUTC: boolean; unit: 'MILLIS' };
  num_children?: number;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** An integer as text, optionally with a fraction of zeros (PostgreSQL writes numeric(p, s) so). */
const INTEGER_TEXT = /^([+-]?\d+)(?:\.0*)?$/;
/** A decimal number as text, as PostgreSQL writes numeric and JSON writes numbers. */
const DECIMAL_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const utf8Encoder = new TextEncoder();

const COERCE: Record<ParquetColumnType, (value: unknown) => unknown> = {
  string: (v) => (typeof v === 'string' ? v : MISFIT),
  double: (v) => {
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint' && v >= -MAX_SAFE && v <= MAX_SAFE) return Number(v);
    return MISFIT;
  },
  int64: (v) => {
    if (typeof v === 'bigint') return v >= INT64_MIN && v <= INT64_MAX ? v : MISFIT;
    if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
    return MISFIT;
  },
  int32: (v) => {
    if (typeof v === 'number') return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 ? v : MISFIT;
    if (typeof v === 'bigint' && v >= -2147483648n && v <= 2147483647n) return Number(v);
    return MISFIT;
  },
  boolean: (v) => (typeof v === 'boolean' ? v : MISFIT),
  timestamp: (v) => {
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? MISFIT : v;
    // An unambiguous ISO-8601 string (what a CSV or JSON source yields) is a time too.
    const match = typeof v === 'string' ? ISO_DATE.exec(v) : null;
    if (match) {
      // A date-time without an offset is read as UTC, never as this machine's zone.
      const text = (v as string).replace(' ', 'T');
      const date = new Date(match[1] === undefined && text.length > 10 ? `${text}Z` : text);
      return Number.isNaN(date.getTime()) ? MISFIT : date;
    }
    return MISFIT;
  },
  json: (v) => {
    try {
      return utf8Encoder.encode(valueToJson(v));
    } catch {
      return MISFIT;
    }
  },
  binary: (v) => (v instanceof Uint8Array ? v : MISFIT),
};

/**
 * What a declared numeric column also takes: numbers written as text
 * (PostgreSQL's bigint and numeric arrive as exact decimal strings).
 * Declaring the type asks for the conversion; an inferred column does not
 * take it, as a field that is a number in one record and text in another
 * (a zip code) is not the same kind of value.
 */
const FROM_TEXT: Partial<Record<ParquetColumnType, (text: string) => unknown>> = {
  int64: (text) => {
    const integer = integerText(text);
    if (integer === undefined) return MISFIT;
    const value = BigInt(integer);
    return value >= INT64_MIN && value <= INT64_MAX ? value : MISFIT;
  },
  int32: (text) => {
    const integer = integerText(text);
    if (integer === undefined) return MISFIT;
    const value = Number(integer);
    return value >= -2147483648 && value <= 2147483647 ? value : MISFIT;
  },
  // The nearest double: text with more digits than a double holds is rounded, as a cast would.
  double: (text) => {
    if (text === 'NaN') return Number.NaN;
    if (text === 'Infinity' || text === '+Infinity') return Number.POSITIVE_INFINITY;
    if (text === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (!DECIMAL_TEXT.test(text)) return MISFIT;
    const value = Number(text);
    // Beyond ±1.8e308: infinity is not the value the text wrote.
    return Number.isFinite(value) ? value : MISFIT;
  },
};

/** The integer part of an integer written as text, if it is one (no more digits than BigInt parses quickly). */
function integerText(text: string): string | undefined {
  if (text.length > 64) return undefined;
  return INTEGER_TEXT.exec(text)?.[1];
}

/** A column of the given type. */
export function parquetColumn(name: string, type: ParquetColumnType, nullable = true): ParquetColumn {
  return { name, type, nullable, coerce: COERCE[type] };
}

/** A column the user declared: numeric types also take numbers written as text ({@link FROM_TEXT}). */
export function declaredColumn(name: string, type: ParquetColumnType, nullable = true): ParquetColumn {
  const coerce = COERCE[type];
  const fromText = FROM_TEXT[type];
  if (!fromText) return { name, type, nullable, coerce };
  return { name, type, nullable, coerce: (value) => (typeof value === 'string' ? fromText(value) : coerce(value)) };
}

/**
 * An inferred column that has had only nulls: no value fits it, so the
 * encoder sees the first one and replaces the column with
 * {@link inferredColumn} of it.
 */
export function undecidedColumn(name: string): ParquetColumn {
  return { name, type: undefined, nullable: true, coerce: () => MISFIT };
}

/** An inferred column typed by a non-null value. */
export function inferredColumn(name: string, value: unknown): ParquetColumn {
  return parquetColumn(name, typeOfValue(value) ?? 'string');
}

/**
 * Infers columns from a batch: fields in first-seen order, each typed by its
 * first non-null value. Numbers are always double (an integer-looking first
 * batch says nothing about the next one); declare int64/int32 to get integers.
 * A column all null in the batch stays undecided.
 */
export function inferColumns(batch: readonly DataRecord[]): ParquetColumn[] {
  const types = new Map<string, ParquetColumnType | undefined>();
  for (const record of batch) {
    if (!isRecord(record)) continue;
    for (const key in record) {
      if (types.get(key) !== undefined) continue;
      types.set(key, typeOfValue(record[key]));
    }
  }
  return [...types].map(([name, type]) => (type === undefined ? undecidedColumn(name) : parquetColumn(name, type)));
}

function typeOfValue(value: unknown): ParquetColumnType | undefined {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'double';
    case 'bigint':
      return 'int64';
    case 'boolean':
      return 'boolean';
    case 'object':
      if (value instanceof Date) return 'timestamp';
      if (value instanceof Uint8Array) return 'binary';
      return 'json';
    default:
      return 'json';
  }
}

/** The footer's schema element for a column (an undecided column's is a string's). */
export function columnElement(column: ParquetColumn): SchemaElementLike {
  const repetition_type = column.nullable ? 'OPTIONAL' : 'REQUIRED';
  const name = column.name;
  switch (column.type ?? 'string') {
    case 'string':
      return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type };
    case 'json':
      // Cells are JSON text, pre-encoded to bytes by the coercion.
      return { name, type: 'BYTE_ARRAY', converted_type: 'JSON', logical_type: { type: 'JSON' }, repetition_type };
    case 'timestamp':
      return {
        name,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
        repetition_type,
      };
    case 'double':
      return { name, type: 'DOUBLE', repetition_type };
    case 'int64':
      return { name, type: 'INT64', repetition_type };
    case 'int32':
      return { name, type: 'INT32', repetition_type };
    case 'boolean':
      return { name, type: 'BOOLEAN', repetition_type };
    case 'binary':
      return { name, type: 'BYTE_ARRAY', repetition_type };
  }
}

/** What a value is, for rejection messages. */
export function describeValue(value: unknown): string {
  if (value instanceof Date) return 'an invalid Date';
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isInteger(value)) return `a non-integer number`;
  if (typeof value === 'number' || typeof value === 'bigint') return `the integer ${String(value)}`;
  return `a ${typeof value}`;
}
