#!/usr/bin/env node
// Main-thread cost per matched record of a session-delivery (file / S3) route, without the CSV reader:
// what core's runner and @sluice/formats do with each batch of matches, i.e. the encoder through
// createEncodedStream into a counting sink, then Spool.append (the local copy every session route keeps).
// Records are the 159,874 matches of `value > 1500 AND status = 'active'` in benchmarks/data/rows-2000000.csv,
// built per batch as the CSV source's unpack() builds them (string values sliced from one packed text).
//   pnpm build
//   node benchmarks/formats/session.mjs [--formats ndjson,csv,parquet] [--reps 5] [--batch 10000]
//     [--variant name=CORE_DIST,FORMATS_DIST ...]   (default: this tree's packages/core/dist and packages/formats/dist)
// Each (variant, format, rep) runs in its own child process, variants alternating, so a before/after pair
// sees the same machine load. Figures are medians of the reps over the spans of append + write + end (not
// the building of the records): "main-thread CPU" = the main thread's on-CPU time from
// /proc/self/task/<pid>/schedstat (GC on the main thread included; other processes' load does not inflate
// it), "busy wall" = wall time (with waits for the disk), "process CPU" = all threads (GC helpers, fs pool).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { countingSink } from './counting-sink.mjs';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const root = fileURLToPath(new URL('../../', import.meta.url));
const DATA = path.join(root, 'benchmarks/data/rows-2000000.csv');
const MATCHES = path.join(os.tmpdir(), 'sluice-bench-session-matches.json');
const BATCH = Number(arg('batch', 10_000));

/** RFC 4180 fields of one line (the benchmark data has quotes, commas and doubled quotes inside fields). */
function fields(line) {
  const out = [];
  const re = /(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g;
  let m;
  while ((m = re.exec(line)) !== null) {
    out.push(m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]);
    if (re.lastIndex === line.length) break;
  }
  return out;
}

/** The matches as packed text + value ends, cached in the temp directory. */
function matches() {
  if (existsSync(MATCHES)) return JSON.parse(readFileSync(MATCHES, 'utf8'));
  const lines = readFileSync(DATA, 'utf8').split('\n');
  const keys = fields(lines[0]);
  const value = keys.indexOf('value');
  const status = keys.indexOf('status');
  const parts = [];
  const ends = [];
  let at = 0;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const row = fields(lines[i]);
    if (!(Number(row[value]) > 1500 && row[status] === 'active')) continue;
    for (const v of row) {
      parts.push(v);
      ends.push((at += v.length));
    }
  }
  const packed = { keys, text: parts.join(''), ends, count: ends.length / keys.length };
  writeFileSync(MATCHES, JSON.stringify(packed));
  return packed;
}

/** CPU time of this process's main thread, in milliseconds (Linux: immune to other processes' load). */
function mainThreadCpuMs() {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
}

async function child(coreDist, formatsDist, format) {
  const packed = matches();
  const { Spool } = await import(pathToFileURL(path.join(coreDist, 'runner/spool.js')).href);
  const { createEncoder, createEncodedStream } = await import(pathToFileURL(path.join(formatsDist, 'index.js')).href);
  // One builder per key list, as source-csv's unpack() compiles it: one hidden class per record.
  const body = packed.keys.map((key) => `${JSON.stringify(key)}: text.slice(at, (at = ends[k++]))`).join(', ');
  const buildBatch = new Function(
    `return function buildBatch(text, ends, k, count) { const out = new Array(count); let at = k === 0 ? 0 : ends[k - 1]; for (let r = 0; r < count; r++) out[r] = { ${body} }; return out; }`,
  )();
  const width = packed.keys.length;
  const spool = new Spool(os.tmpdir());
  const sink = countingSink();
  const stream = createEncodedStream(createEncoder(format), sink);
  let busy = 0;
  let cpu = 0;
  let main = 0;
  const time = async (fn) => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const m0 = mainThreadCpuMs();
    await fn();
    main += mainThreadCpuMs() - m0;
    busy += performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1000;
  };
  for (let r = 0; r < packed.count; r += BATCH) {
    const batch = buildBatch(packed.text, packed.ends, r * width, Math.min(BATCH, packed.count - r));
    // As core's Route does: the write first, then the spool, which keeps the encoder's bytes (JSON lines, CSV rows) if any.
    await time(async () => {
      const { rejected, encoded } = await stream.write(batch);
      if (rejected.length) throw new Error(`unexpected rejections: ${rejected[0].error.message}`);
      await spool.append(batch, encoded);
    });
  }
  await time(() => stream.end());
  // Read the spool back once (not timed) to check it holds every record.
  let replayed = 0;
  for await (const batch of spool.replay(BATCH)) replayed += batch.length;
  await spool.discard();
  if (replayed !== packed.count) throw new Error(`spool replayed ${replayed} of ${packed.count} records`);
  process.stdout.write(`${JSON.stringify({ records: packed.count, busy, cpu, main, bytes: sink.bytes })}\n`);
}

function parent() {
  const formats = arg('formats', 'ndjson,csv,parquet').split(',');
  const reps = Number(arg('reps', 5));
  const variants = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '--variant') continue;
    const [name, dirs] = args[i + 1].split('=');
    const [core, fmt] = dirs.split(',');
    variants.push({ name, core, formats: fmt });
  }
  if (variants.length === 0) variants.push({ name: 'this tree', core: path.join(root, 'packages/core/dist'), formats: path.join(root, 'packages/formats/dist') });
  matches();
  const self = fileURLToPath(import.meta.url);
  const results = new Map();
  console.error(`load before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const format of formats) {
    for (let rep = 0; rep < reps; rep++) {
      for (const v of variants) {
        const run = spawnSync(process.execPath, [self, '--child', v.core, v.formats, format, '--batch', String(BATCH)], { encoding: 'utf8' });
        if (run.status !== 0) throw new Error(`${v.name} ${format} failed:\n${run.stderr}`);
        const key = `${v.name}\t${format}`;
        if (!results.has(key)) results.set(key, []);
        results.get(key).push(JSON.parse(run.stdout.trim().split('\n').pop()));
      }
    }
  }
  console.error(`load after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log('| variant | format | records | main-thread CPU ms (median) | µs/record | main-thread CPU ms (all reps) | busy wall ms | process CPU ms | output MB |');
  console.log('|---|---|---:|---:|---:|---|---:|---:|---:|');
  for (const [key, runs] of results) {
    const [name, format] = key.split('\t');
    const main = median(runs.map((r) => r.main));
    console.log(
      `| ${name} | ${format} | ${runs[0].records.toLocaleString('en-US')} | ${main.toFixed(0)} | ${((main * 1000) / runs[0].records).toFixed(2)} | ${runs.map((r) => r.main.toFixed(0)).join(' ')} | ${median(runs.map((r) => r.busy)).toFixed(0)} | ${median(runs.map((r) => r.cpu)).toFixed(0)} | ${(runs[0].bytes / 1024 / 1024).toFixed(1)} |`,
    );
  }
}

if (args[0] === '--child') await child(args[1], args[2], args[3]);
else parent();
