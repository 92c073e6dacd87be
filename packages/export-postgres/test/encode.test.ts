import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonNumber, MicrosecondDate, parseJson } from '@sluice/pg-common';
import { copyField, copyText, copyTextOf, CopyTextBuilder, encodeRecords, isoString, toPgText } from '../src/encode.js';
import type { ColumnShape, TableColumn } from '../src/table.js';

describe('COPY encoding', () => {
  it('formats dates exactly as toISOString does in years 1-9999, and other years as PostgreSQL reads them', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), (ms) => {
        const date = new Date(ms);
        expect(isoString(date)).toBe(date.toISOString());
      }),
      { numRuns: 20_000 },
    );
    for (const iso of ['1000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '1969-12-31T23:59:59.999Z', '2024-02-29T12:00:00.001Z', '0999-12-31T23:59:59.999Z']) {
      expect(isoString(new Date(iso))).toBe(iso);
    }
    expect(isoString(new Date(NaN))).toBe('invalid date');
    // toISOString's `+010000-…` and `-000043-…` are refused by PostgreSQL.
    expect(isoString(new Date('+010000-01-01T00:00:00.000Z'))).toBe('10000-01-01T00:00:00.000Z');
    expect(isoString(new Date('-000043-03-15T12:00:00.000Z'))).toBe('0044-03-15T12:00:00.000Z BC');
    expect(isoString(new Date('0000-03-15T12:00:00.000Z'))).toBe('0001-03-15T12:00:00.000Z BC');
  });

  it('writes the microseconds of a MicrosecondDate', () => {
    const at = new MicrosecondDate(Date.parse('2024-01-01T12:34:56.789Z'), 123);
    expect(isoString(at)).toBe('2024-01-01T12:34:56.789123Z');
    expect(isoString(new MicrosecondDate(Date.parse('2024-01-01T00:00:00.000Z'), 1))).toBe('2024-01-01T00:00:00.000001Z');
    expect(isoString(new MicrosecondDate(Date.parse('-000043-03-15T12:00:00.000Z'), 450))).toBe('0044-03-15T12:00:00.000450Z BC');
    const fields: [string, TableColumn][] = [['at', { name: 'at', type: 'timestamptz', shape: 'plain' }]];
    expect(copyTextOf([{ at }, { at: new Date(at.getTime()) }], fields).toString()).toBe('2024-01-01T12:34:56.789123Z\n2024-01-01T12:34:56.789Z\n');
    expect(toPgText([at], 'array')).toBe('{"2024-01-01T12:34:56.789123Z"}');
    expect(toPgText({ at }, 'json')).toBe('{"at":"2024-01-01T12:34:56.789123Z"}');
  });

  it('writes the exact numbers of parsed json back as they were', () => {
    const text = '{"big":12345678901234567890,"neg":-98765432109876543210,"huge":1e400,"tiny":1e-400,"long":0.1000000000000000055511151231257827,"ok":1.5,"list":[123456789012345678,{"deep":2e20}]}';
    const value = parseJson(text);
    expect(value).toMatchObject({ big: 12345678901234567890n, huge: new JsonNumber('1e400'), ok: 1.5 });
    expect(toPgText(value, 'json')).toBe(text.replace('2e20', '200000000000000000000'));
    expect(toPgText(12345678901234567890n, 'json')).toBe('12345678901234567890');
    expect(toPgText({ n: 1n }, 'json')).toBe('{"n":1}');
  });

  it('escapes only what COPY text needs', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField('plain')).toBe('plain');
    expect(copyField('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyText([{ values: ['1', null, 'x\ty'] }, { values: ['2', '', 'é\n€😀'] }]).toString('utf8')).toBe('1\t\\N\tx\\ty\n2\t\té\\n€😀\n');
    expect(toPgText(new Date('2024-01-02T03:04:05.678Z'), 'plain')).toBe('2024-01-02T03:04:05.678Z');
    expect(toPgText(12.5, 'plain')).toBe('12.5');
    expect(toPgText('text', 'json')).toBe('"text"');
    expect(toPgText(null, 'json')).toBe(null);
  });

  it('encodes records to the same bytes as field-by-field text would', () => {
    const shapes: ColumnShape[] = ['plain', 'json', 'array', 'bytea'];
    const value = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('a\\b\tc\nd\re', 'naïve\t€', '\ud800x', 'x\udfff', ''),
      fc.integer({ min: -80_000_000_000_000, max: 260_000_000_000_000 }).map((ms) => new Date(ms)),
      fc.constant(new Date(NaN)),
      fc.double(),
      fc.bigInt(),
      fc.boolean(),
      fc.constantFrom(null, undefined),
      fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null))),
      fc.dictionary(fc.string(), fc.string()),
      fc.uint8Array({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...shapes), { minLength: 1, maxLength: 4 }), fc.array(fc.array(value, { minLength: 4, maxLength: 4 }), { maxLength: 20 }), (columnShapes, rows) => {
        const fields = columnShapes.map((shape, i): [string, TableColumn] => [`f${i}`, { name: `c${i}`, type: 'text', shape }]);
        const records = rows.map((row) => Object.fromEntries(fields.map(([field], i) => [field, row[i]])));
        const expected = records.map((record) => `${fields.map(([field, column]) => copyField(toPgText(record[field], column.shape))).join('\t')}\n`).join('');
        expect(copyTextOf(records, fields)).toEqual(Buffer.from(expected, 'utf8'));
      }),
      { numRuns: 2_000 },
    );
  });

  it('streams as CopyData messages cut at row boundaries, the same bytes in order', () => {
    const fields: [string, TableColumn][] = [
      ['id', { name: 'id', type: 'int', shape: 'plain' }],
      ['note', { name: 'note', type: 'text', shape: 'plain' }],
      ['at', { name: 'at', type: 'timestamptz', shape: 'plain' }],
    ];
    const records = Array.from({ length: 5000 }, (_, i) => ({ id: i, note: `n\t${'é'.repeat(i % 40)}`, at: new Date(i * 1e9) }));
    const chunks: Buffer[] = [];
    const out = new CopyTextBuilder(0, (chunk) => chunks.push(Buffer.from(chunk)));
    encodeRecords(out, records, fields);
    expect(out.end()).toHaveLength(0);
    expect(chunks.length).toBeGreaterThan(2);
    const payloads = chunks.map((chunk) => {
      expect(chunk[0]).toBe(0x64);
      expect(chunk.readUInt32BE(1)).toBe(chunk.length - 1);
      expect(chunk.length).toBeLessThan(64 * 1024 + 1024);
      expect(chunk[chunk.length - 1]).toBe(10);
      return chunk.subarray(5);
    });
    expect(Buffer.concat(payloads).equals(copyTextOf(records, fields))).toBe(true);
  });
});
