import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DataRecord } from '@sluice/core';
import { CopyTextDecoder } from '../src/copy-text.js';
import { inlineParams, literal, NotInlinable } from '../src/sql-literals.js';

/** What COPY TO writes for a text value (CopyAttributeOutText). */
function escapeField(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\b\f\n\r\t\v]/g, (c) => ({ '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' })[c]!);
}

const columns = [
  { name: 'a', parse: undefined },
  { name: 'b', parse: (t: string) => Number(t) },
  { name: 'c', parse: undefined },
];

describe('CopyTextDecoder', () => {
  it('decodes nulls, escapes and unicode, whatever the chunk boundaries', () => {
    const rows = [
      ['tab\there', '1', 'new\nline\r\n'],
      [null, '2', 'back\\slash \\N'],
      ['\\N', null, 'ünïcødé 🎉 \b\f\v'],
      ['', '3', ''],
    ];
    const bytes = Buffer.from(rows.map((r) => `${r.map(escapeField).join('\t')}\n`).join(''));
    const expected = rows.map(([a, b, c]) => ({ a, b: b === null ? null : Number(b), c }));
    for (let cut = 0; cut <= bytes.length; cut++) {
      for (const step of [1, 3, bytes.length]) {
        const decoder = new CopyTextDecoder(columns);
        const out: DataRecord[] = [];
        decoder.write(bytes.subarray(0, cut), out);
        for (let i = cut; i < bytes.length; i += step) decoder.write(bytes.subarray(i, Math.min(bytes.length, i + step)), out);
        decoder.end();
        expect(out).toStrictEqual(expected);
      }
    }
  });

  it('reads a field in place when its column has parseAt and the field holds no escape', () => {
    const seen: string[] = [];
    const decoder = new CopyTextDecoder([
      { name: 'a', parse: (t) => `cut:${t}`, parseAt: (s, start, end) => (seen.push(s.slice(start, end)), `at:${s.slice(start, end)}`) },
      { name: 'b', parse: undefined },
    ]);
    const out: DataRecord[] = [];
    decoder.write(Buffer.from('x\t1\nt\\ab\t2\n\\N\t3\n\t4\n'), out);
    decoder.end();
    expect(out).toStrictEqual([
      { a: 'at:x', b: '1' },
      { a: 'cut:tab', b: '2' },
      { a: null, b: '3' },
      { a: 'at:', b: '4' },
    ]);
    expect(seen).toEqual(['x', '']);
  });

  it('keeps nothing of a chunk after write: the caller may reuse its memory', () => {
    const decoder = new CopyTextDecoder(columns);
    const out: DataRecord[] = [];
    const chunk = Buffer.from('x\t1\ty\nrest');
    decoder.write(chunk, out);
    chunk.fill(0x7a);
    decoder.write(Buffer.from('\t2\tz\n'), out);
    decoder.end();
    expect(out).toStrictEqual([
      { a: 'x', b: 1, c: 'y' },
      { a: 'rest', b: 2, c: 'z' },
    ]);
  });

  it('round-trips any strings (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.option(fc.string({ unit: 'binary' })), fc.option(fc.string())), { maxLength: 20 }), (rows) => {
        const clean = rows.map(([a, c]) => [a?.replace(/[\uD800-\uDFFF]/g, '?') ?? null, c] as const);
        const text = clean.map(([a, c]) => `${escapeField(a)}\t5\t${escapeField(c)}\n`).join('');
        const decoder = new CopyTextDecoder(columns);
        const out: DataRecord[] = [];
        decoder.write(Buffer.from(text), out);
        decoder.end();
        expect(out).toStrictEqual(clean.map(([a, c]) => ({ a, b: 5, c })));
      }),
    );
  });

  it('decodes the octal and hex escapes COPY FROM accepts', () => {
    const decoder = new CopyTextDecoder([{ name: 'a', parse: undefined }]);
    const out: DataRecord[] = [];
    decoder.write(Buffer.from('\\101\\x42\\7\\q\n'), out);
    expect(out).toStrictEqual([{ a: 'AB\u0007q' }]);
  });

  it('rejects rows with the wrong number of columns and data cut inside a row', () => {
    expect(() => new CopyTextDecoder(columns).write(Buffer.from('a\t1\n'), [])).toThrow(/2 columns, expected 3/);
    expect(() => new CopyTextDecoder(columns).write(Buffer.from('a\t1\tc\td\n'), [])).toThrow(/more than 3 columns/);
    const decoder = new CopyTextDecoder(columns);
    decoder.write(Buffer.from('a\t1\tc\nx\t'), []);
    expect(() => decoder.end()).toThrow(/middle of a row/);
  });

  it('builds rows like node-postgres: key order, last duplicate wins, __proto__ is a plain key', () => {
    const decoder = new CopyTextDecoder([
      { name: 'x', parse: undefined },
      { name: '__proto__', parse: undefined },
      { name: 'x', parse: undefined },
    ]);
    const out: DataRecord[] = [];
    decoder.write(Buffer.from('1\t2\t3\n'), out);
    expect(Object.keys(out[0]!)).toEqual(['x', '__proto__']);
    expect(out[0]!.x).toBe('3');
    expect(Object.getPrototypeOf(out[0])).toBe(Object.prototype);
  });
});

describe('inlineParams', () => {
  it('replaces parameters only outside strings, identifiers and comments', () => {
    const sql = `SELECT $1, '$1', E'\\'$1', "$1", $$ $1 $$, $q$ $1 $q$, a$1, -- $1\n /* $1 /* $1 */ */ $2::int, $10, $3`;
    expect(inlineParams(sql, ['x', 5, null])).toBe(
      `SELECT E'x', '$1', E'\\'$1', "$1", $$ $1 $$, $q$ $1 $q$, a$1, -- $1\n /* $1 /* $1 */ */ E'5'::int, $10, NULL`,
    );
  });

  it('treats backslashes in plain strings as escapes when standard_conforming_strings is off', () => {
    // With backslash escapes `'a\' $1 '` is one string; without, `'a\'` ends before $1.
    expect(inlineParams(`SELECT 'a\\' $1 '', $1`, ['v'], true)).toBe(`SELECT 'a\\' E'v' '', E'v'`);
    expect(inlineParams(`SELECT 'a\\' $1 ', $1`, ['v'], false)).toBe(`SELECT 'a\\' $1 ', E'v'`);
  });

  it('quotes quotes, backslashes and arrays; refuses what it cannot quote', () => {
    expect(literal("it's \\ fine")).toBe("E'it''s \\\\ fine'");
    expect(literal(true)).toBe("E'true'");
    expect(literal(['a"b', 'c\\d', null])).toBe(`E'{"a\\\\"b","c\\\\\\\\d",NULL}'`);
    expect(() => literal({})).toThrow(NotInlinable);
    expect(() => literal('nul\u0000')).toThrow(NotInlinable);
    expect(() => inlineParams(`SELECT 'open`, [])).toThrow(NotInlinable);
  });
});
