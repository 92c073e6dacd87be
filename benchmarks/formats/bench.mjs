#!/usr/bin/env node
// Encoder throughput of @sluice/formats (built dist) on synthetic sensor records.
//   pnpm turbo run build --filter=@sluice/formats
//   cd benchmarks/formats && npm install && node bench.mjs [--records 2000000] [--batch 10000] [--only name,name]
//     [--shape typed|csv] [--dist file:///path/to/other/formats/dist/index.js]
// Each case runs in its own child process so peak RSS belongs to that case alone.
// Output goes to a counting sink (bytes are discarded): this measures encoding, not disk.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { countingSink } from './counting-sink.mjs';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const RECORDS = Number(arg('records', 2_000_000));
const BATCH = Number(arg('batch', 10_000));
// csv: every value a string, as the CSV source yields them (what `sluice run` CSV → Parquet encodes).
const SHAPE = arg('shape', 'typed');
// Another build of @sluice/formats (its dist/index.js), to compare before/after.
const DIST = arg('dist', new URL('../../packages/formats/dist/index.bundle.js', import.meta.url).href);

const CASES = {
  ndjson: { format: 'ndjson' },
  'ndjson+gzip': { format: 'ndjson', gzip: true },
  json: { format: 'json' },
  csv: { format: 'csv' },
  'parquet snappy rg=50k': { format: 'parquet', parquet: { compression: 'snappy', row_group_size: 50_000 } },
  'parquet snappy rg=10k': { format: 'parquet', parquet: { compression: 'snappy', row_group_size: 10_000 } },
  'parquet snappy rg=20k': { format: 'parquet', parquet: { compression: 'snappy', row_group_size: 20_000 } },
  'parquet snappy rg=100k': { format: 'parquet', parquet: { compression: 'snappy', row_group_size: 100_000 } },
  'parquet uncompressed rg=50k': { format: 'parquet', parquet: { compression: 'uncompressed', row_group_size: 50_000 } },
  'parquet gzip rg=50k': { format: 'parquet', parquet: { compression: 'gzip', row_group_size: 50_000 } },
  'parquet snappy rg=20k (default)': { format: 'parquet', parquet: {} },
  'parquet uncompressed rg=20k': { format: 'parquet', parquet: { compression: 'uncompressed' } },
  'parquet gzip rg=20k': { format: 'parquet', parquet: { compression: 'gzip' } },
  'parquetjs-lite snappy rg=50k': { parquetjs: true },
};

const REGIONS = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south'];
const STATUSES = ['ok', 'ok', 'ok', 'warn', 'alarm'];
const START = Date.UTC(2024, 0, 1);

/** Records: id int, ISO timestamp, sensor id, region, status, 2-decimal value, note. */
function makeBatch(from, count) {
  if (SHAPE === 'csv') return makeCsvBatch(from, count);
  const batch = new Array(count);
  for (let k = 0; k < count; k++) {
    const id = from + k;
    batch[k] = {
      id,
      ts: new Date(START + id * 1000).toISOString(),
      sensor_id: `sensor-${(id * 7919) % 2000}`,
      region: REGIONS[id % 5],
      status: STATUSES[(id * 31) % 5],
      value: Math.round(((id * 104729) % 500_000) / 3) / 100,
      note: id % 4 === 0 ? `threshold crossed on reading ${id}` : 'nominal',
    };
  }
  return batch;
}

/** Like benchmarks/generate.mjs rows after the rule: string fields, 7 columns, low-cardinality region/status/note. */
function makeCsvBatch(from, count) {
  const batch = new Array(count);
  for (let k = 0; k < count; k++) {
    const id = from + k;
    batch[k] = {
      id: String(id + 1),
      recorded_at: new Date(START + id * 12_500).toISOString(),
      sensor_id: `s-${(id * 7919) % 5000}`,
      region: REGIONS[id % 5],
      status: 'active',
      value: (1500 + ((id * 104729) % 50_000) / 100).toFixed(2),
      note: id % 3 === 0 ? 'door opened, then closed' : id % 3 === 1 ? 'battery low' : '',
    };
  }
  return batch;
}

