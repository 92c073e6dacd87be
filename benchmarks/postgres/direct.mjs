// PostgreSQL → rule matching 8 % → PostgreSQL, with push-down, without, and
// the in-database limit (`INSERT INTO … SELECT … WHERE` in psql).
//
//   pnpm turbo run build --filter=@sluice/source-postgres --filter=@sluice/export-postgres
//   node benchmarks/postgres/direct.mjs [rows=2000000] [batch=10000]
//   SLUICE_BENCH_READ_MODES=cursor,copy SLUICE_BENCH_PUSHDOWN=auto,off (the defaults)
//
// The connectors driven directly (no CLI, no runner): what the connectors
// alone cost. bench.mjs measures the same through the CLI.
//
// Env: SLUICE_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres);
// a database `sluice_bench_pg` is created there and dropped at the end.
// The connectors are driven directly with core's coercion as the rule
// (`toNumber(value) > 1000`), the way the runner evaluates it.
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { seedReadings } from './seed.mjs';
import sourceDef from '../../packages/source-postgres/dist/index.bundle.js';
import exporterDef from '../../packages/export-postgres/dist/index.bundle.js';
import { toNumber } from '../../packages/core/dist/rules/coerce.js';

const ROWS = Number(process.argv[2] ?? 2_000_000);
const BATCH = Number(process.argv[3] ?? 10_000);
const adminUrl = process.env.SLUICE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = 'sluice_bench_pg';

const silent = { debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } };
const deps = (path) => ({
  name: 'bench', path, logger: silent, baseDir: process.cwd(),
  settings: { batchSize: BATCH, maxConcurrency: 2, retry: { attempts: 1, initialDelay: 0, maxDelay: 0 }, timeout: 0, deadLetter: { path: '' }, logLevel: 'silent' },
});

const { admin, db, dbUrl, expected } = await seedReadings({ adminUrl, dbName, rows: ROWS, alerts: true });

const rule = {
  kind: 'leaf', field: 'value', path: ['value'], op: 'greater_than',
  operand: { kind: 'scalar', value: { type: 'number', value: 1000 } },
};
const test = (r) => { const v = toNumber(r.value); return v !== undefined && v > 1000; };
const pushdownRules = {
  rules: [{ rule: { name: 'high', datasources: ['bench'], targets: ['alerts'], condition: rule }, fields: ['value'], test, stats: { missing: 0, unconvertible: 0 } }],
  fields: ['value'], candidate: test, condition: { kind: 'any', children: [rule] }, runStartedAt: new Date(),
};

async function sluiceRun(pushdown, readMode) {
  await db.query('TRUNCATE alerts');
  const source = sourceDef.create(sourceDef.schema.parse({ url: dbUrl, query: 'SELECT * FROM readings', pushdown, read_mode: readMode }), deps('datasources.bench'));
  const exporter = exporterDef.create(exporterDef.schema.parse({ url: dbUrl, table: 'alerts' }), deps('export_targets.alerts'));
  const signal = new AbortController().signal;
  const ctx = { signal, batchSize: BATCH, rules: pushdownRules, runId: 'bench', runStartedAt: new Date(), logger: silent, reject() {}, skipped() {} };
  const started = performance.now();
  const session = await exporter.open({ runId: 'bench', runStartedAt: new Date(), rule: 'high', datasource: 'bench', target: 'alerts', signal, logger: silent });
  let read = 0;
  let pending = Promise.resolve();
  let buffer = [];
  for await (const batch of source.read(ctx)) {
    read += batch.length;
    for (const record of batch) if (test(record)) buffer.push(record);
    if (buffer.length >= BATCH) {
      const out = buffer;
      buffer = [];
      await pending; // one write in flight while the next batch is read
      pending = session.write(out, signal).then(() => undefined);
    }
  }
  await pending;
  if (buffer.length > 0) await session.write(buffer, signal);
  await session.end(signal);
  const seconds = (performance.now() - started) / 1000;
  await source.close();
  await exporter.close();
  const written = Number((await db.query('SELECT count(*) FROM alerts')).rows[0].count);
  if (written !== expected) throw new Error(`pushdown=${pushdown}: wrote ${written}, expected ${expected}`);
  return { seconds, read };
}

function psqlRun() {
  execFileSync('psql', [dbUrl, '-q', '-c', 'TRUNCATE alerts']);
  const started = performance.now();
  execFileSync('psql', [dbUrl, '-q', '-c', 'INSERT INTO alerts SELECT * FROM readings WHERE value > 1000']);
  return (performance.now() - started) / 1000;
}

// SLUICE_BENCH_READ_MODES: the source's read modes to compare (default `cursor,copy`); SLUICE_BENCH_PUSHDOWN: `auto,off` by default.
const modes = (process.env.SLUICE_BENCH_READ_MODES ?? 'cursor,copy').split(',');
const pushdowns = (process.env.SLUICE_BENCH_PUSHDOWN ?? 'auto,off').split(',');
const results = { psql: [] };
for (let i = 0; i < 3; i++) {
  results.psql.push(psqlRun());
  for (const pushdown of pushdowns) {
    for (const mode of modes) (results[`${pushdown}/${mode}`] ??= []).push((await sluiceRun(pushdown, mode)).seconds);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[1];
const base = median(results.psql);
console.log(`rows=${ROWS} matches=${expected} (${((expected / ROWS) * 100).toFixed(1)} %) batch=${BATCH}`);
for (const [name, xs] of Object.entries(results)) {
  const m = median(xs);
  console.log(`${name.padEnd(11)} median ${m.toFixed(2)} s  (${xs.map((x) => x.toFixed(2)).join(', ')})  ${(ROWS / m / 1000).toFixed(0)} k rows/s in  ${(m / base).toFixed(2)}x psql`);
}
await db.end();
await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
await admin.end();
