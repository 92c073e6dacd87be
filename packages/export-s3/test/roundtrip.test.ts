import { parse as parseCsv } from 'csv-parse/sync';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataRecord } from '@sluice/core';
import { chunk, createExporter, exportBatches, s3Options, sampleRecords, testRun } from './helpers/harness.js';
import { startTestS3, type TestS3 } from './helpers/s3.js';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.stop();
});

async function readParquet(key: string): Promise<DataRecord[]> {
  const { body } = await s3.get(key);
  const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({ file })) as DataRecord[];
}

describe('round trip: every object is read back with an independent reader', () => {
  it('parquet: integers, floats, strings, booleans, timestamps and nulls survive', async () => {
    const exporter = createExporter(s3Options(s3, { format: 'parquet', prefix: 'pq' }));
    const records = sampleRecords(2500);
    const run = testRun();
    const { keys } = await exportBatches(exporter, run, chunk(records, 700));
    expect(keys).toEqual([`pq/high_value/2024-05-06/metrics-${run.runId}-00000.parquet`]);
    const { contentType } = await s3.get(keys[0]!);
    expect(contentType).toBe('application/vnd.apache.parquet');
    const rows = await readParquet(keys[0]!);
    expect(rows).toHaveLength(records.length);
    rows.forEach((row, i) => {
      const want = records[i]!;
      expect(row.id).toBe(want.id);
      expect(row.value).toBe(want.value);
      expect(row.sensor).toBe(want.sensor);
      expect(row.note).toBe(want.note);
      expect(row.ok).toBe(want.ok);
      expect(row.at).toBeInstanceOf(Date);
      expect((row.at as Date).toISOString()).toBe((want.at as Date).toISOString());
    });
    await exporter.close();
  });

  it('csv with gzip: .csv.gz key, Content-Encoding gzip, rows survive csv-parse', async () => {
    const exporter = createExporter(s3Options(s3, { format: 'csv', compression: 'gzip', prefix: 'csv/' }));
    const records = sampleRecords(1200);
    const { keys } = await exportBatches(exporter, testRun(), chunk(records, 500));
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^csv\/high_value\/2024-05-06\/metrics-run-\d+-00000\.csv\.gz$/);
    const { contentType, contentEncoding } = await s3.get(keys[0]!);
    expect(contentType).toBe('text/csv');
    expect(contentEncoding).toBe('gzip');
    const rows = parseCsv(await s3.text(keys[0]!), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(records.length);
    rows.forEach((row, i) => {
      const want = records[i]!;
      expect(row).toEqual({
        id: String(want.id),
        value: want.value === null ? '' : String(want.value),
        sensor: want.sensor,
        note: want.note,
        ok: String(want.ok),
        at: (want.at as Date).toISOString(),
      });
    });
    await exporter.close();
  });

  it('json: one array; ndjson: one object per line', async () => {
    const records = sampleRecords(300);
    const expected = records.map((r) => ({ ...r, at: (r.at as Date).toISOString() }));
    for (const format of ['json', 'ndjson'] as const) {
      const exporter = createExporter(s3Options(s3, { format, prefix: format }));
      const { keys } = await exportBatches(exporter, testRun(), chunk(records, 128));
      expect(keys[0]!.endsWith(`.${format}`)).toBe(true);
      const text = await s3.text(keys[0]!);
      const rows = format === 'json' ? (JSON.parse(text) as unknown[]) : text.trim().split('\n').map((line) => JSON.parse(line) as unknown);
      expect(rows).toEqual(expected);
      expect((await s3.get(keys[0]!)).contentType).toBe(format === 'json' ? 'application/json' : 'application/x-ndjson');
      await exporter.close();
    }
  });

  it('sets storage class, metadata and a content_type override', async () => {
    const exporter = createExporter(
      s3Options(s3, { format: 'ndjson', prefix: 'meta', content_type: 'application/jsonl', metadata: { team: 'ops' }, storage_class: 'STANDARD_IA' }),
    );
    const { keys } = await exportBatches(exporter, testRun(), [sampleRecords(3)]);
    const object = await s3.get(keys[0]!);
    expect(object.contentType).toBe('application/jsonl');
    expect(object.metadata).toEqual({ team: 'ops' });
    await exporter.close();
  });
});
