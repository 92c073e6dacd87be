// The PostgreSQL source alone, cursor vs COPY: reads a table (the same
// shape as bench.mjs) and counts the records, with push-down (8 % of the rows
// cross the network) and without. Reports wall time and this process's CPU
// time (the decoding side), runs alternating between the read modes.
//
//   pnpm turbo run build --filter=@sluice/source-postgres
//   node benchmarks/postgres/read.mjs [rows=1000000] [runs=5] [batch=10000]
//
// Env: SLUICE_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres);
// a database `sluice_bench_pg_read` is created there and dropped at the end.
import { performance } from 'node:perf_hooks';
import { seedReadings } from './seed.mjs';
import sourceDef from '../../packages/source-postgres/dist/index.bundle.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 5);
const BATCH = Number(process.argv[4] ?? 10_000);
const adminUrl = process.env.SLUICE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = 'sluice_bench_pg_read';

const { admin, db, dbUrl } = await seedReadings({ adminUrl, dbName, rows: ROWS });
await db.end();

const silent = { debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } };
const deps = { name: 'bench', path: 'datasources.bench', logger: silent, baseDir: process.cwd(), settings: { batchSize: BATCH } };
const rule = { kind: 'leaf', field: 'value', path: ['value'], op: 'greater_than', operand: { kind: 'scalar', value: { type: 'number', value: 1000 } } };
const rules = { rules: [], fields: ['value'], candidate: () => true, condition: { kind: 'any', children: [rule] }, runStartedAt: new Date() };

async function read(mode, pushdown) {
  const source = sourceDef.create(sourceDef.schema.parse({ url: dbUrl, query: 'SELECT * FROM readings', read_mode: mode }), deps);
  const ctx = { signal: new AbortController().signal, batchSize: BATCH, rules: pushdown ? rules : undefined, runId: 'bench', runStartedAt: new Date(), logger: silent, reject() {}, skipped() {} };
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  let count = 0;
  for await (const batch of source.read(ctx)) count += batch.length;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await source.close();
  return { seconds, cpu: (cpu.user + cpu.system) / 1e6, count };
}

const results = {};
try {
  for (let i = 0; i < RUNS; i++) {
    for (const pushdown of [true, false]) {
      for (const mode of ['cursor', 'copy']) (results[`${pushdown ? 'pushdown' : 'all rows'}/${mode}`] ??= []).push(await read(mode, pushdown));
    }
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
console.log(`rows=${ROWS} batch_size=${BATCH} runs=${RUNS}`);
for (const [name, runs] of Object.entries(results)) {
  console.log(
    `${name.padEnd(16)} ${String(runs[0].count).padStart(8)} records  wall ${median(runs.map((r) => r.seconds)).toFixed(2)} s (${runs.map((r) => r.seconds.toFixed(2)).join(', ')})  CPU ${median(runs.map((r) => r.cpu)).toFixed(2)} s (${runs.map((r) => r.cpu.toFixed(2)).join(', ')})`,
  );
}
