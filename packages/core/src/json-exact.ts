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
  let at = 0;

  const fail = (what: string, position = at): never => {
    throw new SyntaxError(`${what} in JSON at position ${position}`);
  };
  const unexpected = (): never => {
    if (at >= text.length) throw new SyntaxError('Unexpected end of JSON input');
    return fail(`Unexpected token '${text[at]}'`);
  };
  const space = (): void => {
    let c = text.charCodeAt(at);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++at);
  };
  const digits = (): number => {
    const first = at;
    let c = text.charCodeAt(at);
    while (c >= 0x30 && c <= 0x39) c = text.charCodeAt(++at);
    return at - first;
  };

  const string = (): string => {
    const start = at;
    let escaped = false;
    for (at++; ; at++) {
      let c = text.charCodeAt(at);
      while (c !== 0x22 && c !== 0x5c && c >= 0x20) c = text.charCodeAt(++at);
      if (c === 0x22) break;
      if (c !== 0x5c) fail(at < text.length ? 'Bad control character in string literal' : 'Unterminated string');
      escaped = true;
      const e = text.charCodeAt(at + 1);
      if (e === 0x75) {
        for (let i = at + 2; i < at + 6; i++) {
          const h = text.charCodeAt(i);
          if (!((h >= 0x30 && h <= 0x39) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66))) fail('Bad Unicode escape', i);
        }
        at += 5;
      } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        at += 1;
      } else {
        fail('Bad escaped character', at + 1);
      }
    }
    at++;
    // Escapes are rare and already checked: JSON.parse decodes them exactly as it would have.
    return escaped ? (JSON.parse(text.slice(start, at)) as string) : text.slice(start + 1, at - 1);
  };

  const number = (): unknown => {
    const start = at;
    if (text.charCodeAt(at) === 0x2d) at++;
    const lead = text.charCodeAt(at);
    const whole = digits();
    if (whole === 0) {
      if (start === at) unexpected();
      fail('No number after minus sign');
    }
    if (lead === 0x30 && whole > 1) fail('Unexpected number', at - whole + 1);
    let integer = true;
    if (text.charCodeAt(at) === 0x2e) {
      integer = false;
      at++;
      if (digits() === 0) fail('Unterminated fractional number');
    }
    const e = text.charCodeAt(at);
    if (e === 0x65 || e === 0x45) {
      integer = false;
      const sign = text.charCodeAt(++at);
      if (sign === 0x2b || sign === 0x2d) at++;
      if (digits() === 0) fail('Exponent part is missing a number');
    }
    return literal(text.slice(start, at), integer);
  };

  const word = (name: string, value: unknown): unknown => {
    if (!text.startsWith(name, at)) {
      // Point at the first character that differs, as JSON.parse does.
      let i = 0;
      while (text.charCodeAt(at + i) === name.charCodeAt(i)) i++;
      at += i;
      unexpected();
    }
    at += name.length;
    return value;
  };

  const value = (): unknown => {
    space();
    switch (text.charCodeAt(at)) {
      case 0x7b: // {
        return object();
      case 0x5b: // [
        return array();
      case 0x22: // "
        return string();
      case 0x74: // t
        return word('true', true);
      case 0x66: // f
        return word('false', false);
      case 0x6e: // n
        return word('null', null);
      default:
        return number();
    }
  };

  const array = (): unknown[] => {
    const items: unknown[] = [];
    at++;
    space();
    if (text.charCodeAt(at) === 0x5d) {
      at++;
      return items;
    }
    for (;;) {
      items.push(value());
      space();
      const c = text.charCodeAt(at);
      if (c === 0x5d) {
        at++;
        return items;
      }
      if (c !== 0x2c) fail("Expected ',' or ']' after array element");
      at++;
    }
  };

  const object = (): Record<string, unknown> => {
    const members: Record<string, unknown> = {};
    at++;
    space();
    if (text.charCodeAt(at) === 0x7d) {
      at++;
      return members;
    }
    for (let first = true; ; first = false) {
      space();
      if (text.charCodeAt(at) !== 0x22) fail(first ? "Expected property name or '}'" : 'Expected double-quoted property name');
      const key = string();
      space();
      if (text.charCodeAt(at) !== 0x3a) fail("Expected ':' after property name");
      at++;
      const member = value();
      // Plain assignment would set the prototype; JSON.parse makes an own property.
      if (key === '__proto__') Object.defineProperty(members, key, { value: member, writable: true, enumerable: true, configurable: true });
      else members[key] = member;
      space();
      const c = text.charCodeAt(at);
      if (c === 0x7d) {
        at++;
        return members;
      }
      if (c !== 0x2c) fail("Expected ',' or '}' after property value");
      at++;
    }
  };

  const result = value();
  space();
  if (at < text.length) throw new SyntaxError(`Unexpected non-whitespace character after JSON at position ${at}`);
  return result;
}