async function runSluice(spec) {
  const { createEncoder, createEncodedStream } = await import(DIST);
  const sink = countingSink();
  const stream = createEncodedStream(createEncoder(spec.format, { parquet: spec.parquet }), sink, { gzip: spec.gzip });
  let busy = 0;
  let cpu = 0;
  for (let from = 0; from < RECORDS; from += BATCH) {
    const batch = makeBatch(from, Math.min(BATCH, RECORDS - from));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const { rejected } = await stream.write(batch);
    busy += performance.now() - t0;
    cpu += cpuSince(c0);
    if (rejected.length) throw new Error(`unexpected rejections: ${rejected[0].error.message}`);
  }
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await stream.end();
  busy += performance.now() - t0;
  cpu += cpuSince(c0);
  return { seconds: busy / 1000, cpuSeconds: cpu / 1000, uncompressed: stream.bytesWritten, written: sink.bytes };
}

/** CPU milliseconds (user + system) since `start`: steadier than wall time on a shared machine. */
function cpuSince(start) {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

async function runParquetjs() {
  const { default: parquet } = await import('parquetjs-lite');
  const utf8 = { type: 'UTF8', optional: true, compression: 'SNAPPY' };
  const double = { type: 'DOUBLE', optional: true, compression: 'SNAPPY' };
  const schema = new parquet.ParquetSchema({
    id: double, ts: utf8, sensor_id: utf8, region: utf8, status: utf8, value: double, note: utf8,
  });
  const sink = countingSink();
  const writer = await parquet.ParquetWriter.openStream(schema, sink, { rowGroupSize: 50_000 });
  let busy = 0;
  let cpu = 0;
  for (let from = 0; from < RECORDS; from += BATCH) {
    const batch = makeBatch(from, Math.min(BATCH, RECORDS - from));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (const row of batch) await writer.appendRow(row);
    busy += performance.now() - t0;
    cpu += cpuSince(c0);
  }
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await writer.close();
  busy += performance.now() - t0;
  cpu += cpuSince(c0);
  return { seconds: busy / 1000, cpuSeconds: cpu / 1000, uncompressed: sink.bytes, written: sink.bytes };
}

async function child(name) {
  const spec = CASES[name];
  const result = spec.parquetjs ? await runParquetjs() : await runSluice(spec);
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ name, records: RECORDS, ...result, peakRssMb }) + '\n');
}

function parent() {
  const only = arg('only', undefined)?.split(',');
  const names = Object.keys(CASES).filter((n) => !only || only.includes(n));
  const self = fileURLToPath(import.meta.url);
  const rows = [];
  for (const name of names) {
    const run = spawnSync(process.execPath, [...process.execArgv, self, '--child', name, '--records', String(RECORDS), '--batch', String(BATCH), '--shape', SHAPE, '--dist', DIST], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (run.status !== 0) {
      console.error(`${name} failed:\n${run.stderr}`);
      continue;
    }
    const r = JSON.parse(run.stdout.trim().split('\n').pop());
    rows.push(r);
    console.error(`done: ${name}`);
  }
  const MB = 1024 * 1024;
  console.log(`| case | records | encode s | encode CPU s | records/s | MB/s (encoded output) | output MB | peak RSS MB |`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|---:|`);
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.records.toLocaleString('en-US')} | ${r.seconds.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} | ${Math.round(r.records / r.seconds).toLocaleString('en-US')} | ${(r.uncompressed / MB / r.seconds).toFixed(1)} | ${(r.written / MB).toFixed(1)} | ${Math.round(r.peakRssMb)} |`,
    );
  }
}

if (args.includes('--child')) await child(arg('child'));
else parent();
