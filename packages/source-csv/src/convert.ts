import type { ColumnType } from './types.js';

/** Returned by a converter for a value that does not fit the declared type. */
export const INVALID: unique symbol = Symbol('invalid');

/** Turns a raw CSV value into the declared type, or {@link INVALID}. */
export type Converter = (value: string) => unknown;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'f', 'no', 'n', '0']);

const toNumber: Converter = (value) => {
  const text = value.trim();
  if (text === '') return null;
  if (!NUMBER.test(text)) return INVALID;
  // A literal beyond the double range (`1e400`) becomes ±Infinity, which
  // exporters write as null and the rule engine refuses: it is as invalid as
  // `NaN` or `Infinity`, which the pattern already refuses.
  const n = Number(text);
  return n - n === 0 ? n : INVALID;
};

/**
 * The rule engine's ISO-8601 parser (`parseIsoTime` of @sluice/core), so a
 * typed column holds exactly the instant a rule compares the text as: UTC
 * without an offset, impossible dates refused. Injected by whoever loads
 * @sluice/core, as this module also runs in worker threads that need not.
 */
let parseTime: ((text: string) => number | undefined) | undefined;

/** Sets the timestamp parser; call it before {@link converterFor} is asked for `timestamp`. */
export function useTimeParser(parse: (text: string) => number | undefined): void {
  parseTime = parse;
}

const toTimestamp: Converter = (value) => {
  const text = value.trim();
  if (text === '') return null;
  const ms = parseTime!(text);
  return ms === undefined ? INVALID : new Date(ms);
};

const toBoolean: Converter = (value) => {
  const text = value.trim().toLowerCase();
  if (text === '') return null;
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  return INVALID;
};

/** The converter for a declared type; undefined for `string` (kept as is). */
export function converterFor(type: ColumnType): Converter | undefined {
  switch (type) {
    case 'number':
      return toNumber;
    case 'timestamp':
      if (parseTime === undefined) throw new Error('source-csv: no timestamp parser (useTimeParser was not called)');
      return toTimestamp;
    case 'boolean':
      return toBoolean;
    case 'string':
      return undefined;
  }
}
