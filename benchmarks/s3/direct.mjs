// The measured process of `bench.mjs --via=exporter`: drives @sluice/export-s3
// (built dist) directly with ROWS generated records in batches of BATCH, the
// way core's runner does: open → write × n → end. Prints a JSON line.

import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = path.join(root, 'packages/export-s3');
const { default: s3 } = await import(pathToFileURL(path.join(pkg, 'dist/index.bundle.js')).href);

const env = process.env;
const rows = Number(env.ROWS ?? 2_000_000);
const batchSize = Number(env.BATCH ?? 1000);
const options = s3.schema.parse({
  bucket: env.BUCKET,
  prefix: 'bench',
  format: 'parquet',
  endpoint: env.S3_ENDPOINT,
  force_path_style: true,
  region: 'us-east-1',
  access_key_id: 'S3RVER',
  secret_access_key: 'S3RVER',
  request_checksums: 'when_required',
  ...(env.MAX_RECORDS ? { max_records_per_object: Number(env.MAX_RECORDS) } : {}),
  ...(env.ROW_GROUP_SIZE ? { parquet: { row_group_size: Number(env.ROW_GROUP_SIZE) } } : {}),
});
const logger = { debug() {}, info() {}, warn: (o, m) => console.error(m ?? o, o), error: (o, m) => console.error(m ?? o, o), child: () => logger };
const exporter = s3.create(options, { name: 'bench', path: 'export_targets.bench', logger, baseDir: root, settings: {} });

let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
const timer = setInterval(sample, 50);

const regions = ['eu-west', 'eu-north', 'us-east', 'us-west', 'ap-south'];
const statuses = ['active', 'idle', 'maintenance', 'offline', 'degraded'];
const notes = ['', 'ok', 'checked', 'door opened, then closed', 'battery low'];
const start = Date.UTC(2026, 10, 1);
const began = process.hrtime.bigint();
const run = { runId: 'bench', runStartedAt: new Date(start), rule: 'all', datasource: 'generated', target: 'bench', signal: new AbortController().signal, logger };
const session = await exporter.open(run);
for (let offset = 0; offset < rows; offset += batchSize) {
  const batch = [];
  for (let i = offset; i < Math.min(rows, offset + batchSize); i++) {
    batch.push({
      id: i + 1,
      recorded_at: new Date(start + i * 1000),
      sensor_id: `s-${String((i * 7919) % 5000).padStart(4, '0')}`,
      region: regions[i % 5],
      status: statuses[(i * 3) % 5],
      value: Math.round(((i * 104729) % 200000)) / 100,
      note: notes[i % 5],
    });
  }
  await session.write(batch, run.signal);
}
await session.end(run.signal);
const seconds = Number(process.hrtime.bigint() - began) / 1e9;
sample();
clearInterval(timer);
await exporter.close();
console.log(JSON.stringify({ rows, seconds, keys: session.keys, peakRssMiB: peak / 1048576 }));
