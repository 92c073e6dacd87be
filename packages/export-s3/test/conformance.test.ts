import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll } from 'vitest';
import type { DataRecord, ExportRun } from '@sluice/core';
import { describeExporterConformance, uniqueName } from '@sluice/testkit';
import type { S3ExporterOptionsInput } from '../src/index.js';
import { createExporter, s3Options } from './helpers/harness.js';
import { startTestS3, type TestS3 } from './helpers/s3.js';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.stop();
});

/** Everything a run's session wrote: every {part} object under the rule's folder, in key order. */
async function objectsOf(prefix: string, run: ExportRun): Promise<Uint8Array[]> {
  const keys = (await s3.list(`${prefix}/${run.rule}/`)).filter((key) => key.includes(`-${run.runId}-`));
  return Promise.all(keys.map(async (key) => (await s3.get(key)).body));
}

const isoDates = (record: DataRecord): DataRecord =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? Number(v) : v]));

function conformance(format: 'ndjson' | 'parquet', read: (body: Uint8Array) => Promise<DataRecord[]>, extra: Partial<S3ExporterOptionsInput> = {}): void {
  describeExporterConformance(`s3 (${format})`, {
    async setup() {
      const prefix = uniqueName(`conf_${format}`);
      const exporter = createExporter(s3Options(s3, { format, prefix, ...extra }));
      return {
        exporter,
        async readBack(run) {
          const rows: DataRecord[] = [];
          for (const body of await objectsOf(prefix, run)) rows.push(...(await read(body)));
          return rows;
        },
        normalize: isoDates,
      };
    },
  });
}

conformance('ndjson', async (body) =>
  Buffer.from(body)
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as DataRecord),
);

conformance(
  'parquet',
  async (body) => (await parquetReadObjects({ file: body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer })) as DataRecord[],
  // Small objects: the suite also exercises rollover across parts.
  { max_records_per_object: 5 },
);
