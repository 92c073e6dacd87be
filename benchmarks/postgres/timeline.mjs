// Where a PostgreSQL → PostgreSQL run spends its time: one run of the same
// pipeline as bench.mjs (push-down, rule matching 8 %), in this process
// through core's Pipeline and the CLI's config loading, with a timeline of
// each batch the source yields and each write the exporter starts and ends,
// plus this process's CPU time for the run. Shows whether the reader waits
// for the server, the writes wait for the reader, or both are serialised.
//
//   pnpm turbo run build
//   node benchmarks/postgres/timeline.mjs [rows=2000000] [runs=3] [batch=10000] [read_mode=copy]
//
// Env: SLUICE_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres);
// a database `sluice_bench_pg_timeline` is created there and dropped at the end.
// The timeline of the last run is printed; earlier runs warm the server's caches.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipelineYaml, seedReadings } from './seed.mjs';
import { loadValidConfig } from '../../apps/cli/dist/load.js';
import { Pipeline } from '../../packages/core/dist/index.bundle.js';

const ROWS = Number(process.argv[2] ?? 2_000_000);
const RUNS = Number(process.argv[3] ?? 3);
const BATCH = Number(process.argv[4] ?? 10_000);
const READ_MODE = process.argv[5] ?? 'copy';
const adminUrl = process.env.SLUICE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = 'sluice_bench_pg_timeline';
const work = mkdtempSync(join(tmpdir(), 'sluice-bench-pg-timeline-'));

let events = [];
const mark = (what) => events.push([performance.now(), what]);

/**
 * Wraps the connectors' own classes (the bundles the CLI's registry loads),
 * found through the first pipeline's instances: once per process.
 */
let instrumented = false;
function instrument(pipeline) {
  if (instrumented) return;
  instrumented = true;
  const source = Object.getPrototypeOf(pipeline.sources[0].instance);
  const exporter = Object.getPrototypeOf([...pipeline.exporters.values()][0].instance);
  const read = source.read;
  source.read = async function* (ctx) {
    mark('read start');
    let n = 0;
    for await (const batch of read.call(this, ctx)) {
      mark(`yield ${n++} (${batch.length} records)`);
      yield batch;
      mark('source resumed');
    }
    mark('read end');
  };
  const write = exporter.write;
  exporter.write = async function (batch, signal) {
    const n = writes++;
    mark(`    write ${n} start`);
    try {
      return await write.call(this, batch, signal);
    } finally {
      mark(`    write ${n} end`);
    }
  };
}
let writes = 0;

const { admin, db, dbUrl, expected } = await seedReadings({ adminUrl, dbName, rows: ROWS, alerts: true });
const file = join(work, 'config.yaml');
writeFileSync(file, pipelineYaml({ dbUrl, batch: BATCH, deadLetterDir: join(work, 'dead'), pushdown: 'auto', readMode: READ_MODE }));

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {}, child: () => silent };
try {
  for (let i = 0; i < RUNS; i++) {
    await db.query('TRUNCATE alerts');
    const config = await loadValidConfig(file);
    const pipeline = new Pipeline({ config, logger: silent });
    instrument(pipeline);
    events = [];
    writes = 0;
    const load = loadavg()[0];
    const cpu = process.cpuUsage();
    const started = performance.now();
    const summary = await pipeline.run();
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    await pipeline.close();
    if (summary.targets.alerts.exported !== expected) throw new Error(`exported ${summary.targets.alerts.exported}, expected ${expected}`);
    console.log(
      `run ${i + 1}/${RUNS}: ${ms.toFixed(0)} ms, CPU ${((used.user + used.system) / 1000).toFixed(0)} ms (this process, GC threads included), load ${load.toFixed(2)}`,
    );
    if (i === RUNS - 1) for (const [t, what] of events) console.log(`${(t - started).toFixed(1).padStart(8)} ms  ${what}`);
  }
} finally {
  await db.end();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  rmSync(work, { recursive: true, force: true });
}
