import { describe, expect, it } from 'vitest';
import { createEncoder } from '../src/index.js';
import { encodeAll, parquetMeta, readParquet } from './helpers.js';

const when = new Date('2024-05-01T12:34:56.789Z');

describe('parquet', () => {
  it('infers a schema from the first batch and types survive a read-back', async () => {
    const records = [
      { id: 1, value: 12.25, name: 'héllo ✓ 😀', ok: true, at: when, big: 2n ** 62n, nested: { a: [1, 'x'], b: null }, none: null },
      { id: -3, value: 0, name: '', ok: false, at: null, big: -5n, nested: [1, 2], none: null },
      { id: 0, value: -0.5, name: 'say "hi",\nnow', ok: null, at: new Date(0), big: null, nested: null },
    ];
    const { bytes, rejected, records: count } = encodeAll('parquet', [records]);
    expect(rejected).toEqual([]);
    expect(count).toBe(3);
    const meta = parquetMeta(bytes);
    const types = Object.fromEntries(meta.schema.slice(1).map((e) => [e.name, [e.type, e.converted_type ?? null, e.repetition_type]]));
    expect(types).toEqual({
      id: ['DOUBLE', null, 'OPTIONAL'],
      value: ['DOUBLE', null, 'OPTIONAL'],
      name: ['BYTE_ARRAY', 'UTF8', 'OPTIONAL'],
      ok: ['BOOLEAN', null, 'OPTIONAL'],
      at: ['INT64', 'TIMESTAMP_MILLIS', 'OPTIONAL'],
      big: ['INT64', null, 'OPTIONAL'],
      nested: ['BYTE_ARRAY', 'JSON', 'OPTIONAL'],
      none: ['BYTE_ARRAY', 'UTF8', 'OPTIONAL'],
    });
    expect(meta.schema.find((e) => e.name === 'at')?.logical_type).toEqual({ type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' });
    expect(meta.schema.find((e) => e.name === 'nested')?.logical_type).toEqual({ type: 'JSON' });
    const chunks = meta.row_groups[0]?.columns ?? [];
    expect(chunks[6]?.meta_data?.path_in_schema).toEqual(['nested']);
    // JSON text has no useful order: no min/max (the null count stays).
    expect(chunks[6]?.meta_data?.statistics?.min_value).toBeUndefined();
    expect(chunks[6]?.meta_data?.statistics?.max_value).toBeUndefined();
    expect(chunks[0]?.meta_data?.statistics?.max_value).toBe(1);
    expect(await readParquet(bytes)).toEqual([
      { id: 1, value: 12.25, name: 'héllo ✓ 😀', ok: true, at: when, big: 2n ** 62n, nested: { a: [1, 'x'], b: null }, none: null },
      { id: -3, value: 0, name: '', ok: false, at: null, big: -5n, nested: [1, 2], none: null },
      { id: 0, value: -0.5, name: 'say "hi",\nnow', ok: null, at: new Date(0), big: null, nested: null, none: null },
    ]);
  });

  it('leaves a column that has had only nulls undecided until its first value, across row groups', async () => {
    const empty = { amount: null, at: null, ok: null, label: null };
    const batches = [
      [{ id: 1, ...empty }, { id: 2, ...empty }],
      [{ id: 3, ...empty }, { id: 4, amount: 12, at: when, ok: true, label: 'NULL' }],
      [{ id: 5, amount: 7.5, at: null, ok: false, label: null }],
    ];
    const { bytes, rejected } = encodeAll('parquet', batches, { parquet: { row_group_size: 2 } });
    expect(rejected).toEqual([]);
    const meta = parquetMeta(bytes);
    expect(meta.schema.slice(1).map((e) => [e.name, e.type, e.converted_type ?? null])).toEqual([
      ['id', 'DOUBLE', null],
      ['amount', 'DOUBLE', null],
      ['at', 'INT64', 'TIMESTAMP_MILLIS'],
      ['ok', 'BOOLEAN', null],
      ['label', 'BYTE_ARRAY', 'UTF8'],
    ]);
    // The first row group was written while the columns had only nulls: its chunks are typed in the footer.
    expect(meta.row_groups.map((g) => g.columns.map((c) => c.meta_data?.type))).toEqual(
      Array(3).fill(['DOUBLE', 'DOUBLE', 'INT64', 'BOOLEAN', 'BYTE_ARRAY']),
    );
    expect(meta.row_groups[0]?.columns[1]?.meta_data?.statistics).toMatchObject({ null_count: 2n });
    expect(meta.row_groups[1]?.columns[1]?.meta_data?.statistics).toMatchObject({ null_count: 1n, min_value: 12, max_value: 12 });
    expect(await readParquet(bytes)).toEqual([
      { id: 1, ...empty },
      { id: 2, ...empty },
      { id: 3, ...empty },
      { id: 4, amount: 12, at: when, ok: true, label: 'NULL' },
      { id: 5, amount: 7.5, at: null, ok: false, label: null },
    ]);
  });

  it('decides an undecided column only by a record that fits', async () => {
    const bad = { id: 2, v: 'x', w: 'not a number' };
    const { bytes, rejected } = encodeAll('parquet', [[{ id: 1, v: null, w: 1 }], [bad, { id: 3, v: 4.5, w: 2 }]]);
    expect(rejected.map((r) => [r.record, r.error.message])).toEqual([[bad, 'field "w": a string does not fit a double column']]);
    expect(parquetMeta(bytes).schema.map((e) => e.type)).toEqual([undefined, 'DOUBLE', 'DOUBLE', 'DOUBLE']);
    expect(await readParquet(bytes)).toEqual([
      { id: 1, v: null, w: 1 },
      { id: 3, v: 4.5, w: 2 },
    ]);
  });

  it('writes declared columns: integers, required columns, ISO strings as timestamps', async () => {
    const columns = [
      { name: 'id', type: 'int64', nullable: false },
      { name: 'n', type: 'int32' },
      { name: 'at', type: 'timestamp' },
      { name: 'payload', type: 'json' },
      { name: 'raw', type: 'binary' },
    ] as const;
    const records = [
      { id: 1, n: 7, at: '2024-05-01T12:34:56.789Z', payload: 'text', raw: Buffer.from([0, 1, 2]) },
      { id: 2n ** 40n, n: -2147483648, at: '2024-05-01 10:00', payload: { big: 2n ** 70n } },
      { id: 3, n: null, at: '2024-05-01', payload: null },
    ];
    const { bytes, rejected } = encodeAll('parquet', [records], { parquet: { columns: [...columns] } });
    expect(rejected).toEqual([]);
    const meta = parquetMeta(bytes);
    expect(meta.schema.map((e) => [e.name, e.type, e.repetition_type ?? null])).toEqual([
      ['root', undefined, null],
      ['id', 'INT64', 'REQUIRED'],
      ['n', 'INT32', 'OPTIONAL'],
      ['at', 'INT64', 'OPTIONAL'],
      ['payload', 'BYTE_ARRAY', 'OPTIONAL'],
      ['raw', 'BYTE_ARRAY', 'OPTIONAL'],
    ]);
    const rows = await readParquet(bytes, false);
    expect(rows.map((r) => [r.id, r.n, (r.at as Date).toISOString(), r.payload])).toEqual([
      [1n, 7, '2024-05-01T12:34:56.789Z', 'text'],
      [2n ** 40n, -2147483648, '2024-05-01T10:00:00.000Z', { big: (2n ** 70n).toString() }],
      [3n, null, '2024-05-01T00:00:00.000Z', null],
    ]);
    expect(rows[0]?.raw).toEqual(new Uint8Array([0, 1, 2]));
  });

  it('takes numbers written as text into declared int64, int32 and double columns', async () => {
    const columns = [
      { name: 'i8', type: 'int64' },
      { name: 'i4', type: 'int32' },
      { name: 'n', type: 'double' },
    ] as const;
    // As PostgreSQL's bigint, integer-valued numeric(p, s) and numeric arrive from source-postgres.
    const fits = [
      { i8: '9223372036854775807', i4: '2147483647', n: '12345678901234.5678901234' },
      { i8: '-9223372036854775808', i4: '-2147483648', n: '-0.0000000001' },
      { i8: '42.0000000000', i4: '+7', n: '1e3' },
      { i8: '007', i4: '-0', n: 'NaN' },
      { i8: null, i4: null, n: '-Infinity' },
    ];
    const misfits = [
      { i8: '9223372036854775808' },
      { i8: '12.5' },
      { i8: ' 12' },
      { i8: '' },
      { i4: '2147483648' },
      { i4: '1e3' },
      { n: '1e400' },
      { n: 'twelve' },
      { n: '0x10' },
    ];
    const { bytes, rejected } = encodeAll('parquet', [[...fits, ...misfits]], { parquet: { columns: [...columns] } });
    expect(rejected.map((r) => r.record)).toEqual(misfits);
    expect(rejected[0]?.error.message).toBe('field "i8": a string does not fit a int64 column');
    const rows = await readParquet(bytes);
    expect(rows.map((r) => [r.i8, r.i4, r.n])).toEqual([
      [2n ** 63n - 1n, 2147483647, 12345678901234.568],
      [-(2n ** 63n), -2147483648, -1e-10],
      [42n, 7, 1000],
      [7n, 0, Number.NaN],
      [null, null, Number.NEGATIVE_INFINITY],
    ]);
  });

  it('does not take numbers written as text into an inferred double column', () => {
    const { rejected } = encodeAll('parquet', [[{ zip: 2138 }], [{ zip: '02138' }]]);
    expect(rejected.map((r) => r.error.message)).toEqual(['field "zip": a string does not fit a double column']);
  });

  it('rejects records that do not fit, with a reason, and keeps the rest', async () => {
    const batch1 = [{ id: 1, v: 1.5, s: 'a' }];
    const wrongType = { id: 2, v: 'not a number', s: 'b' };
    const extra = { id: 3, v: 2, s: 'c', surprise: true };
    const extraNull = { id: 4, v: 3, s: 'd', surprise: null };
    const { bytes, rejected, records } = encodeAll('parquet', [batch1, [wrongType, extra, extraNull]]);
    expect(records).toBe(2);
    expect(rejected.map((r) => r.record)).toEqual([wrongType, extra]);
    expect(rejected[0]?.error.message).toBe('field "v": a string does not fit a double column');
    expect(rejected[1]?.error.message).toContain('"surprise"');
    expect(await readParquet(bytes)).toEqual([
      { id: 1, v: 1.5, s: 'a' },
      { id: 4, v: 3, s: 'd' },
    ]);
  });

  it('rejects nulls in required columns and out-of-range integers', () => {
    const columns = [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'at', type: 'timestamp' },
    ] as const;
    const { rejected, records } = encodeAll(
      'parquet',
      [[{ id: null }, { id: 2 ** 31 }, { id: 1.5 }, { id: 1, at: 'yesterday' }, { id: 1, at: new Date('x') }, { id: 5 }]],
      { parquet: { columns: [...columns] } },
    );
    expect(records).toBe(1);
    expect(rejected.map((r) => r.error.message)).toEqual([
      'field "id" is null but its column is not nullable',
      'field "id": the integer 2147483648 does not fit a int32 column',
      'field "id": a non-integer number does not fit a int32 column',
      'field "at": a string does not fit a timestamp column',
      'field "at": an invalid Date does not fit a timestamp column',
    ]);
  });

  it('emits row groups as they fill, across many groups', async () => {
    const encoder = createEncoder('parquet', { parquet: { row_group_size: 1_000 } });
    const chunks: Uint8Array[] = [];
    let nonEmptyWrites = 0;
    for (let b = 0; b < 25; b++) {
      const batch = Array.from({ length: 420 }, (_, i) => ({ id: b * 420 + i, s: `row ${b * 420 + i}` }));
      const { bytes } = encoder.write(batch);
      if (bytes.length > 0) nonEmptyWrites++;
      chunks.push(bytes);
    }
    chunks.push(encoder.end());
    // 10,500 rows at 1,000 per group: 10 groups flushed while writing, the 11th at end().
    expect(nonEmptyWrites).toBe(10);
    const bytes = Buffer.concat(chunks);
    const meta = parquetMeta(bytes);
    expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([...Array(10).fill(1000), 500]);
    const rows = await readParquet(bytes);
    expect(rows).toHaveLength(10_500);
    expect(rows[10_499]).toEqual({ id: 10_499, s: 'row 10499' });
    expect(rows.every((r, i) => r.id === i)).toBe(true);
  });

  it('closes a row group early when its values reach row_group_bytes', async () => {
    const batch = Array.from({ length: 100 }, (_, i) => ({ i, text: 'x'.repeat(1_000) }));
    const { bytes } = encodeAll('parquet', [batch], { parquet: { row_group_size: 1_000, row_group_bytes: 10_000 } });
    // Each row is ~1,008 estimated bytes: a group closes at its 10th row.
    expect(parquetMeta(bytes).row_groups.map((g) => Number(g.num_rows))).toEqual(Array(10).fill(10));
    expect(await readParquet(bytes)).toHaveLength(100);
  });

  it.each(['snappy', 'gzip', 'brotli', 'uncompressed'] as const)('compresses with %s', async (compression) => {
    const batch = Array.from({ length: 2_000 }, (_, i) => ({ id: i, note: 'the same note again' }));
    const { bytes } = encodeAll('parquet', [batch], { parquet: { compression } });
    const codec = parquetMeta(bytes).row_groups[0]?.columns[0]?.meta_data?.codec;
    expect(codec).toBe(compression.toUpperCase());
    const rows = await readParquet(bytes);
    expect(rows).toHaveLength(2_000);
    expect(rows[1_999]).toEqual({ id: 1999, note: 'the same note again' });
  });

  it('writes a readable zero-row file for an empty run', async () => {
    for (const batches of [[], [[]]]) {
      const { bytes } = encodeAll('parquet', batches);
      expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
      expect(bytes.subarray(-4).toString()).toBe('PAR1');
      expect(Number(parquetMeta(bytes).num_rows)).toBe(0);
      expect(await readParquet(bytes)).toEqual([]);
    }
    const declared = encodeAll('parquet', [], { parquet: { columns: [{ name: 'a', type: 'double' }] } });
    expect(parquetMeta(declared.bytes).schema.map((e) => e.name)).toEqual(['root', 'a']);
    expect(await readParquet(declared.bytes)).toEqual([]);
  });

  it('keeps very long strings, NaN and infinities', async () => {
    const long = 'é'.repeat(300_000);
    const { bytes } = encodeAll('parquet', [[{ s: long, d: Number.NaN }, { s: 'x', d: Number.NEGATIVE_INFINITY }]]);
    const rows = await readParquet(bytes);
    expect(rows[0]?.s).toBe(long);
    expect(rows[0]?.d).toBeNaN();
    expect(rows[1]?.d).toBe(Number.NEGATIVE_INFINITY);
  });

  it('stores string and binary bounds truncated to 16 bytes, flagged inexact when cut', () => {
    const long = 'a'.repeat(20);
    const records = [
      { s: `${long}z`, short: 'b', raw: Buffer.from('0123456789abcdefXYZ') },
      { s: `${long}a`, short: 'é', raw: Buffer.from([0xff, 0xff]) },
    ];
    const { bytes } = encodeAll('parquet', [records], { parquet: { columns: [{ name: 's', type: 'string' }, { name: 'short', type: 'string' }, { name: 'raw', type: 'binary' }] } });
    const [s, short, raw] = (parquetMeta(bytes).row_groups[0]?.columns ?? []).map((c) => c.meta_data?.statistics);
    // A max is rounded up: the 16-byte prefix with its last character incremented.
    expect([s?.min_value, s?.max_value, s?.is_min_value_exact, s?.is_max_value_exact]).toEqual(['a'.repeat(16), `${'a'.repeat(15)}b`, false, false]);
    expect([short?.min_value, short?.max_value, short?.is_min_value_exact, short?.is_max_value_exact]).toEqual(['b', 'é', undefined, undefined]);
    // hyparquet reads binary bounds back as text.
    expect([raw?.min_value, raw?.is_min_value_exact, raw?.is_max_value_exact]).toEqual(['0123456789abcdef', false, undefined]);
  });

  it('refuses a column declared twice and reports its identity', () => {
    expect(() =>
      createEncoder('parquet', { parquet: { columns: [{ name: 'a', type: 'double' }, { name: 'a', type: 'string' }] } }),
    ).toThrow(/declared twice/);
    const e = createEncoder('parquet');
    expect([e.format, e.contentType, e.extension]).toEqual(['parquet', 'application/vnd.apache.parquet', 'parquet']);
  });
});
