import { describe, expect, it } from 'vitest';
import { z } from '@sluice/core';
import { createEncoder, encoderOptionsSchema, formatFromPath, formatSchema } from '../src/index.js';

describe('formatFromPath', () => {
  it.each([
    ['out/a.ndjson', 'ndjson'],
    ['out/a.jsonl', 'ndjson'],
    ['out/a.JSONL.gz', 'ndjson'],
    ['a.json', 'json'],
    ['s3://bucket/x/{rule}/{run_id}.json.gz', 'json'],
    ['a.csv', 'csv'],
    ['C:\\data\\a.csv.gz', 'csv'],
    ['a.parquet', 'parquet'],
    ['a.txt', undefined],
    ['a.gz', undefined],
    ['parquet', undefined],
    ['dir.csv/file', undefined],
    ['.csv', undefined],
  ])('%s → %s', (path, format) => {
    expect(formatFromPath(path)).toBe(format);
  });
});

describe('option schemas', () => {
  it('fills every default from an empty object', () => {
    expect(encoderOptionsSchema.parse({})).toEqual({
      csv: { delimiter: ',', header: true, null_value: '', line_ending: 'lf' },
      parquet: { row_group_size: 20_000, row_group_bytes: 16 * 1024 * 1024, compression: 'snappy' },
    });
  });

  it('is strict and explains itself', () => {
    expect(encoderOptionsSchema.safeParse({ csv: { delimeter: ';' } }).success).toBe(false);
    expect(encoderOptionsSchema.safeParse({ csv: { delimiter: '"' } }).success).toBe(false);
    expect(encoderOptionsSchema.safeParse({ parquet: { compression: 'lz4' } }).success).toBe(false);
    expect(encoderOptionsSchema.safeParse({ parquet: { columns: [{ name: 'a', type: 'float' }] } }).success).toBe(false);
    expect(formatSchema.safeParse('xml').success).toBe(false);
    const json = JSON.stringify(z.toJSONSchema(encoderOptionsSchema, { io: 'input' }));
    expect(json).toContain('Rows buffered per row group');
    expect(z.toJSONSchema(formatSchema).description).toMatch(/ndjson/);
  });

  it('createEncoder validates its options and knows its formats', () => {
    expect(() => createEncoder('csv', { csv: { delimiter: ';;' } })).toThrow();
    expect(() => createEncoder('xml' as never)).toThrow(/unknown format "xml"/);
  });
});
