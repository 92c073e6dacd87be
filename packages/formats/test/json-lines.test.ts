import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DataRecord } from '@sluice/core';
import { flatJsonLines, jsonLinesOnBytes } from '../src/json-lines.js';
import { recordToJson } from '../src/json-text.js';
import { createEncoder } from '../src/index.js';

/** The record-by-record NDJSON every batch must equal. */
function reference(batch: readonly DataRecord[]): string {
  return batch.map((record) => `${recordToJson(record)}\n`).join('');
}

// Characters that matter to the `},{"` boundary search, to JSON escaping and to UTF-8.
const text = fc
  .array(fc.constantFrom('}', ',', '{', '"', '\\', ':', '[', ']', '\n', '\u0000', 'a', 'é', '日', '😀', '\ud800', ' '), { maxLength: 6 })
  .map((chars) => chars.join(''));
const key = fc.oneof(text, fc.constantFrom('id', 'value', '__proto__', '', '},{'));
const flatValue = fc.oneof(
  text,
  fc.constantFrom('x},{', '},{"', '"},{"', 'a},{"b":', '', 'null'),
  fc.double(),
  fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e21, 5e-324),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date({ noInvalidDate: false }),
);
const anyValue = fc.oneof(
  { weight: 12, arbitrary: flatValue },
  { weight: 1, arbitrary: fc.bigInt() },
  { weight: 1, arbitrary: fc.constant(Buffer.from('hi')) },
  { weight: 1, arbitrary: fc.constant([{ a: 'x' }, { b: 'y' }]) },
  { weight: 1, arbitrary: fc.dictionary(text, flatValue, { maxKeys: 2 }) },
);
const record = (value: fc.Arbitrary<unknown>) =>
  fc.array(fc.tuple(key, value), { maxLength: 5 }).map((entries) => Object.fromEntries(entries) as DataRecord);

