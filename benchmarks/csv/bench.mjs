#!/usr/bin/env node
// Throughput of @sluice/source-csv alone: read a 2,000,000-row CSV with the
// rule `value > 1500 AND status = 'active'` (about 8 % match) pushed down,
// csv-parse tokenizer vs the fast path. Uses the built dist:
//   pnpm turbo run build --filter=@sluice/source-csv && node benchmarks/csv/bench.mjs [rows] [repetitions]
// Each run is its own process (clean peak RSS); modes alternate; median wall time.
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const MODES = ['csv-parse', 'fast', 'fast-no-pushdown'];

/** Deterministic PRNG (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function generate(file, rows, seed = 42) {
  const random = rng(seed);
  const regions = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south'];
  const statuses = ['active', 'active', 'idle', 'idle', 'idle', 'maintenance'];
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  out.write('id,ts,sensor_id,region,status,value,note\n');
  const start = Date.UTC(2024, 0, 1);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const ts = new Date(start + Math.floor(i * 1500 + random() * 1000)).toISOString();
    const note = random() < 0.2
      ? `"${words[(random() * 8) | 0]}, ${words[(random() * 8) | 0]} and ""${words[(random() * 8) | 0]}"""`
      : `${words[(random() * 8) | 0]} ${words[(random() * 8) | 0]}`;
    chunk += `${i + 1},${ts},sensor-${(random() * 500) | 0},${regions[(random() * 5) | 0]},${statuses[(random() * 6) | 0]},${(random() * 2000).toFixed(2)},${note}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/**
 * `value > 1500 AND status = 'active'`, compiled by core as the runner does:
 * worker threads get the rule's AST and compile it themselves, so a
 * hand-made predicate would not reach them.
 */
async function pushdown() {
  const core = await import('../../packages/core/dist/index.bundle.js');
  const runStartedAt = new Date();
  const rule = core.normalizeRule(
    { name: 'hot', conditions: [{ field: 'value', type: 'greater_than', value: 1500 }, { field: 'status', type: 'equals', value: 'active' }], export_target: 'out' },
    { runStartedAt, allDatasources: ['bench'] },
  );
  return core.compilePushdown([core.compileRule(rule)], runStartedAt);
}

async function runOnce(mode, file) {
  const { default: csv } = await import('../../packages/source-csv/dist/index.bundle.js');
  const logger = { debug() {}, info() {}, warn() {}, error() {}, child() { return logger; } };
  const config = csv.schema.parse({ path: file });
  const source = csv.create(config, { name: 'bench', path: 'datasources.bench', logger, settings: {}, baseDir: here });
  source.useFastPath = mode !== 'csv-parse';
  let matched = 0;
  let skipped = 0;
  let rejected = 0;
  const ctx = {
    signal: new AbortController().signal,
    batchSize: 1000,
    runId: 'bench',
    runStartedAt: new Date(),
    logger,
    reject: () => rejected++,
    skipped: (n) => (skipped += n),
    ...(mode === 'fast-no-pushdown' ? {} : { rules: await pushdown() }),
  };
  const rule = (await pushdown()).candidate;
  const t0 = process.hrtime.bigint();
  for await (const batch of source.read(ctx)) for (const r of batch) if (rule(r)) matched++;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const usage = process.resourceUsage();
  process.stdout.write(JSON.stringify({ mode, ms, matched, skipped, rejected, maxRssMiB: usage.maxRSS / 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }));
}

async function main() {
  const rows = Number(process.argv[2] ?? 2_000_000);
  const reps = Number(process.argv[3] ?? 3);
  const dataDir = path.join(here, '.data');
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, `bench-${rows}.csv`);
  if (!existsSync(file)) await generate(file, rows);
  const size = statSync(file).size;
  const results = Object.fromEntries(MODES.map((m) => [m, []]));
  for (let rep = 0; rep < reps; rep++) {
    for (const mode of MODES) {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--run', mode, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
      results[mode].push(JSON.parse(out));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`${rows} rows, ${(size / 1e6).toFixed(0)} MB, ${reps} runs each, median:`);
  console.log('| mode | wall ms | rows/s | MB/s | CPU ms | peak RSS MiB | matched |');
  console.log('|---|---|---|---|---|---|---|');
  for (const mode of MODES) {
    const runs = results[mode];
    const ms = median(runs.map((r) => r.ms));
    const line = [mode, ms.toFixed(0), Math.round(rows / (ms / 1000)).toLocaleString('en-US'), (size / 1e6 / (ms / 1000)).toFixed(0), median(runs.map((r) => r.cpuMs)).toFixed(0), median(runs.map((r) => r.maxRssMiB)).toFixed(0), runs[0].matched];
    console.log(`| ${line.join(' | ')} |`);
  }
  const matched = new Set(MODES.map((m) => results[m][0].matched));
  if (matched.size !== 1) throw new Error(`modes disagree on matched rows: ${[...matched].join(' vs ')}`);
}

if (process.argv[2] === '--run') await runOnce(process.argv[3], process.argv[4]);
else await main();
