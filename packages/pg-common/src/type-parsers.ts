import pg from './vendor/pg.js';
import type { PgTypeParsers } from './types.js';
import { daysFromCivil } from '@sluice/core';
import { dateWithMicros } from './microsecond-date.js';
import { parseJson } from './json.js';

/** PostgreSQL type OIDs this package treats specially. */
export const OID = {
  bool: 16,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  json: 114,
  jsonArray: 199,
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
  jsonbArray: 3807,
  dateArray: 1182,
  timestampArray: 1115,
  timestamptzArray: 1185,
  numericArray: 1231,
  intervalArray: 1187,
  textArray: 1009,
} as const;

/** The ASCII digits of `s` from `i` to `end` as a number, or -1. */
function digitsAt(s: string, i: number, end: number): number {
  let n = 0;
  for (; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** The microseconds past the millisecond of the last value {@link isoMillis} read (a return slot that costs no allocation). */
let isoMicros = 0;

/**
 * Epoch milliseconds of PostgreSQL's ISO output `YYYY-MM-DD HH:MM:SS[.ffffff]`
 * followed by an offset `±HH[:MM[:SS]]` when `offset` is set, else nothing
 * (UTC), in `s` from `start` to `end`; the fraction's digits past the
 * millisecond are left in {@link isoMicros}. NaN for anything else (BC,
 * years past 9999, ±infinity, other DateStyles): the caller falls back.
 * Millions of rows pass here, so it reads characters in place instead of
 * running regular expressions.
 */
function isoMillis(s: string, start: number, end: number, offset: boolean): number {
  const b = start;
  if (
    end - b < 19 ||
    s.charCodeAt(b + 4) !== 45 ||
    s.charCodeAt(b + 7) !== 45 ||
    s.charCodeAt(b + 10) !== 32 ||
    s.charCodeAt(b + 13) !== 58 ||
    s.charCodeAt(b + 16) !== 58
  ) {
    return NaN;
  }
  const year = digitsAt(s, b, b + 4);
  const month = digitsAt(s, b + 5, b + 7);
  const day = digitsAt(s, b + 8, b + 10);
  const hour = digitsAt(s, b + 11, b + 13);
  const minute = digitsAt(s, b + 14, b + 16);
  const second = digitsAt(s, b + 17, b + 19);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || minute < 0 || second < 0) return NaN;
  let i = b + 19;
  let ms = 0;
  let us = 0;
  if (i < end && s.charCodeAt(i) === 46) {
    const first = ++i;
    while (i < end && i - first < 6) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      if (i - first < 3) ms = ms * 10 + d;
      else us = us * 10 + d;
      i++;
    }
    const n = i - first;
    if (n === 0) return NaN;
    if (n < 3) ms *= n === 1 ? 100 : 10;
    else if (n < 6) us *= n === 4 ? 100 : 10;
  }
  let shift = 0;
  if (offset) {
    if (i + 3 > end) return NaN;
    const sign = s.charCodeAt(i);
    if (sign !== 43 && sign !== 45) return NaN;
    const oh = digitsAt(s, i + 1, i + 3);
    let om = 0;
    let os = 0;
    i += 3;
    if (i < end) {
      if (s.charCodeAt(i) !== 58 || i + 3 > end) return NaN;
      om = digitsAt(s, i + 1, i + 3);
      i += 3;
      if (i < end) {
        if (s.charCodeAt(i) !== 58 || i + 3 > end) return NaN;
        os = digitsAt(s, i + 1, i + 3);
        i += 3;
      }
    }
    if (oh < 0 || om < 0 || os < 0) return NaN;
    shift = (oh * 3600 + om * 60 + os) * (sign === 45 ? -1000 : 1000);
  }
  if (i !== end) return NaN;
  isoMicros = us;
  return daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + ms - shift;
}

const TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?( BC)?$/;
/** The fraction of a `timestamptz` in any shape the slow path meets (BC, years past 9999). */
const FRACTION = /:\d\d\.(\d{1,6})/;

