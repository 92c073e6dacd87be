import { describe, expect, it } from 'vitest';
import { encodeAll } from './helpers.js';

const tricky = [
  { id: 1, text: 'héllo wörld ✓ 日本語 😀', quote: 'say "hi"', nl: 'a\nb\r\nc', comma: 'a,b', empty: '', nil: null },
  { id: -2.5, zero: 0, negZero: -0, nan: Number.NaN, inf: Number.POSITIVE_INFINITY, missing: undefined },
  { id: 3, when: new Date('2024-05-01T12:34:56.789Z'), nested: { a: [1, { b: 'c' }], d: null } },
  { id: 4, small: 42n, huge: 2n ** 70n, negHuge: -(2n ** 60n), bytes: Buffer.from('hi there'), u8: new Uint8Array([1, 2, 255]) },
  { id: 5, long: 'x'.repeat(200_000) },
];

const expected = [
  { id: 1, text: 'héllo wörld ✓ 日本語 😀', quote: 'say "hi"', nl: 'a\nb\r\nc', comma: 'a,b', empty: '', nil: null },
  { id: -2.5, zero: 0, negZero: 0, nan: null, inf: null },
  { id: 3, when: '2024-05-01T12:34:56.789Z', nested: { a: [1, { b: 'c' }], d: null } },
  { id: 4, small: 42, huge: (2n ** 70n).toString(), negHuge: (-(2n ** 60n)).toString(), bytes: 'aGkgdGhlcmU=', u8: 'AQL/' },
  { id: 5, long: 'x'.repeat(200_000) },
];

describe('ndjson', () => {
  it('writes one JSON object per line and reads back', () => {
    const { bytes, rejected, records } = encodeAll('ndjson', [tricky.slice(0, 2), tricky.slice(2)]);
    expect(rejected).toEqual([]);
    expect(records).toBe(5);
    const text = bytes.toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.map((l) => JSON.parse(l))).toEqual(expected);
  });

  it('is empty for an empty run', () => {
    expect(encodeAll('ndjson', []).bytes.length).toBe(0);
    expect(encodeAll('ndjson', [[], []]).bytes.length).toBe(0);
  });

  it('rejects a record JSON cannot hold and keeps the rest', () => {
    const cyclic: Record<string, unknown> = { id: 2 };
    cyclic.self = cyclic;
    const { bytes, rejected, records } = encodeAll('ndjson', [[{ id: 1 }, cyclic, { id: 3 }]]);
    expect(records).toBe(2);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.record).toBe(cyclic);
    expect(rejected[0]?.error.message).toMatch(/cannot be encoded as JSON/);
    expect(bytes.toString()).toBe('{"id":1}\n{"id":3}\n');
  });

  it('reports its identity', async () => {
    const { createEncoder } = await import('../src/index.js');
    const e = createEncoder('ndjson');
    expect([e.format, e.contentType, e.extension]).toEqual(['ndjson', 'application/x-ndjson', 'ndjson']);
  });
});

describe('json', () => {
  it('streams a single array across batches', () => {
    const { bytes, rejected, records } = encodeAll('json', [tricky.slice(0, 1), [], tricky.slice(1, 3), tricky.slice(3)]);
    expect(rejected).toEqual([]);
    expect(records).toBe(5);
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(expected);
  });

  it('writes [] for an empty run', () => {
    expect(JSON.parse(encodeAll('json', []).bytes.toString())).toEqual([]);
    expect(JSON.parse(encodeAll('json', [[], []]).bytes.toString())).toEqual([]);
  });

  it('stays valid when the first batch is entirely rejected', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const { bytes, rejected } = encodeAll('json', [[cyclic], [{ a: 1 }], [cyclic], [{ a: 2 }]]);
    expect(rejected).toHaveLength(2);
    expect(JSON.parse(bytes.toString())).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('reports its identity and refuses writes after end', async () => {
    const { createEncoder } = await import('../src/index.js');
    const e = createEncoder('json');
    expect([e.format, e.contentType, e.extension]).toEqual(['json', 'application/json', 'json']);
    e.end();
    expect(() => e.write([{ a: 1 }])).toThrow(/after end/);
  });

  it('handles a large batch', () => {
    const batch = Array.from({ length: 100_000 }, (_, i) => ({ i, s: `v${i}` }));
    const parsed = JSON.parse(encodeAll('json', [batch, batch]).bytes.toString()) as unknown[];
    expect(parsed).toHaveLength(200_000);
    expect(parsed[199_999]).toEqual({ i: 99_999, s: 'v99999' });
  });
});
