import type { DataRecord, ExportRun } from '@sluice/core';
import { conformanceRecords, describeExporterConformance } from '@sluice/testkit';
import { afterAll } from 'vitest';
import { toText } from '../src/encode.js';
import { createExporter, testRedis } from './helpers.js';

const { prefix, client, url, cleanup } = testRedis('sluice_redis_conf');
afterAll(async () => {
  await cleanup();
  client.disconnect();
});

async function keysOf(pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** What a hash (or stream entry) holds for a record: text values, nulls omitted. */
function asFields(record: DataRecord): DataRecord {
  const out: DataRecord = {};
  for (const [field, value] of Object.entries(record)) {
    const text = toText(value);
    if (text !== undefined) out[field] = text;
  }
  return out;
}

describeExporterConformance('redis hash', {
  records: conformanceRecords,
  async setup() {
    return {
      exporter: createExporter({ url, data_type: 'hash', key_template: `${prefix}{run_id}:{rule}:{id}` }),
      async readBack(run: ExportRun) {
        const keys = await keysOf(`${prefix}${run.runId}:${run.rule}:*`);
        return Promise.all(keys.map((key) => client.hgetall(key)));
      },
      normalize: asFields,
    };
  },
});

describeExporterConformance('redis list', {
  records: conformanceRecords,
  ordered: true,
  async setup() {
    return {
      exporter: createExporter({ url, data_type: 'list', key_template: `${prefix}{run_id}:{rule}:list` }),
      async readBack(run: ExportRun) {
        const entries = await client.lrange(`${prefix}${run.runId}:${run.rule}:list`, 0, -1);
        return entries.map((entry) => JSON.parse(entry) as DataRecord);
      },
      normalize: (record) => JSON.parse(JSON.stringify(record)) as DataRecord,
    };
  },
});

describeExporterConformance('redis stream', {
  records: conformanceRecords,
  ordered: true,
  async setup() {
    return {
      exporter: createExporter({ url, data_type: 'stream', key_template: `${prefix}{run_id}:{rule}:stream` }),
      async readBack(run: ExportRun) {
        const entries = await client.xrange(`${prefix}${run.runId}:${run.rule}:stream`, '-', '+');
        return entries.map(([, words]) => {
          const record: DataRecord = {};
          for (let i = 0; i + 1 < words.length; i += 2) record[words[i]!] = words[i + 1];
          return record;
        });
      },
      normalize: asFields,
    };
  },
});
