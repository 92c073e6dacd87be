import { parseJsonExact } from '@sluice/core';

/** A response body parsed so that no number loses digits without notice. */
export interface ParsedJson {
  readonly value: unknown;
  /** Whether some number literal was too large for a double and reads as ±Infinity. */
  readonly overflow: boolean;
}

/**
 * A cheap first test for the literals JSON.parse gets wrong: 16 or more
 * digits that start an integer part (after `:` `,` `[` `-`, white space or
 * at the start), or an exponent of 3 or more digits (the only way a shorter
 * literal reaches ±Infinity). Digits after a decimal point or an opening
 * quote (`"id_str": "1234567890123456789"`) do not match; other text inside
 * strings may, which {@link hasUnsafeNumber} then tells apart.
 */
const UNSAFE_HINT = /[:,[\s-]\d{16}|^\d{16}|[eE][-+]?\d{3}/;
/**
 * Whole strings (skipped) or the same candidates as {@link UNSAFE_HINT}:
 * scanning with it leaves the regular expression engine only at candidates.
 */
const STRING_OR_CANDIDATE = /"[^"\\]*(?:\\[^][^"\\]*)*"|(?<![.\d])\d{16}|[eE][-+]?\d{3}/g;

const QUOTE = 0x22;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * Parses a JSON body. Integers beyond `Number.MAX_SAFE_INTEGER` (64-bit ids)
 * arrive as exact `bigint`s; a literal beyond a double's range arrives as
 * ±Infinity with `overflow` set, so the caller can refuse what holds it.
 * JSON.parse does the work (and the syntax check) unless the text holds
 * such a literal outside a string; only then is it parsed again, slower,
 * by core's `parseJsonExact`. Node.js 20's JSON.parse gives a reviver no
 * access to a number's source text, hence the second parser.
 *
 * @example
 * parseJson('{"id": 12345678901234567890}').value; // { id: 12345678901234567890n }
 */
export function parseJson(text: string): ParsedJson {
  const value: unknown = JSON.parse(text);
  if (!UNSAFE_HINT.test(text) || !hasUnsafeNumber(text)) return { value, overflow: false };
  return parseExact(text);
}

/** {@link parseJsonExact} keeping unsafe integers as bigints and noting overflows. */
function parseExact(text: string): ParsedJson {
  let overflow = false;
  const value = parseJsonExact(text, (literal, integer) => {
    const number = Number(literal);
    if (integer) return Number.isSafeInteger(number) ? number : BigInt(literal);
    if (!Number.isFinite(number)) overflow = true;
    return number;
  });
  return { value, overflow };
}

const isNumberChar = (c: number): boolean => isDigit(c) || c === DOT || c === MINUS || c === PLUS || c === 0x65 || c === 0x45;

/** Whether a (valid) JSON text holds, outside its strings, a number literal that JSON.parse would change. */
export function hasUnsafeNumber(text: string): boolean {
  const pattern = STRING_OR_CANDIDATE;
  pattern.lastIndex = 0;
  // test() rather than exec(): no match object per string.
  while (pattern.test(text)) {
    const after = pattern.lastIndex;
    if (text.charCodeAt(after - 1) === QUOTE) continue;
    // Outside strings, the candidate lies inside one number literal: widen it to the whole literal.
    let start = after - 1;
    while (start > 0 && isNumberChar(text.charCodeAt(start - 1))) start--;
    let end = after;
    while (isNumberChar(text.charCodeAt(end))) end++;
    const literal = text.slice(start, end);
    const value = Number(literal);
    const integer = !/[.eE]/.test(literal);
    if (integer ? !Number.isSafeInteger(value) : !Number.isFinite(value)) return true;
    pattern.lastIndex = end;
  }
  return false;
}

/**
 * The path (`a.b[2]`) of the first ±Infinity number in a value, or
 * undefined. Only called on bodies whose parse reported an overflow.
 */
export function nonFinitePath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nonFinitePath(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const found = nonFinitePath((value as Record<string, unknown>)[key], path === '' ? key : `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}
