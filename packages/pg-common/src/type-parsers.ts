import pg from 'pg';
import type { PgTypeParsers } from './types.js';

/** PostgreSQL type OIDs this package treats specially. */
export const OID = {
  bool: 16,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  json: 114,
  float4: 700,
  float8: 701,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  jsonb: 3802,
  dateArray: 1182,
  timestampArray: 1115,
  numericArray: 1231,
  intervalArray: 1187,
  textArray: 1009,
} as const;

const TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?( BC)?$/;

/** `timestamp without time zone` is read as UTC, like the rule engine reads offset-less ISO strings. */
export function parseTimestampUtc(text: string): Date | string {
  const m = TIMESTAMP.exec(text);
  if (!m) return text; // infinity / -infinity stay strings
  let year = Number(m[1]);
  if (m[8]) year = 1 - year;
  const ms = m[7] ? Math.trunc(Number(`0.${m[7]}`) * 1000) : 0;
  const date = new Date(Date.UTC(2000, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
  date.setUTCFullYear(year);
  return date;
}

const identity = (text: string): string => text;

function mapArray(parse: (text: string) => unknown): (text: string) => unknown {
  const parseTextArray = (pg.types.getTypeParser as (oid: number) => (text: string) => unknown)(OID.textArray);
  const walk = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(walk) : value === null ? null : parse(value as string);
  return (text) => walk(parseTextArray(text));
}

const overrides = new Map<number, (text: string) => unknown>([
  [OID.int8, identity],
  [OID.numeric, identity],
  [OID.date, identity],
  [OID.interval, identity],
  [OID.timestamp, parseTimestampUtc],
  [OID.numericArray, mapArray(identity)],
  [OID.dateArray, mapArray(identity)],
  [OID.intervalArray, mapArray(identity)],
  [OID.timestampArray, mapArray(parseTimestampUtc)],
]);

/**
 * Per-query type parsers (the global pg.types registry is left alone):
 * numeric and bigint stay exact decimal strings, `date` stays `YYYY-MM-DD`,
 * `timestamp` is UTC, `timestamptz` a Date, json/jsonb objects, arrays arrays.
 */
export const typeParsers: PgTypeParsers = {
  getTypeParser(oid, format) {
    if (format !== 'binary') {
      const parser = overrides.get(oid);
      if (parser) return parser;
    }
    return pg.types.getTypeParser(oid, (format ?? 'text') as 'text') as (text: string) => unknown;
  },
};
