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
const BACKSLASH = 0x5c;
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
 * by {@link ExactParser}. Node.js 20's JSON.parse gives a reviver no
 * access to a number's source text, hence the second parser.
 *
 * @example
 * parseJson('{"id": 12345678901234567890}').value; // { id: 12345678901234567890n }
 */
export function parseJson(text: string): ParsedJson {
  const value: unknown = JSON.parse(text);
  if (!UNSAFE_HINT.test(text) || !hasUnsafeNumber(text)) return { value, overflow: false };
  return new ExactParser(text).parse();
}

/** Index of the quote that closes the string opening at `start`. */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  for (;;) {
    if (end < 0) throw new SyntaxError(`unterminated string at ${start}`);
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
}

/** Index just past the number literal starting at `start`, and its shape. */
function numberEnd(text: string, start: number): { readonly end: number; readonly integer: boolean } {
  let i = start;
  if (text.charCodeAt(i) === MINUS) i++;
  const first = i;
  while (isDigit(text.charCodeAt(i))) i++;
  if (i === first) throw new SyntaxError(`unexpected character at ${start}`);
  let integer = true;
  if (text.charCodeAt(i) === DOT) {
    integer = false;
    i++;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  const c = text.charCodeAt(i);
  if (c === 0x65 || c === 0x45) {
    integer = false;
    i++;
    const sign = text.charCodeAt(i);
    if (sign === MINUS || sign === PLUS) i++;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  return { end: i, integer };
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
 * A JSON parser that keeps unsafe integers exact (as bigint) and notes
 * overflows; otherwise it builds what JSON.parse builds (own `__proto__`
 * keys, the last of duplicate keys). Only for texts JSON.parse has already
 * accepted, and only for those that need it: it is several times slower.
 */
class ExactParser {
  readonly #text: string;
  #at = 0;
  #overflow = false;
  /** Index of the next backslash at or after some earlier position (-1: none left), so finding escapes stays linear. */
  #backslash = 0;

  constructor(text: string) {
    this.#text = text;
  }

  parse(): ParsedJson {
    const value = this.#value();
    this.#space();
    if (this.#at < this.#text.length) throw new SyntaxError(`unexpected text at ${this.#at}`);
    return { value, overflow: this.#overflow };
  }

  #space(): void {
    const text = this.#text;
    let c = text.charCodeAt(this.#at);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++this.#at);
  }

  #value(): unknown {
    this.#space();
    const text = this.#text;
    switch (text.charCodeAt(this.#at)) {
      case 0x7b: // {
        return this.#object();
      case 0x5b: // [
        return this.#array();
      case QUOTE:
        return this.#string();
      case 0x74: // t
        return this.#word('true', true);
      case 0x66: // f
        return this.#word('false', false);
      case 0x6e: // n
        return this.#word('null', null);
      default:
        return this.#number();
    }
  }

  #word<T>(word: string, value: T): T {
    if (!this.#text.startsWith(word, this.#at)) throw new SyntaxError(`unexpected text at ${this.#at}`);
    this.#at += word.length;
    return value;
  }

  #string(): string {
    const text = this.#text;
    const start = this.#at;
    const end = stringEnd(text, start);
    this.#at = end + 1;
    if (this.#backslash >= 0 && this.#backslash < start) this.#backslash = text.indexOf('\\', start);
    // Escapes are rare; JSON.parse decodes them exactly as it would have.
    return this.#backslash < 0 || this.#backslash > end ? text.slice(start + 1, end) : (JSON.parse(text.slice(start, end + 1)) as string);
  }

  #number(): number | bigint {
    const text = this.#text;
    const start = this.#at;
    // Short integers, the most common numbers, without slicing: up to 15 digits the sum is exact.
    let i = start;
    const negative = text.charCodeAt(i) === MINUS;
    if (negative) i++;
    const first = i;
    let sum = 0;
    for (let c = text.charCodeAt(i); isDigit(c); c = text.charCodeAt(++i)) sum = sum * 10 + (c - 0x30);
    const next = text.charCodeAt(i);
    if (i > first && i - first <= 15 && next !== DOT && next !== 0x65 && next !== 0x45) {
      this.#at = i;
      return negative ? -sum : sum;
    }
    const { end, integer } = numberEnd(text, start);
    this.#at = end;
    const source = text.slice(start, end);
    const value = Number(source);
    if (integer) return Number.isSafeInteger(value) ? value : BigInt(source);
    if (!Number.isFinite(value)) this.#overflow = true;
    return value;
  }

  #array(): unknown[] {
    const items: unknown[] = [];
    this.#at++;
    this.#space();
    if (this.#text.charCodeAt(this.#at) === 0x5d) {
      this.#at++;
      return items;
    }
    for (;;) {
      items.push(this.#value());
      this.#space();
      const c = this.#text.charCodeAt(this.#at++);
      if (c === 0x5d) return items;
      if (c !== 0x2c) throw new SyntaxError(`expected , or ] at ${this.#at - 1}`);
    }
  }

  #object(): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    this.#at++;
    this.#space();
    if (this.#text.charCodeAt(this.#at) === 0x7d) {
      this.#at++;
      return object;
    }
    for (;;) {
      this.#space();
      if (this.#text.charCodeAt(this.#at) !== QUOTE) throw new SyntaxError(`expected a key at ${this.#at}`);
      const key = this.#string();
      this.#space();
      if (this.#text.charCodeAt(this.#at++) !== 0x3a) throw new SyntaxError(`expected : at ${this.#at - 1}`);
      const value = this.#value();
      // Plain assignment would set the prototype; JSON.parse makes an own property.
      if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
      else object[key] = value;
      this.#space();
      const c = this.#text.charCodeAt(this.#at++);
      if (c === 0x7d) return object;
      if (c !== 0x2c) throw new SyntaxError(`expected , or } at ${this.#at - 1}`);
    }
  }
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