describe('flatJsonLines', () => {
  it('gives the record-by-record NDJSON bytes, or nothing, for any batch of flat records', () => {
    fc.assert(
      fc.property(fc.array(record(flatValue), { maxLength: 8 }), (batch) => {
        const lines = flatJsonLines(batch);
        if (lines === undefined) return;
        expect(lines.bytes.toString('utf8')).toBe(reference(batch));
        // Plain lines are the records themselves, as JSON.parse reads them.
        if (lines.plain) {
          const parsed = lines.bytes.toString('utf8').split('\n').slice(0, -1).map((line) => JSON.parse(line) as unknown);
          expect(parsed).toEqual(batch.map((record) => JSON.parse(JSON.stringify(record)) as unknown));
          expect(parsed).toEqual(batch.map(withoutUndefined));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the one-stringify path for CSV-shaped records, quotes and all', () => {
    const batch = Array.from({ length: 50 }, (_, i) => ({ id: String(i), note: i % 2 ? 'said "hello", twice' : 'é\n😀', value: (i * 1.5).toFixed(2) }));
    expect(flatJsonLines(batch)?.bytes.toString('utf8')).toBe(reference(batch));
    expect(flatJsonLines(batch)?.plain).toBe(true);
  });

  it('declines a batch whose text shows a boundary that is not one', () => {
    expect(flatJsonLines([{ a: 'x},{' }, { b: 'y' }])).toBeUndefined();
    expect(flatJsonLines([{ 'k},{': 1 }, { b: 'y' }])).toBeUndefined();
  });

  it('declines records that are empty in JSON, nested, tagged or not plain objects', () => {
    expect(flatJsonLines([{ a: 'x' }, {}])).toBeUndefined();
    expect(flatJsonLines([{ a: 'x' }, { gone: undefined }])).toBeUndefined();
    expect(flatJsonLines([{ a: { b: 1 } }])).toBeUndefined();
    expect(flatJsonLines([{ a: 1n }])).toBeUndefined();
    expect(flatJsonLines([{ a: Buffer.from('x') }])).toBeUndefined();
    expect(flatJsonLines([new (class { a = 1 })()])).toBeUndefined();
    expect(flatJsonLines([['a'] as unknown as DataRecord])).toBeUndefined();
    expect(flatJsonLines([])).toBeUndefined();
  });

  it('calls lines plain only when JSON.parse gives the records back', () => {
    expect(flatJsonLines([{ a: 'x', n: 1.5, b: false, z: null, gone: undefined }])?.plain).toBe(true);
    expect(flatJsonLines([{ a: 'x' }, { a: 'y', at: new Date(0) }])?.plain).toBe(false);
    expect(flatJsonLines([{ n: Number.NaN }])?.plain).toBe(false);
    expect(flatJsonLines([{ n: Number.NEGATIVE_INFINITY }])?.plain).toBe(false);
  });
});

describe('jsonLinesOnBytes', () => {
  // Records sharing their keys, as a source gives them; now and then one that does not fit.
  const bytesValue = fc.oneof(
    { weight: 6, arbitrary: text },
    { weight: 1, arbitrary: fc.constantFrom('\u007f', '\t', '\\', '"', '\u001f', 'plain ascii text', '') },
    { weight: 2, arbitrary: fc.constantFrom(0, -0, 1.5, -2e-7, 1e21, 5e-324, Number.NaN, Number.POSITIVE_INFINITY, true, false, null) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, new Date(0), { a: 1 }, 1n) },
  );
  const shared = fc.uniqueArray(key, { maxLength: 5 }).chain((keys) =>
    fc.array(
      fc.tuple(fc.array(bytesValue, { minLength: keys.length, maxLength: keys.length }), fc.nat(9)).map(([values, shuffle]) => {
        const entries = keys.map((name, i) => [name, values[i]] as const);
        return Object.fromEntries(shuffle === 0 ? entries.reverse() : entries) as DataRecord;
      }),
      { maxLength: 8 },
    ),
  );

  it('writes the record-by-record NDJSON bytes when every record fits, and declines otherwise', () => {
    fc.assert(
      fc.property(shared, fc.integer({ min: 1, max: 300 }), (batch, hint) => {
        const lines = jsonLinesOnBytes(batch, hint);
        const fits = batch.length > 0 && batch.every((record) => {
          const names = Object.keys(record);
          return JSON.stringify(names) === JSON.stringify(Object.keys(batch[0]!)) && Object.values(record).every((value) => value === null || ['string', 'number', 'boolean'].includes(typeof value));
        });
        if (!fits) {
          expect(lines).toBeUndefined();
          return;
        }
        expect(lines?.bytes.toString('utf8')).toBe(reference(batch));
        expect(lines?.plain).toBe(batch.every((record) => Object.values(record).every((value) => typeof value !== 'number' || Number.isFinite(value))));
      }),
      { numRuns: 3000 },
    );
  });
});

/** A record as JSON.parse of its line gives it back: undefined fields left out, -0 read as 0. */
function withoutUndefined(record: DataRecord): DataRecord {
  const out: DataRecord = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    Object.defineProperty(out, key, { value: Object.is(value, -0) ? 0 : value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

describe('ndjson encoder', () => {
  it('writes the record-by-record bytes for any batches, flat or not', () => {
    fc.assert(
      fc.property(fc.array(fc.array(record(anyValue), { maxLength: 6 }), { maxLength: 4 }), (batches) => {
        const encoder = createEncoder('ndjson');
        let out = '';
        let count = 0;
        for (const batch of batches) {
          const { bytes, rejected, encoded } = encoder.write(batch);
          expect(rejected).toEqual([]);
          if (encoded?.kind === 'json-lines') expect(Buffer.from(bytes).toString('utf8').split('\n').slice(0, -1).map((line) => JSON.parse(line) as unknown)).toEqual(batch.map(withoutUndefined));
          out += Buffer.from(bytes).toString('utf8');
          count += batch.length;
        }
        expect(out).toBe(batches.map(reference).join(''));
        expect(encoder.records).toBe(count);
      }),
      { numRuns: 1000 },
    );
  });
});
