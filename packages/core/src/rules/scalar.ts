import type { Scalar, ValueType } from '../types.js';
import { parseIsoTime, toBoolean, toNumber } from './coerce.js';

/** A threshold as written in YAML. */
export type RawScalar = number | string | boolean;

/**
 * Types a threshold value. Without `valueType`: numbers are numbers,
 * booleans booleans, ISO-8601 dates and date-times (see `toTime`) are
 * times, and every other string is a string (so `"007"` stays text).
 * `valueType` forces the type: `number` accepts numeric text, `time`
 * accepts epoch milliseconds or ISO-8601 text, `string` stringifies,
 * `boolean` accepts `"true"`/`"false"`.
 *
 * Returns the message when the value cannot have the forced type.
 */
export function typeScalar(raw: RawScalar, valueType?: ValueType): Scalar | { readonly error: string } {
  const shown = JSON.stringify(raw);
  switch (valueType) {
    case undefined:
      if (typeof raw === 'number') return { type: 'number', value: raw };
      if (typeof raw === 'boolean') return { type: 'boolean', value: raw };
      {
        const time = parseIsoTime(raw);
        return time === undefined ? { type: 'string', value: raw } : { type: 'time', value: time };
      }
    case 'number': {
      const n = typeof raw === 'boolean' ? undefined : toNumber(raw);
      return n === undefined ? { error: `${shown} is not a number` } : { type: 'number', value: n };
    }
    case 'time': {
      const t =
        typeof raw === 'number' ? (Number.isFinite(raw) ? raw : undefined) : typeof raw === 'string' ? parseIsoTime(raw) : undefined;
      return t === undefined
        ? { error: `${shown} is not a time (ISO-8601 like 2024-01-02T03:04:05Z, or epoch milliseconds)` }
        : { type: 'time', value: t };
    }
    case 'string':
      return { type: 'string', value: String(raw) };
    case 'boolean': {
      const b = toBoolean(raw);
      return b === undefined ? { error: `${shown} is not a boolean (true or false)` } : { type: 'boolean', value: b };
    }
  }
}

/** Orders two scalars of the same type (booleans: false < true). */
export function compareScalars(a: Scalar, b: Scalar): number {
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}
