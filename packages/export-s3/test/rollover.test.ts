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

const ndjson = (text: string): DataRecord[] =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as DataRecord);
const iso = (records: DataRecord[]): DataRecord[] => records.map((r) => ({ ...r, at: (r.at as Date).toISOString() }));

describe('rollover and empty sessions', () => {
  it('max_records_per_object splits into {part} objects that together hold every record once', async () => {
    const exporter = createExporter(s3Options(s3, { format: 'parquet', prefix: 'records', max_records_per_object: 1000 }));
    const records = sampleRecords(2500);
    const run = testRun();
    const { keys } = await exportBatches(exporter, run, chunk(records, 333));
    expect(keys).toEqual([0, 1, 2].map((p) => `records/high_value/2024-05-06/metrics-${run.runId}-0000${p}.parquet`));
    expect(await s3.list('records/')).toEqual(keys);
    const counts: number[] = [];
    const all: DataRecord[] = [];
    for (const key of keys) {
      const { body } = await s3.get(key);
      const rows = (await parquetReadObjects({ file: body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer })) as DataRecord[];
      counts.push(rows.length);
      all.push(...rows);
    }
    expect(counts).toEqual([1000, 1000, 500]);
    expect(all.map((r) => r.id)).toEqual(records.map((r) => r.id));
    await exporter.close();
  });

  it('max_object_size splits once an object reaches the size (checked per batch)', async () => {
    const exporter = createExporter(s3Options(s3, { format: 'ndjson', prefix: 'size', max_object_size: '20KiB' }));
    const records = sampleRecords(1000);
    const { keys } = await exportBatches(exporter, testRun(), chunk(records, 50));
    expect(keys.length).toBeGreaterThan(3);
    const all: DataRecord[] = [];
    for (const key of keys) {
      const text = await s3.text(key);
      // A part may overshoot the cap by at most one batch.
      expect(Buffer.byteLength(text)).toBeLessThan(20 * 1024 + 50 * 200);
      all.push(...ndjson(text));
    }
    expect(all).toEqual(iso(records));
    await exporter.close();
  });

  it('a session without records writes no object by default', async () => {
    const exporter = createExporter(s3Options(s3, { format: 'parquet', prefix: 'empty-default' }));
    const { keys } = await exportBatches(exporter, testRun(), []);
    expect(keys).toEqual([]);
    expect(await s3.list('empty-default/')).toEqual([]);
    await exporter.close();
  });

  it('write_empty writes a valid empty object: parquet with zero rows, json []', async () => {
    for (const format of ['parquet', 'json'] as const) {
      const exporter = createExporter(s3Options(s3, { format, prefix: `empty-${format}`, write_empty: true }));
      const { keys } = await exportBatches(exporter, testRun(), [[]]);
      expect(keys).toHaveLength(1);
      const { body } = await s3.get(keys[0]!);
      if (format === 'json') expect(JSON.parse(Buffer.from(body).toString())).toEqual([]);
      else expect(await parquetReadObjects({ file: body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer })).toEqual([]);
      await exporter.close();
    }
  });

  it('records the encoder refuses come back as rejected; the rest are written', async () => {
    const exporter = createExporter(
      s3Options(s3, {
        format: 'parquet',
        prefix: 'rejects',
        parquet: { columns: [{ name: 'id', type: 'double', nullable: false }, { name: 'name', type: 'string', nullable: true }] },
      }),
    );
    const good = [{ id: 1, name: 'a' }, { id: 2, name: null }];
    const bad = { id: 'not a number', name: 'b' };
    const { keys, rejected } = await exportBatches(exporter, testRun(), [[good[0]!, bad, good[1]!]]);
    expect(rejected.map((r) => r.record)).toEqual([bad]);
    expect(rejected[0]!.error.message).toMatch(/id/);
    const { body } = await s3.get(keys[0]!);
    const rows = await parquetReadObjects({ file: body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer });
    expect(rows).toEqual(good);
    await exporter.close();
  });

  it('the same run, rule and datasource always map to the same keys, so a replay overwrites', async () => {
    const exporter = createExporter(s3Options(s3, { format: 'ndjson', prefix: 'replay' }));
    const run = testRun();
    const first = await exportBatches(exporter, run, [sampleRecords(10)]);
    const second = await exportBatches(exporter, run, [sampleRecords(4)]);
    expect(second.keys).toEqual(first.keys);
    expect(await s3.list('replay/')).toEqual(first.keys);
    expect(ndjson(await s3.text(first.keys[0]!))).toHaveLength(4);
    await exporter.close();
  });

  it('refuses a key_template under which two sessions of one run would collide', async () => {
    const exporter = createExporter(s3Options(s3, { format: 'ndjson', prefix: 'collide', key_template: '{rule}/{run_id}.{ext}' }));
    const run = testRun({ datasource: 'a' });
    await exportBatches(exporter, run, [sampleRecords(2)]);
    const other = await exporter.open({ ...run, datasource: 'b' });
    await expect(other.write(sampleRecords(2), new AbortController().signal)).rejects.toThrow(/written by both .*datasource "a".*datasource "b".*\{datasource\}/);
    await exporter.close();
  });
});
