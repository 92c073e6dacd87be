/**
 * The value coercions of the rule engine. A leaf compares in its threshold's
 * type, so a record value is converted with exactly one of these; `undefined`
 * means "unconvertible" (the leaf is false and counted).
 *
 * Sources that evaluate or translate rules themselves (the PostgreSQL
 * push-down, the CSV pre-filter) must mirror these rules exactly. The
 * accepted text shapes are also exported as anchored patterns
 * ({@link NUMBER_TEXT_PATTERN}, {@link TIME_TEXT_PATTERN}) for that purpose.
 */

/**
 * The numeric text {@link toNumber} accepts, after trimming JavaScript
 * whitespace (`String.prototype.trim`): an optional sign, decimal digits
 * with an optional fraction (`1`, `1.`, `.5`, `1.50`) and an optional
 * exponent (`1e5`, `2.5E-3`). No hex/octal/binary, no `Infinity`, no
 * thousands separators, no numeric separators (`1_000`).
 */
export const NUMBER_TEXT_PATTERN = '^[-+]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][-+]?[0-9]+)?$';

/**
 * The timestamp text {@link toTime} accepts (no surrounding whitespace):
 * `YYYY-MM-DD`, or that followed by `T`/`t`/space, `HH:MM`, optional `:SS`,
 * optional fraction of 1 to 9 digits (truncated to milliseconds), and an
 * optional offset `Z`/`z`, `±HH`, `±HHMM` or `±HH:MM`. Field ranges are
 * checked too (month 1-12, a day that exists in that month, hour 0-23,
 * minute and second 0-59, offset up to ±23:59).
 */
export const TIME_TEXT_PATTERN =
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\\.[0-9]{1,9})?)?(?:[Zz]|[-+][0-9]{2}(?::?[0-9]{2})?)?)?$';

const NUMBER_TEXT = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/**
 * Converts a record value to a finite number, or undefined.
 *
 * - finite numbers as they are (NaN and ±Infinity are unconvertible);
 * - bigint → `Number(v)` (may round beyond 2^53, like any JS number; one
 *   beyond the doubles' range is unconvertible);
 * - strings: trimmed, then a plain decimal or scientific literal as
 *   {@link NUMBER_TEXT_PATTERN} describes (`"1000.50"`, `" -3 "`, `"1e3"`);
 *   a literal that overflows to Infinity (`"1e999"`) is unconvertible;
 * - everything else (booleans, Dates, objects, empty or blank strings)
 *   is unconvertible.
 *
 * @example
 * toNumber('1000.50'); // 1000.5
 * toNumber('0x10');    // undefined
 */
export function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v - v === 0 ? v : undefined;
  if (typeof v === 'string') {
    const fast = parsePlainDecimal(v);
    return fast === fast ? fast : parseNumberText(v);
  }
  if (typeof v === 'bigint') {
    const n = Number(v);
    return n - n === 0 ? n : undefined;
  }
  return undefined;
}

/** Exact powers of ten: a double represents 10^0 … 10^22 exactly. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * The common CSV case (`-1234.56`: sign, at most 15 digits, one dot) without
 * calling into the runtime's string-to-number conversion. Both the digits
 * and the power of ten are exact doubles, so the single division is
 * correctly rounded and equals `Number(s)` (Clinger's fast path). Returns
 * NaN when the text is not of that simple shape, for the general path.
 */
function parsePlainDecimal(s: string): number {
  const len = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  const negative = c === 45;
  if (negative || c === 43) i++;
  let mantissa = 0;
  let digits = 0;
  let dot = -1;
  for (; i < len; i++) {
    c = s.charCodeAt(i);
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      mantissa = mantissa * 10 + d;
      digits++;
    } else if (c === 46 && dot < 0) dot = digits;
    else return NaN;
  }
  if (digits === 0 || digits > 15) return NaN;
  const value = dot < 0 ? mantissa : mantissa / POW10[digits - dot]!;
  return negative ? -value : value;
}

/**
 * {@link parsePlainDecimal} on UTF-8 bytes `bytes[start, end)`: the same
 * grammar and arithmetic, so the same double the engine gets from the
 * decoded text; NaN for anything else. For sources that test values before
 * decoding them (the CSV reader's byte filter); kept beside the text version
 * so the two cannot drift.
 */
export function parsePlainDecimalBytes(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  let c = i < end ? bytes[i]! : -1;
  const negative = c === 45;
  if (negative || c === 43) i++;
  let mantissa = 0;
  let digits = 0;
  let dot = -1;
  for (; i < end; i++) {
    c = bytes[i]!;
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      mantissa = mantissa * 10 + d;
      digits++;
    } else if (c === 46 && dot < 0) dot = digits;
    else return NaN;
  }
  if (digits === 0 || digits > 15) return NaN;
  const value = dot < 0 ? mantissa : mantissa / POW10[digits - dot]!;
  return negative ? -value : value;
}

