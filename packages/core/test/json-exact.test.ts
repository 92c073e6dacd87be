import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonExact } from '../src/json-exact.js';

/** What JSON.parse does with a number literal. */
const asNumber = (text: string): number => Number(text);

/** The error JSON.parse throws for `text`, or undefined. */
function jsonParseError(text: string): Error | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

describe('parseJsonExact', () => {
  it('builds what JSON.parse builds when the policy is Number (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(parseJsonExact(text, asNumber)).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(parseJsonExact(` \r\n${text}\t`, asNumber)).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects exactly what JSON.parse rejects (property)', () => {
    const jsonish = fc.string({ unit: fc.constantFrom(...'{}[]":,.-+eE0159 \\untrfals\u0001\n'.split('')), maxLength: 12 });
    // Valid texts with one character dropped, doubled or swapped for another.
    const mutated = fc.tuple(fc.json(), fc.nat(), fc.constantFrom('', '{', '}', '[', ']', '"', ',', ':', '0', '-', '.', 'e', '\\', '\u0000', ' x')).map(([text, at, insert]) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + insert + text.slice(i + (insert === '' ? 1 : 0));
    });
    fc.assert(
      fc.property(fc.oneof(jsonish, mutated), (text) => {
        const expected = jsonParseError(text);
        if (expected === undefined) expect(parseJsonExact(text, asNumber)).toStrictEqual(JSON.parse(text));
        else expect(() => parseJsonExact(text, asNumber)).toThrow(SyntaxError);
      }),
      { numRuns: 5000 },
    );
  });

  it('names the position as JSON.parse does', () => {
    const unexpectedAt: Record<string, number> = { '-a': 1, '[1,]': 3 };
    const texts = ['[1', '{"a" 1}', '1 x', '"a\u0001"', '"\\x"', '-', '1.', '1e', '01', '{"a":1,}', '[1 2]', '', 'tru', '"abc', '{', '{"a":1 "b":2}', '"\\u12g4"', '"\\u\u00100aa"', '-a', 'nul', '[1,]', '[\n"a",\n"b\tc"]', '["ok", "\\n\u0007"]', '"a\\"'];
    for (const text of texts) {
      let message: string | undefined;
      try {
        parseJsonExact(text, asNumber);
      } catch (error) {
        message = (error as Error).message;
      }
      // JSON.parse quotes the text after an unexpected token; a body can be megabytes, so the position is named instead.
      expect({ text, message }).toEqual({ text, message: jsonParseError(text)!.message.replace(/, ".*" is not valid JSON$/, ` in JSON at position ${unexpectedAt[text]}`) });
    }
  });

  it('hands every number literal to the policy with its text and whether it is an integer', () => {
    const seen: [string, boolean][] = [];
    const value = parseJsonExact('[0, -0, 12345678901234567890, 1.50, 1e400, -2E-3, {"n": 7}, "12345678901234567890"]', (text, integer) => {
      seen.push([text, integer]);
      return integer ? BigInt(text) : text;
    });
    expect(seen).toEqual([
      ['0', true],
      ['-0', true],
      ['12345678901234567890', true],
      ['1.50', false],
      ['1e400', false],
      ['-2E-3', false],
      ['7', true],
    ]);
    expect(value).toEqual([0n, 0n, 12345678901234567890n, '1.50', '1e400', '-2E-3', { n: 7n }, '12345678901234567890']);
  });

  it('keeps __proto__ as an own property, the last of duplicate keys, and decodes escapes as JSON.parse does', () => {
    const text = '{"__proto__": {"x": 1}, "a": 1, "a": 2, "s": "\\u00e9\\ud83d\\ude00\\ud800\\n\\"\\/\\\\", "e": [], "o": {}}';
    const value = parseJsonExact(text, asNumber) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a', 's', 'e', 'o']);
    expect(value).toStrictEqual(JSON.parse(text));
    expect(value.a).toBe(2);
  });
});
