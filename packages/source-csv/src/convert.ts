import type { ColumnType } from './types.js';

/** Returned by a converter for a value that does not fit the declared type. */
export const INVALID: unique symbol = Symbol('invalid');

/** Turns a raw CSV value into the declared type, or {@link INVALID}. */
export type Converter = (value: string) => unknown;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// A calendar date first: Date.parse alone accepts "1" or "March 7".
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;
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

const toTimestamp: Converter = (value) => {
  const text = value.trim();
  if (text === '') return null;
  if (!TIMESTAMP.test(text)) return INVALID;
  const ms = Date.parse(text.length > 10 && text[10] === ' ' ? `${text.slice(0, 10)}T${text.slice(11)}` : text);
  return Number.isNaN(ms) ? INVALID : new Date(ms);
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
      return toTimestamp;
    case 'boolean':
      return toBoolean;
    case 'string':
      return undefined;
  }
}
