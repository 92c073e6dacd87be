// 160,000 records written as Redis hashes of 7 fields: @sluice/export-redis
// vs a plain ioredis script pipelining HSETs in batches of 1,000.
// Same process, same server, alternating, several repetitions.
//
//   pnpm turbo run build --filter=@sluice/export-redis
//   node benchmarks/redis/bench.mjs
//
// Env: SLUICE_BENCH_REDIS_URL (default redis://127.0.0.1:6379), REPS (5),
// RECORDS (160000), WRITE_BATCH (records per session.write(), i.e. core's
// settings.batch_size; default 1000), CHUNK (exporter batch_size, default
// the exporter's), IN_FLIGHT (exporter max_in_flight, default the exporter's),
// EXPORTER (module path; default the built package).
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(new URL('../../packages/export-redis/package.json', import.meta.url));
const { Redis } = require('ioredis');
const exporterPath = process.env.EXPORTER ?? new URL('../../packages/export-redis/dist/index.bundle.js', import.meta.url).pathname;
const { default: redisConnector } = await import(pathToFileURL(exporterPath).href);
// The settings a run gives its exporters (retries, timeout), from the core this exporter is built against.
const { defaultSettings } = await import(pathToFileURL(createRequire(exporterPath).resolve('@sluice/core')).href);

const url = process.env.SLUICE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const REPS = Number(process.env.REPS ?? 5);
const N = Number(process.env.RECORDS ?? 160_000);
const WRITE_BATCH = Number(process.env.WRITE_BATCH ?? 1000);
const PLAIN_BATCH = 1000;
const prefix = `sluice_bench_${randomBytes(4).toString('hex')}:`;

const records = Array.from({ length: N }, (_, i) => ({
  sensor_id: `s-${i}`,
  value: 1000 + i * 0.25,
  unit: 'kW',
  site: i % 2 ? 'north' : 'south',
  status: 'alert',
  ts: new Date(1_700_000_000_000 + i * 1000).toISOString(),
  count: i % 97,
}));

const client = new Redis(url);

async function cleanup() {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    if (keys.length) await client.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

async function plain(tag) {
  const started = performance.now();
  for (let i = 0; i < N; i += PLAIN_BATCH) {
    const pipeline = client.pipeline();
    for (let j = i; j < Math.min(N, i + PLAIN_BATCH); j++) pipeline.hset(`${prefix}${tag}:${records[j].sensor_id}`, records[j]);
    const replies = await pipeline.exec();
    for (const [error] of replies) if (error) throw error;
  }
  return performance.now() - started;
}

const noop = () => {};
const logger = { debug: noop, info: noop, warn: noop, error: noop, child: () => logger };
const options = redisConnector.schema.parse({
  url,
  data_type: 'hash',
  key_template: `${prefix}{run_id}:{sensor_id}`,
  ...(process.env.CHUNK ? { batch_size: Number(process.env.CHUNK) } : {}),
  ...(process.env.IN_FLIGHT ? { max_in_flight: Number(process.env.IN_FLIGHT) } : {}),
});
const exporter = redisConnector.create(options, { name: 'bench', path: 'export_targets.bench', logger, settings: defaultSettings(), baseDir: process.cwd() });

async function sluice(tag) {
  const signal = new AbortController().signal;
  const started = performance.now();
  const session = await exporter.open({ runId: tag, runStartedAt: new Date(), rule: 'bench', datasource: 'bench', target: 'bench', signal, logger });
  for (let i = 0; i < N; i += WRITE_BATCH) {
    const result = await session.write(records.slice(i, i + WRITE_BATCH), signal);
    if (result?.rejected?.length) throw result.rejected[0].error;
  }
  await session.end(signal);
  return performance.now() - started;
}

async function verify(tag) {
  const sample = await client.hgetall(`${prefix}${tag}:s-${N - 1}`);
  const expected = Object.fromEntries(Object.entries(records[N - 1]).map(([k, v]) => [k, String(v)]));
  if (JSON.stringify(sample) !== JSON.stringify(expected)) throw new Error(`${tag}: read back ${JSON.stringify(sample)}`);
  let count = 0;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}${tag}:*`, 'COUNT', 5000);
    count += keys.length;
    cursor = next;
  } while (cursor !== '0');
  if (count !== N) throw new Error(`${tag}: ${count} keys, expected ${N}`);
}

const rate = (ms) => Math.round((N / ms) * 1000);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { plain: [], sluice: [] };
try {
  await sluice('warmup');
  await plain('warmup');
  await cleanup();
  for (let rep = 1; rep <= REPS; rep++) {
    const order = rep % 2 ? ['plain', 'sluice'] : ['sluice', 'plain'];
    for (const name of order) {
      const tag = `${name}${rep}`;
      const ms = name === 'plain' ? await plain(tag) : await sluice(tag);
      await verify(tag);
      await cleanup();
      results[name].push(rate(ms));
      console.log(`rep ${rep} ${name.padEnd(6)} ${rate(ms).toLocaleString('en')} hashes/s (${Math.round(ms)} ms)`);
    }
  }
  const [p, s] = [median(results.plain), median(results.sluice)];
  console.log(`\nrecords ${N}, write batch ${WRITE_BATCH}, exporter batch_size ${options.batch_size}, max_in_flight ${options.max_in_flight}`);
  console.log(`median plain ioredis pipeline: ${p.toLocaleString('en')} hashes/s`);
  console.log(`median @sluice/export-redis:   ${s.toLocaleString('en')} hashes/s (${(s / p).toFixed(2)}x)`);
} finally {
  await cleanup();
  await exporter.close();
  client.disconnect();
}
