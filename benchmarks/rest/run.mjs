#!/usr/bin/env node
// REST connector throughput against a local server in a child process.
// Build first: pnpm turbo run build --filter=@sluice/source-rest --filter=@sluice/export-rest
// Run:        node benchmarks/rest/run.mjs
import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const load = async (pkg) => (await import(new URL(`../../packages/${pkg}/dist/index.bundle.js`, import.meta.url).href)).default;
const restSource = await load('source-rest');
const restExporter = await load('export-rest');

const RECORDS = Number(process.env.RECORDS ?? 100_000);
const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const settings = { batchSize: 1000, maxConcurrency: 4, retry: { attempts: 3, initialDelay: 100, maxDelay: 1000 }, timeout: 30_000, deadLetter: { path: '/tmp' }, logLevel: 'info' };
const deps = (name) => ({ name, path: `bench.${name}`, logger: silent, settings, baseDir: process.cwd() });

const child = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), { env: { ...process.env, RECORDS: String(RECORDS) } });
const { port } = await new Promise((resolve) => child.once('message', resolve));
const base = `http://127.0.0.1:${port}`;
const records = Array.from({ length: RECORDS }, (_, i) => ({ id: i, sensor: `s-${i % 100}`, value: (i * 7919) % 2000, at: '2026-11-01T00:00:00.000Z' }));

async function timed(label, fn, count = RECORDS) {
  await fn(); // warm-up (JIT, keep-alive pool)
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const t = process.hrtime.bigint();
    await fn();
    runs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const ms = runs.sort((a, b) => a - b)[1];
  console.log(`| ${label} | ${count.toLocaleString('en')} | ${ms.toFixed(0)} | ${Math.round(count / (ms / 1000)).toLocaleString('en')} |`);
}

console.log(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), median of 3 runs after a warm-up\n`);
console.log('| case | records | ms | records/s |\n|---|---|---|---|');

for (const limit of [100, 1000]) {
  const source = restSource.create(
    restSource.schema.parse({ url: `${base}/records`, records_path: 'data', pagination: { type: 'offset', limit, stop_on_short_page: true } }),
    deps('api'),
  );
  await timed(`source: offset pages of ${limit}`, async () => {
    const ctx = { signal: new AbortController().signal, batchSize: 1000, runId: 'b', runStartedAt: new Date(), logger: silent, reject() {}, skipped() {} };
    let n = 0;
    for await (const batch of source.read(ctx)) n += batch.length;
    if (n !== RECORDS) throw new Error(`read ${n}`);
  });
  await source.close();
}

for (const [batchSize, concurrency] of [[1, 8], [100, 1], [100, 4], [1000, 4]]) {
  // One request per record is slow by nature: measure it on 10 000 records.
  const count = batchSize === 1 ? Math.min(RECORDS, 10_000) : RECORDS;
  const exporter = restExporter.create(restExporter.schema.parse({ url: `${base}/ingest`, batch_size: batchSize, concurrency }), deps('sink'));
  await timed(`exporter: batch_size ${batchSize}, concurrency ${concurrency}`, async () => {
    const run = { runId: 'b', runStartedAt: new Date(), rule: 'r', datasource: 'd', target: 't', signal: new AbortController().signal, logger: silent };
    const session = await exporter.open(run);
    for (let i = 0; i < count; i += 1000) await session.write(records.slice(i, Math.min(count, i + 1000)), run.signal);
    await session.end(run.signal);
  }, count);
  await exporter.close();
}
child.send('stop');