/** Everything else: whitespace, exponents, long digit strings, and what must be refused. */
function parseNumberText(v: string): number | undefined {
  // Number() is exact; what it accepts beyond our grammar is blank text
  // (→ 0), hex/octal/binary prefixes and Infinity, all handled below.
  const n = Number(v);
  if (n - n !== 0) return undefined; // NaN or ±Infinity
  const c = v.charCodeAt(0);
  if ((c >= 49 && c <= 57) || c === 45 || c === 43 || c === 46) return n; // 1-9 - + .
  if (c === 48) {
    const d = v.charCodeAt(1) | 0x20; // lower-cased
    return d === 0x78 || d === 0x6f || d === 0x62 ? undefined : n; // 0x 0o 0b
  }
  // Leading whitespace, or empty: let the grammar decide.
  return NUMBER_TEXT.test(v) ? n : undefined;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Two ASCII digits at `i` as a number, or -1. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Parses ISO-8601 text as {@link TIME_TEXT_PATTERN} describes into epoch
 * milliseconds, or undefined. A date alone is midnight UTC; a date-time
 * without an offset is UTC (not local time, so results never depend on the
 * machine's time zone). Fractions beyond milliseconds are truncated.
 */
export function parseIsoTime(s: string): number | undefined {
  const len = s.length;
  if (len < 10 || len > 35) return undefined;
  const y1 = two(s, 0);
  const y2 = two(s, 2);
  if (y1 < 0 || y2 < 0 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined;
  const year = y1 * 100 + y2;
  const month = two(s, 5);
  const day = two(s, 8);
  if (month < 1 || month > 12 || day < 1) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month]!)) return undefined;
  const days = daysFromCivil(year, month, day);
  if (len === 10) return days * 86_400_000;

  const sep = s.charCodeAt(10);
  if ((sep !== 84 && sep !== 116 && sep !== 32) || len < 16 || s.charCodeAt(13) !== 58) return undefined; // T t space, ':'
  const hour = two(s, 11);
  const minute = two(s, 14);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return undefined;
  let i = 16;
  let second = 0;
  let ms = 0;
  if (s.charCodeAt(i) === 58) {
    second = two(s, i + 1);
    if (second < 0 || second > 59) return undefined;
    i += 3;
    if (s.charCodeAt(i) === 46) {
      i++;
      const start = i;
      let scale = 100;
      while (i < len) {
        const d = s.charCodeAt(i) - 48;
        if (d < 0 || d > 9) break;
        ms += d * scale; // digits past the third add 0: truncated
        scale = scale === 1 ? 0 : scale / 10;
        i++;
      }
      const digits = i - start;
      if (digits < 1 || digits > 9) return undefined;
    }
  }
  let offsetMinutes = 0;
  if (i < len) {
    const c = s.charCodeAt(i);
    if (c === 90 || c === 122) {
      // Z z
      if (i + 1 !== len) return undefined;
    } else if (c === 43 || c === 45) {
      // + -
      const oh = two(s, i + 1);
      if (oh < 0 || oh > 23) return undefined;
      let om = 0;
      const rest = len - (i + 3);
      if (rest === 2) om = two(s, i + 3);
      else if (rest === 3 && s.charCodeAt(i + 3) === 58) om = two(s, i + 4);
      else if (rest !== 0) return undefined;
      if (om < 0 || om > 59) return undefined;
      offsetMinutes = (oh * 60 + om) * (c === 45 ? -1 : 1);
    } else return undefined;
  }
  return days * 86_400_000 + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + ms;
}

/**
 * Converts a record value to epoch milliseconds, or undefined.
 *
 * - a valid `Date` → its time;
 * - a string in ISO-8601 as {@link TIME_TEXT_PATTERN} describes
 *   (`2024-01-02`, `2024-01-02T03:04:05.678Z`, `2024-01-02 03:04:05+02:00`);
 *   without an offset the time is UTC;
 * - everything else, including numbers (epoch numbers are ambiguous: seconds
 *   or milliseconds?), is unconvertible.
 *
 * @example
 * toTime('2024-01-02T00:00:00Z'); // 1704153600000
 */
export function toTime(v: unknown): number | undefined {
  if (typeof v === 'string') return parseIsoTime(v);
  if (v instanceof Date) {
    const t = v.getTime();
    return t === t ? t : undefined;
  }
  return undefined;
}

/**
 * Converts a record value to the string a string comparison sees, or
 * undefined: strings as they are; numbers, bigints and booleans through
 * `String(v)` (`1000.5` → `"1000.5"`, `true` → `"true"`); everything else
 * (Dates, objects, arrays) is unconvertible.
 */
export function toStringValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return undefined;
}

/**
 * Converts a record value to a boolean, or undefined: booleans as they are;
 * the strings `"true"` / `"false"` in any letter case (no trimming); nothing
 * else (not 1/0, not "yes").
 */
export function toBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && v.length >= 4 && v.length <= 5) {
    const lower = v.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}
