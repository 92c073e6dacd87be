import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasUnsafeNumber, nonFinitePath, parseJson } from '../src/json.js';

describe('parseJson', () => {
  it('keeps integers beyond 2^53 exact as bigint; safe ones stay numbers', () => {
    const { value, overflow } = parseJson(
      '[12345678901234567890, -12345678901234567890, 9007199254740991, 9007199254740992, -9007199254740993, 1700000000000000, 123456789012345678901234567890, 0, -0, 1.5]',
    );
    expect(value).toEqual([
      12345678901234567890n,
      -12345678901234567890n,
      9007199254740991,
      9007199254740992n,
      -9007199254740993n,
      1700000000000000,
      123456789012345678901234567890n,
      0,
      -0,
      1.5,
    ]);
    expect(overflow).toBe(false);
  });

  it('marks a literal beyond a double as an overflow; an underflow is an ordinary 0', () => {
    expect(parseJson('{"v": 1e400, "w": -1E+999, "u": 1e-400}')).toEqual({ value: { v: Infinity, w: -Infinity, u: 0 }, overflow: true });
    expect(parseJson(`[${'9'.repeat(400)}.5]`)).toEqual({ value: [Infinity], overflow: true });
    expect(parseJson('[1e-400, 1.7976931348623157e308]')).toEqual({ value: [0, 1.7976931348623157e308], overflow: false });
  });

  it('tells numbers from digits inside strings, escaped quotes included', () => {
    const text = '{"id_str": "12345678901234567890", "q": "a\\\\\\" 1e400 \\\\", "n": 0.30000000000000004, "t": 1700000000000000}';
    expect(hasUnsafeNumber(text)).toBe(false);
    expect(hasUnsafeNumber(`${text.slice(0, -1)}, "x": 9007199254740993}`)).toBe(true);
    expect(parseJson(text).value).toEqual(JSON.parse(text));
  });

  it('builds what JSON.parse builds when it has to parse by itself', () => {
    // The same values once bigints are rounded as JSON.parse rounds their literals (exactness is tested above).
    const doubles = (value: unknown): unknown => {
      if (typeof value === 'bigint') return Number(value);
      if (Array.isArray(value)) return value.map(doubles);
      if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, doubles(v)]));
      return value;
    };
    fc.assert(
      fc.property(fc.json(), (json) => {
        // The extra element forces the exact parser.
        const { value } = parseJson(`[${json}, 12345678901234567890]`) as { value: unknown[] };
        expect(value[1]).toBe(12345678901234567890n);
        expect(doubles(value[0])).toEqual(JSON.parse(json));
      }),
      { numRuns: 500 },
    );
    const tricky = '{"__proto__": {"x": 1}, "a": 1, "a": 2, "s": "\\u00e9\\ud83d\\ude00\\n\\"", "e": [], "o": {}, "big": 99999999999999999999}';
    const { value } = parseJson(tricky) as { value: Record<string, unknown> };
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a', 's', 'e', 'o', 'big']);
    expect(value).toMatchObject({ a: 2, s: 'é😀\n"', e: [], o: {}, big: 99999999999999999999n });
    expect(parseJson('\t[ 1 ,\r\n{ "a" :\n12345678901234567890 } , [ ] , { } ]\n').value).toEqual([1, { a: 12345678901234567890n }, [], {}]);
  });

  it('rejects what JSON.parse rejects', () => {
    for (const bad of ['[1,]', '{"a" 1}', '12345678901234567890 x', '"open']) expect(() => parseJson(bad)).toThrow(SyntaxError);
  });

  it('finds the path of a non-finite number', () => {
    expect(nonFinitePath({ a: 1, b: { c: [1, -Infinity] } })).toBe('b.c[1]');
    expect(nonFinitePath({ a: 1, b: 'x' })).toBeUndefined();
  });
});
