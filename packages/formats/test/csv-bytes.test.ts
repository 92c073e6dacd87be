import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DataRecord } from '@sluice/core';
import { createEncoder } from '../src/index.js';

// The CSV encoder writes rows straight into bytes, copying plain ASCII values
// byte by byte. Its reference here is the rule as text: quote a value equal
// to the null text, or holding the delimiter, a quote or a line break, or
// starting or ending with whitespace (`\s`); rows joined by the delimiter.

interface Dialect {
  delimiter: string;
  null_value: string;
  line_ending: 'lf' | 'crlf';
  header: boolean;
}

function referenceCell(value: unknown, dialect: Dialect): string {
  if (value === null || value === undefined) return dialect.null_value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : dialect.null_value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = value as string;
  const special = new RegExp(`[${dialect.delimiter.replace(/[\\\]^-]/g, '\\$&')}"\\r\\n]|^\\s|\\s$`);
  return text === dialect.null_value || special.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function referenceText(batches: DataRecord[][], columns: string[], dialect: Dialect): string {
  const eol = dialect.line_ending === 'crlf' ? '\r\n' : '\n';
  const row = (cells: unknown[]): string => cells.map((cell) => referenceCell(cell, dialect)).join(dialect.delimiter) + eol;
  let text = dialect.header ? row(columns) : '';
  for (const batch of batches) {
    for (const record of batch) {
      // A field outside the columns rejects the record.
      if (Object.keys(record).some((key) => !columns.includes(key) && record[key] !== null && record[key] !== undefined)) continue;
      text += row(columns.map((column) => record[column]));
    }
  }
  return text;
}

// Characters that matter to quoting, to the ASCII fast path and to UTF-8.
const text = fc
  .array(fc.constantFrom('a', 'Z', '0', '.', ' ', '\t', '\v', ',', ';', '|', '"', '\r', '\n', '§', 'é', '日', '😀', '\ud800', '\u00a0', '\u2028', 'N', 'U', 'L'), {
    maxLength: 8,
  })
  .map((chars) => chars.join(''));
const value = fc.oneof(
  { weight: 8, arbitrary: text },
  { weight: 1, arbitrary: fc.constantFrom('', 'NULL', 'x'.repeat(300)) },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, 0, -0, 1.5, -2e-7, 1e21, Number.NaN, Number.POSITIVE_INFINITY, true, false) },
);
const dialect: fc.Arbitrary<Dialect> = fc.record({
  delimiter: fc.constantFrom(',', ';', '\t', '|', ' ', '§', '日'),
  null_value: fc.constantFrom('', 'NULL', 'a'),
  line_ending: fc.constantFrom('lf' as const, 'crlf' as const),
  header: fc.boolean(),
});
const columns = fc.uniqueArray(fc.oneof(text.filter((name) => name !== ''), fc.constantFrom('id', 'value')), { minLength: 1, maxLength: 5 });

describe('csv bytes', () => {
  it('equal the quoting rule applied as text, for any values, dialect and batching', () => {
    fc.assert(
      fc.property(dialect, columns, fc.integer({ min: 1, max: 4 }), fc.array(fc.array(value, { minLength: 6, maxLength: 6 }), { maxLength: 30 }), fc.array(fc.boolean(), { maxLength: 30 }), (d, cols, size, rows, extras) => {
        const records = rows.map((cells, r) => {
          const record: DataRecord = Object.fromEntries(cols.map((column, i) => [column, cells[i]]));
          if (extras[r]) record['not a column'] = 'x';
          return record;
        });
        const batches: DataRecord[][] = [];
        for (let at = 0; at < records.length; at += size) batches.push(records.slice(at, at + size));
        const encoder = createEncoder('csv', { csv: { ...d, columns: cols } });
        const chunks = batches.map((batch) => encoder.write(batch).bytes);
        chunks.push(encoder.end());
        expect(Buffer.concat(chunks).toString('utf8')).toBe(Buffer.from(referenceText(batches, cols, d), 'utf8').toString('utf8'));
      }),
      { numRuns: 400 },
    );
  });

  it('grows its buffer past any estimate, and drops a rejected row from the middle of a batch', () => {
    const encoder = createEncoder('csv', { csv: { columns: ['a', 'b'] } });
    // The first batch sizes the estimate for the next: tiny rows, then huge ones.
    encoder.write([{ a: '1', b: '2' }]);
    const long = 'é'.repeat(50_000);
    const { bytes, rejected } = encoder.write([{ a: long, b: 'x' }, { a: 'bad', b: () => 1 }, { a: 'y', b: long }]);
    expect(rejected.map(({ record }) => record.a)).toEqual(['bad']);
    expect(Buffer.from(bytes).toString('utf8')).toBe(`${long},x\ny,${long}\n`);
  });
});
