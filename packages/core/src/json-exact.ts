/**
 * Decides the value of one JSON number literal: `text` is the literal as
 * written (`-12.5e3`), `integer` whether it has neither a fraction nor an
 * exponent.
 */
export type NumberLiteral = (text: string, integer: boolean) => unknown;

/**
 * Parses JSON text as `JSON.parse` does (same values, `__proto__` keys as
 * own properties, the last of duplicate keys, a `SyntaxError` naming the
 * position for invalid text), except that each number literal's value is
 * what `literal` makes of its text. `JSON.parse` on Node.js 20 gives no
 * access to a number's source text, hence this parser; it is several times
 * slower, so callers first try `JSON.parse` or a cheap test of the text.
 *
 * @example
 * parseJsonExact('{"id": 12345678901234567890}', (text, integer) =>
 *   integer && !Number.isSafeInteger(Number(text)) ? BigInt(text) : Number(text),
 * ); // { id: 12345678901234567890n }
 */
export function parseJsonExact(text: string, literal: NumberLiteral): unknown {
  return new ExactParser(text, literal).parse();
}

/** Whether `text` holds a control character from `from` up to `to`. */
function hasControl(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) < 0x20) return true;
  return false;
}

/**
 * The parser behind {@link parseJsonExact}: a class with private fields, as
 * V8 runs a hand-written parser fastest, and no work at module level (core's
 * start-up loads this module).
 */
class ExactParser {
  readonly #text: string;
  readonly #literal: NumberLiteral;
  #at = 0;
  /** Index of the next backslash at or after some earlier position (-1: none left), so finding escapes stays linear. */
  #backslash = 0;
  /** Whether the text holds a control character at all, which no string may hold unescaped (white space between tokens is one). */
  readonly #controls: boolean;

  constructor(text: string, literal: NumberLiteral) {
    this.#text = text;
    this.#literal = literal;
    this.#controls = /[\u0000-\u001f]/.test(text);
  }

  parse(): unknown {
    const value = this.#value();
    this.#space();
    if (this.#at < this.#text.length) throw new SyntaxError(`Unexpected non-whitespace character after JSON at position ${this.#at}`);
    return value;
  }

  #fail(what: string, position = this.#at): never {
    throw new SyntaxError(`${what} in JSON at position ${position}`);
  }

  #unexpected(): never {
    if (this.#at >= this.#text.length) throw new SyntaxError('Unexpected end of JSON input');
    return this.#fail(`Unexpected token '${this.#text[this.#at]}'`);
  }

  #space(): void {
    const text = this.#text;
    let c = text.charCodeAt(this.#at);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++this.#at);
  }

  #digits(): number {
    const text = this.#text;
    const first = this.#at;
    let c = text.charCodeAt(first);
    while (c >= 0x30 && c <= 0x39) c = text.charCodeAt(++this.#at);
    return this.#at - first;
  }

  #value(): unknown {
    this.#space();
    switch (this.#text.charCodeAt(this.#at)) {
      case 0x7b: // {
        return this.#object();
      case 0x5b: // [
        return this.#array();
      case 0x22: // "
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

  #word(name: string, value: unknown): unknown {
    const text = this.#text;
    if (!text.startsWith(name, this.#at)) {
      // Point at the first character that differs, as JSON.parse does.
      let i = 0;
      while (text.charCodeAt(this.#at + i) === name.charCodeAt(i)) i++;
      this.#at += i;
      this.#unexpected();
    }
    this.#at += name.length;
    return value;
  }

  #string(): string {
    const text = this.#text;
    const start = this.#at;
    const end = text.indexOf('"', start + 1);
    // Most strings hold neither escapes nor control characters: one slice, found with indexOf.
    if (this.#backslash >= 0 && this.#backslash < start) this.#backslash = text.indexOf('\\', start);
    if (end > 0 && (this.#backslash < 0 || this.#backslash > end) && (!this.#controls || !hasControl(text, start + 1, end))) {
      this.#at = end + 1;
      return text.slice(start + 1, end);
    }
    return this.#escapedString();
  }

  /** A string with escapes (or an invalid one), checked character by character. */
  #escapedString(): string {
    const text = this.#text;
    const start = this.#at;
    let at = start + 1;
    for (; ; at++) {
      let c = text.charCodeAt(at);
      while (c !== 0x22 && c !== 0x5c && c >= 0x20) c = text.charCodeAt(++at);
      if (c === 0x22) break;
      if (c !== 0x5c) this.#fail(at < text.length ? 'Bad control character in string literal' : 'Unterminated string', at);
      const e = text.charCodeAt(at + 1);
      if (e === 0x75) {
        for (let i = at + 2; i < at + 6; i++) {
          const h = text.charCodeAt(i);
          if (!((h >= 0x30 && h <= 0x39) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66))) this.#fail('Bad Unicode escape', i);
        }
        at += 5;
      } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        at += 1;
      } else {
        this.#fail('Bad escaped character', at + 1);
      }
    }
    this.#at = at + 1;
    // Escapes are rare and already checked: JSON.parse decodes them exactly as it would have.
    return JSON.parse(text.slice(start, at + 1)) as string;
  }

  #number(): unknown {
    const text = this.#text;
    const start = this.#at;
    if (text.charCodeAt(start) === 0x2d) this.#at++;
    const lead = text.charCodeAt(this.#at);
    const whole = this.#digits();
    if (whole === 0) {
      if (start === this.#at) this.#unexpected();
      this.#fail('No number after minus sign');
    }
    if (lead === 0x30 && whole > 1) this.#fail('Unexpected number', this.#at - whole + 1);
    let integer = true;
    if (text.charCodeAt(this.#at) === 0x2e) {
      integer = false;
      this.#at++;
      if (this.#digits() === 0) this.#fail('Unterminated fractional number');
    }
    const e = text.charCodeAt(this.#at);
    if (e === 0x65 || e === 0x45) {
      integer = false;
      const sign = text.charCodeAt(++this.#at);
      if (sign === 0x2b || sign === 0x2d) this.#at++;
      if (this.#digits() === 0) this.#fail('Exponent part is missing a number');
    }
    return this.#literal(text.slice(start, this.#at), integer);
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
      const c = this.#text.charCodeAt(this.#at);
      if (c === 0x5d) {
        this.#at++;
        return items;
      }
      if (c !== 0x2c) this.#fail("Expected ',' or ']' after array element");
      this.#at++;
    }
  }

  #object(): Record<string, unknown> {
    const members: Record<string, unknown> = {};
    this.#at++;
    this.#space();
    if (this.#text.charCodeAt(this.#at) === 0x7d) {
      this.#at++;
      return members;
    }
    for (let first = true; ; first = false) {
      this.#space();
      if (this.#text.charCodeAt(this.#at) !== 0x22) this.#fail(first ? "Expected property name or '}'" : 'Expected double-quoted property name');
      const key = this.#string();
      this.#space();
      if (this.#text.charCodeAt(this.#at) !== 0x3a) this.#fail("Expected ':' after property name");
      this.#at++;
      const member = this.#value();
      // Plain assignment would set the prototype; JSON.parse makes an own property.
      if (key === '__proto__') Object.defineProperty(members, key, { value: member, writable: true, enumerable: true, configurable: true });
      else members[key] = member;
      this.#space();
      const c = this.#text.charCodeAt(this.#at);
      if (c === 0x7d) {
        this.#at++;
        return members;
      }
      if (c !== 0x2c) this.#fail("Expected ',' or '}' after property value");
      this.#at++;
    }
  }
}