/** Microseconds past the millisecond in a fraction's digits (`789123` → 123). */
function microsOfFraction(digits: string | undefined): number {
  return digits === undefined || digits.length <= 3 ? 0 : Number(digits.slice(3).padEnd(3, '0'));
}

/** {@link parseTimestampUtc} of `s` from `start` to `end`, without cutting it out in the common case. */
export function parseTimestampUtcAt(s: string, start: number, end: number): Date | string {
  const fast = isoMillis(s, start, end, false);
  if (fast === fast) return dateWithMicros(fast, isoMicros);
  const text = s.slice(start, end);
  const m = TIMESTAMP.exec(text);
  if (!m) return text; // infinity / -infinity stay strings
  let year = Number(m[1]);
  if (m[8]) year = 1 - year;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const date = new Date(Date.UTC(2000, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
  date.setUTCFullYear(year);
  const t = date.getTime();
  // Past JavaScript's range (±275 760 years) no Date can hold the value: it stays text rather than becoming an invalid Date.
  return t === t ? dateWithMicros(t, microsOfFraction(m[7])) : text;
}

/** `timestamp without time zone` is read as UTC, like the rule engine reads offset-less ISO strings; sub-millisecond digits make a {@link MicrosecondDate}. */
export function parseTimestampUtc(text: string): Date | string {
  return parseTimestampUtcAt(text, 0, text.length);
}

const pgTimestamptz = pg.types.getTypeParser(1184, 'text') as (text: string) => unknown;

/** {@link parseTimestamptz} of `s` from `start` to `end`, without cutting it out in the common case. */
export function parseTimestamptzAt(s: string, start: number, end: number): unknown {
  const fast = isoMillis(s, start, end, true);
  if (fast === fast) return dateWithMicros(fast, isoMicros);
  const text = s.slice(start, end);
  const parsed = pgTimestamptz(text);
  if (!(parsed instanceof Date)) return parsed;
  const t = parsed.getTime();
  // Past JavaScript's range no Date can hold the value: it stays text rather than becoming an invalid Date.
  return t === t ? dateWithMicros(t, microsOfFraction(FRACTION.exec(text)?.[1])) : text;
}

/** `timestamptz` as a Date (±infinity as ±Infinity, like pg; sub-millisecond digits make a {@link MicrosecondDate}); the common ISO shape without a regular expression. */
export function parseTimestamptz(text: string): unknown {
  return parseTimestamptzAt(text, 0, text.length);
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
  [OID.timestamptz, parseTimestamptz],
  [OID.numericArray, mapArray(identity)],
  [OID.dateArray, mapArray(identity)],
  [OID.intervalArray, mapArray(identity)],
  [OID.timestampArray, mapArray(parseTimestampUtc)],
  [OID.timestamptzArray, mapArray(parseTimestamptz)],
  [OID.json, parseJson],
  [OID.jsonb, parseJson],
  [OID.jsonArray, mapArray(parseJson)],
  [OID.jsonbArray, mapArray(parseJson)],
]);

/**
 * Per-query type parsers (the global pg.types registry is left alone):
 * numeric and bigint stay exact decimal strings, `date` stays `YYYY-MM-DD`,
 * `timestamp` is UTC, `timestamptz` a Date (a {@link MicrosecondDate} when
 * the value has sub-millisecond digits), json/jsonb parsed with their
 * numbers exact ({@link parseJson}), arrays arrays.
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

/**
 * Parsers that read a value in place, from `start` to `end` of a longer
 * text (a COPY line), for the types whose text is parsed per row in bulk;
 * each gives what `typeParsers.getTypeParser(oid)` gives for the cut-out text.
 */
export function rangeParser(oid: number): ((s: string, start: number, end: number) => unknown) | undefined {
  if (oid === OID.timestamptz) return parseTimestamptzAt;
  if (oid === OID.timestamp) return parseTimestampUtcAt;
  return undefined;
}
