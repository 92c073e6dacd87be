import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { createEncoder } from '../src/index.js';
import { encodeAll } from './helpers.js';

function readCsv(bytes: Buffer, options: Record<string, unknown> = {}): string[][] {
  return parse(bytes, { relax_column_count: false, ...options }) as string[][];
}

describe('csv', () => {
  it('round-trips tricky values through csv-parse', () => {
    const records = [
      { id: 1, text: 'héllo ✓ 日本語 😀', quote: 'say "hi"', nl: 'a\nb\r\nc', comma: 'a,b', pad: ' lead', trail: 'trail ' },
      { id: -2.5, text: '', quote: null, nl: undefined, comma: 'plain', pad: '\ttab', trail: 'x'.repeat(100_000) },
    ];
    const { bytes, rejected, records: count } = encodeAll('csv', [records]);
    expect(rejected).toEqual([]);
    expect(count).toBe(2);
    const rows = readCsv(bytes);
    expect(rows).toEqual([
      ['id', 'text', 'quote', 'nl', 'comma', 'pad', 'trail'],
      ['1', 'héllo ✓ 日本語 😀', 'say "hi"', 'a\nb\r\nc', 'a,b', ' lead', 'trail '],
      ['-2.5', '', '', '', 'plain', '\ttab', 'x'.repeat(100_000)],
    ]);
  });

  it('tells empty strings from nulls: "" is quoted, null is bare', () => {
    const text = encodeAll('csv', [[{ a: '', b: null }]]).bytes.toString();
    expect(text).toBe('a,b\n"",\n');
    const custom = encodeAll('csv', [[{ a: 'NULL', b: null, c: '' }]], { csv: { null_value: 'NULL' } }).bytes.toString();
    expect(custom).toBe('a,b,c\n"NULL",NULL,\n');
  });

  it('formats dates, numbers, booleans, bigints, bytes and objects', () => {
    const text = encodeAll('csv', [
      [
        {
          d: new Date('2024-01-02T03:04:05.006Z'),
          bad: new Date('nope'),
          n: 0,
          nan: Number.NaN,
          inf: Number.NEGATIVE_INFINITY,
          t: true,
          f: false,
          big: 2n ** 70n,
          bytes: Buffer.from('hi'),
          obj: { a: [1, 'x,y'], b: 2n },
        },
      ],
    ]).bytes.toString();
    const rows = readCsv(Buffer.from(text), { columns: true }) as unknown as Record<string, string>[];
    expect(rows[0]).toEqual({
      d: '2024-01-02T03:04:05.006Z',
      bad: '',
      n: '0',
      nan: '',
      inf: '',
      t: 'true',
      f: 'false',
      big: (2n ** 70n).toString(),
      bytes: 'aGk=',
      obj: '{"a":[1,"x,y"],"b":2}',
    });
  });

  it('takes the header from the union of the first batch in first-seen order', () => {
    const { bytes } = encodeAll('csv', [
      [{ a: 1 }, { b: 2, a: 3 }, { c: 4 }],
      [{ c: 5, a: 6 }],
    ]);
    expect(bytes.toString()).toBe('a,b,c\n1,,\n3,2,\n,,4\n6,,5\n');
  });

  it('rejects a later record with a field outside the header, naming it', () => {
    const late = { a: 1, surprise: 'x' };
    const { bytes, rejected, records } = encodeAll('csv', [[{ a: 0 }], [late, { a: 2, other: null }]]);
    expect(records).toBe(2);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.record).toBe(late);
    expect(rejected[0]?.error.message).toContain('"surprise"');
    expect(bytes.toString()).toBe('a\n0\n2\n');
  });

  it('honours delimiter, crlf, header: false and declared columns', () => {
    const opts = { csv: { delimiter: ';', line_ending: 'crlf', header: false, columns: ['b', 'a'] } } as const;
    const { bytes, rejected } = encodeAll('csv', [[{ a: 'x;y', b: 1 }, { a: 'p,q', c: 3 }, { a: 'p,q' }]], opts);
    expect(bytes.toString()).toBe('1;"x;y"\r\n;p,q\r\n');
    expect(rejected.map((r) => r.error.message)).toEqual([expect.stringContaining('"c"')]);
    expect(readCsv(bytes, { delimiter: ';' })).toEqual([
      ['1', 'x;y'],
      ['', 'p,q'],
    ]);
  });

  it('writes an empty file for an empty run, or just the header when columns are declared', () => {
    expect(encodeAll('csv', []).bytes.length).toBe(0);
    expect(encodeAll('csv', [[]]).bytes.length).toBe(0);
    expect(encodeAll('csv', [], { csv: { columns: ['a', 'b c'] } }).bytes.toString()).toBe('a,b c\n');
  });

  it('quotes header names that need it', () => {
    const text = encodeAll('csv', [[{ 'a,b': 1, 'say "x"': 2 }]]).bytes.toString();
    expect(readCsv(Buffer.from(text))).toEqual([
      ['a,b', 'say "x"'],
      ['1', '2'],
    ]);
  });

  it('rejects values with no CSV form', () => {
    const bad = { a: () => 1 };
    const { rejected, records } = encodeAll('csv', [[{ a: 1 }, bad]]);
    expect(records).toBe(1);
    expect(rejected[0]?.error.message).toMatch(/function has no CSV form/);
  });

  it('reports its identity', () => {
    const e = createEncoder('csv');
    expect([e.format, e.contentType, e.extension]).toEqual(['csv', 'text/csv', 'csv']);
  });

  it('handles a large input in many batches', () => {
    const batches = Array.from({ length: 20 }, (_, b) =>
      Array.from({ length: 5_000 }, (_, i) => ({ id: b * 5_000 + i, note: i % 7 === 0 ? 'has, comma' : 'plain' })),
    );
    const rows = readCsv(encodeAll('csv', batches).bytes, { columns: true }) as unknown as Record<string, string>[];
    expect(rows).toHaveLength(100_000);
    expect(rows[99_999]).toEqual({ id: '99999', note: 'plain' });
    expect(rows[7]).toEqual({ id: '7', note: 'has, comma' });
  });
});
