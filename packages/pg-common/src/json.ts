import { parseJsonExact } from '@sluice/core';

/**
 * A number inside a json/jsonb value that no JavaScript number holds
 * exactly and that is not an integer a bigint can hold: a fraction with more
 * significant digits than a double keeps (`0.1000000000000000055511`), or a
 * value beyond a double's range (`1e400`, `1e-400`). It keeps the literal's
 * text, which the PostgreSQL exporter writes back as it is; `toJSON()`
 * gives the nearest double (what `JSON.parse` would have given, so JSON
 * output is unchanged), and the rule engine treats it as no number.
 */
export class JsonNumber {
  /** The number literal as the server printed it. */
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  /** The nearest double: JSON output shows what `JSON.parse` would give (null beyond a double's range). */
  toJSON(): number {
    return Number(this.text);
  }

  valueOf(): number {
    return Number(this.text);
  }

  toString(): string {
    return this.text;
  }
}

/** Parsed json values holding a bigint or a {@link JsonNumber}: {@link jsonText} must write those. */
const exactValues = new WeakSet<object>();

/**
 * Text that may hold a number literal `JSON.parse` would not keep exactly:
 * 16 digits (and dots) in a row, or an exponent. Strings can match too;
 * that only costs the careful parse.
 */
const MAYBE_INEXACT = /[0-9.]{16}|[0-9][eE]/;

/** Integers of at most this many digits are exact doubles by length alone. */
const SAFE_DIGITS = 15;
/** Integers of at most this many digits stay below 1e308, within a double's range (about 1.8e308): bigints beyond stay text, so the rule engine never sees one as Infinity. */
const MAX_DOUBLE_DIGITS = 308;

/** The value of a JSON number literal: a number when a double holds it exactly, else a bigint for an integer within a double's range, else a {@link JsonNumber}. */
function numberOf(literal: string): number | bigint | JsonNumber {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal)!;
  const fraction = m[3] ?? '';
  let digits = (m[2]! + fraction).replace(/^0+/, '');
  if (digits === '') return Number(literal);
  // Exponents beyond a few thousand digits mean the same to every test below.
  let exponent = Math.max(-1e6, Math.min(1e6, Number(m[4] ?? '0'))) - fraction.length;
  const trimmed = digits.replace(/0+$/, '');
  exponent += digits.length - trimmed.length;
  digits = trimmed;
  if (exponent >= 0) {
    const length = digits.length + exponent;
    if (length <= SAFE_DIGITS) return Number(literal);
    // Past 400 digits no double is near: only the literal's text keeps it.
    if (length > 400) return new JsonNumber(literal);
    const big = BigInt(`${m[1]}${digits}${'0'.repeat(exponent)}`);
    const value = Number(big);
    if (Number.isFinite(value) && BigInt(value) === big) return value;
    return length <= MAX_DOUBLE_DIGITS ? big : new JsonNumber(literal);
  }
  const value = Number(literal);
  // Exact when the double's shortest decimal form is the same decimal.
  if (value !== 0 && Number.isFinite(value)) {
    const shortest = /^-?(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value))!;
    const sf = shortest[2] ?? '';
    const sDigits = (shortest[1]! + sf).replace(/^0+/, '');
    const sTrimmed = sDigits.replace(/0+$/, '');
    const sExponent = Number(shortest[3] ?? '0') - sf.length + (sDigits.length - sTrimmed.length);
    if (sTrimmed === digits && sExponent === exponent) return value;
  }
  return new JsonNumber(literal);
}

/** {@link parseJsonExact} with {@link numberOf} for numbers; a value holding an exact number is noted for {@link jsonText}. */
function parseExact(text: string): unknown {
  let exact = false;
  const result = parseJsonExact(text, (literal) => {
    const number = numberOf(literal);
    if (typeof number !== 'number') exact = true;
    return number;
  });
  if (exact && typeof result === 'object' && result !== null) exactValues.add(result);
  return result;
}

/**
 * Parses json/jsonb text like `JSON.parse`, but keeps every number exact:
 * an integer no double holds exactly (`12345678901234567891`) becomes a
 * bigint, and any other number no double holds exactly (more significant
 * digits, or beyond a double's range) a {@link JsonNumber}. Only text holding such a candidate (16 digits in a
 * row, or an exponent) takes the careful parser; the rest goes to
 * `JSON.parse`.
 *
 * @example
 * parseJson('{"id": 12345678901234567890}'); // { id: 12345678901234567890n }
 */
export function parseJson(text: string): unknown {
  return MAYBE_INEXACT.test(text) ? parseExact(text) : JSON.parse(text);
}

/** `JSON.stringify` that writes bigints and {@link JsonNumber}s as the exact numbers they hold; cycles throw. */
function stringifyExact(value: unknown, key: string, seen: Set<object>): string | undefined {
  if (typeof value === 'object' && value !== null && !(value instanceof JsonNumber)) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') value = toJSON.call(value, key);
  }
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (value instanceof JsonNumber) return value.text;
      if (value instanceof Number || value instanceof String || value instanceof Boolean) return JSON.stringify(value);
      if (seen.has(value)) throw new TypeError('Converting circular structure to JSON');
      seen.add(value);
      let text: string;
      if (Array.isArray(value)) {
        text = `[${value.map((item, i) => stringifyExact(item, String(i), seen) ?? 'null').join(',')}]`;
      } else {
        const members: string[] = [];
        for (const name of Object.keys(value)) {
          const member = stringifyExact((value as Record<string, unknown>)[name], name, seen);
          if (member !== undefined) members.push(`${JSON.stringify(name)}:${member}`);
        }
        text = `{${members.join(',')}}`;
      }
      seen.delete(value);
      return text;
    }
    default:
      return undefined;
  }
}

/**
 * A value as JSON text for a json/jsonb column: what `JSON.stringify`
 * writes, except that the exact numbers {@link parseJson} made (bigints,
 * {@link JsonNumber}s) are written as the numbers they hold, so a value
 * read from json/jsonb is written back unchanged. Undefined for values with
 * no JSON form (undefined, functions, symbols).
 */
export function jsonText(value: unknown): string | undefined {
  if (typeof value === 'bigint' || value instanceof JsonNumber || (typeof value === 'object' && value !== null && exactValues.has(value))) {
    return stringifyExact(value, '', new Set());
  }
  try {
    return JSON.stringify(value);
  } catch (error) {
    // A bigint somewhere inside (JSON.stringify refuses them): write it as the number it is.
    if (error instanceof TypeError) return stringifyExact(value, '', new Set());
    throw error;
  }
}
