// The benchmark suite: `pnpm bench` (see benchmarks/README.md for options).
// Generates deterministic CSV data, runs Sluice's CLI end to end (process
// start included) for CSV → NDJSON, CSV → CSV and CSV → Parquet, and Miller
// and DuckDB on the same data and rule when they are installed, alternating
// tools run by run; reports median wall time, rows/s, CPU and peak RSS, and
// checks every tool produced the same number of matched rows.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const dataDir = path.join(here, 'data');
// One folder per invocation: two suites running at once must not count each other's files.
const outDir = path.join(here, 'out', `run-${process.pid}`);
const cli = path.join(root, 'apps/cli/dist/bin.js');

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value = 'true'] = arg.replace(/^--/, '').split('=');
    return [key, value];
  }),
);
// `--sizes=` (none): the cold start only.
const sizes = (args.sizes ?? '2000000,20000000').split(',').filter(Boolean).map(Number);
const reps = Number(args.reps ?? 5);
const bigReps = Number(args['big-reps'] ?? 1);
const formats = (args.formats ?? 'ndjson,csv,parquet').split(',');
const only = args.tools ? new Set(args.tools.split(',')) : undefined;

function have(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs a command under GNU time; returns wall, cpu and peak RSS. */
function measure(command, argv, options = {}) {
  return new Promise((resolve, reject) => {
    const began = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', command, ...argv], {
      cwd: options.cwd ?? here,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', options.stdout ?? 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - began) / 1e9;
      const last = stderr.trim().split('\n').at(-1) ?? '';
      const [, user, sys, rssKb] = last.split(' ').map(Number);
      if (code !== 0) return reject(new Error(`${command} ${argv.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`));
      resolve({ wall, cpu: user + sys, rssMb: rssKb / 1024 });
    });
  });
}

function sluiceConfig(file, format, out) {
  return `settings:
  batch_size: 10000
  log_level: warn
datasources:
  readings:
    type: csv
    path: ${JSON.stringify(file)}
processing_rules:
  - name: hot_active
    conditions:
      - { field: value, type: greater_than, value: 1500 }
      - { field: status, type: equals, value: active }
    export_target: out
export_targets:
  out:
    type: file
    path: ${JSON.stringify(path.join(out, `{run_id}.${format}`))}
`;
}

function countLines(file) {
  const text = readFileSync(file, 'utf8');
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

async function countParquet(file) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const reader = await connection.runAndReadAll(`SELECT count(*) FROM read_parquet('${file}')`);
  return Number(reader.getRows()[0][0]);
}

function filesIn(dir) {
  // Hidden files are parts still being written: a finished run has none.
  return existsSync(dir) ? readdirSync(dir).filter((name) => !name.startsWith('.')).map((name) => path.join(dir, name)) : [];
}

async function countOutput(format, file) {
  if (format === 'parquet') return countParquet(file);
  if (format === 'csv') return countLines(file) - 1;
  return countLines(file);
}

const tools = [];
for (const format of formats) {
  tools.push({
    name: `sluice`,
    format,
    async run(data) {
      const dir = path.join(outDir, `sluice-${format}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const config = path.join(outDir, `sluice-${format}.yaml`);
      writeFileSync(config, sluiceConfig(data, format, dir));
      const m = await measure(process.execPath, [cli, 'run', '--config', config, '--summary', 'none']);
      // Every part file counts (a target may roll over to several).
      let matched = 0;
      for (const file of filesIn(dir)) matched += await countOutput(format, file);
      return { ...m, matched };
    },
  });
  if (format !== 'parquet' && have('mlr')) {
    tools.push({
      name: 'miller',
      format,
      async run(data) {
        const file = path.join(outDir, `miller.${format}`);
        const m = await measure('sh', ['-c', `mlr --icsv --o${format === 'ndjson' ? 'jsonl' : 'csv'} filter '$value > 1500 && $status == "active"' '${data}' > '${file}'`]);
        return { ...m, matched: await countOutput(format, file) };
      },
    });
  }
  tools.push({
    name: 'duckdb',
    format,
    optional: true,
    async run(data) {
      const file = path.join(outDir, `duckdb.${format}`);
      const m = await measure(process.execPath, [path.join(here, 'duckdb-run.mjs'), data, file, format]);
      return { ...m, matched: await countOutput(format, file) };
    },
  });
}

async function duckdbAvailable() {
  try {
    await import('@duckdb/node-api');
    return true;
  } catch {
    return false;
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function coldStart() {
  const data = path.join(dataDir, 'rows-10.csv');
  if (!existsSync(data)) await generate(10, data);
  const dir = path.join(outDir, 'cold');
  const config = path.join(outDir, 'cold.yaml');
  writeFileSync(config, sluiceConfig(data, 'ndjson', dir));
  // Settle the disk first: a start that ends with an fsync should not wait on the writes of earlier benchmarks.
  execFileSync('sync');
  // Its own, empty compile cache: the first start compiles core and fills it, the later ones take it (as every start after a user's first).
  const env = { SLUICE_COMPILE_CACHE: path.join(outDir, 'compile-cache') };
  const start = async () => {
    rmSync(dir, { recursive: true, force: true });
    return (await measure(process.execPath, [cli, 'run', '--config', config, '--summary', 'none'], { env })).wall;
  };
  const first = await start();
  const walls = [];
  const nodeAlone = [];
  for (let i = 0; i < 10; i++) {
    walls.push(await start());
    // Node.js' own start on this machine, for scale (an environment's NODE_EXTRA_CA_CERTS alone can add 100 ms to every Node.js process).
    nodeAlone.push((await measure(process.execPath, ['-e', '0'])).wall);
  }
  return { wall: median(walls), first, node: median(nodeAlone) };
}

async function main() {
  if (!existsSync(cli)) throw new Error('build first: pnpm build');
  const loadBefore = os.loadavg();
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  // Before the big runs: a start measured on a machine that is not still flushing their output.
  const cold = !only || only.has('sluice') ? await coldStart() : undefined;
  const hasDuck = await duckdbAvailable();
  const active = tools.filter((tool) => (tool.name !== 'duckdb' || hasDuck) && (!only || only.has(tool.name)));
  const results = [];
  for (const size of sizes) {
    const data = path.join(dataDir, `rows-${size}.csv`);
    if (!existsSync(data)) {
      process.stderr.write(`generating ${size} rows…\n`);
      await generate(size, data);
    }
    const mb = statSync(data).size / 1e6;
    const n = size > 5_000_000 ? bigReps : reps;
    const samples = new Map(active.map((tool) => [tool, []]));
    for (let rep = 0; rep < n; rep++) {
      // Alternate the order so no tool always runs on a warm or a cold page cache.
      const order = rep % 2 === 0 ? active : [...active].reverse();
      for (const tool of order) {
        const result = await tool.run(data);
        samples.get(tool).push(result);
        process.stderr.write(`${size} rows ${tool.name} → ${tool.format}: ${result.wall.toFixed(2)} s, ${result.rssMb.toFixed(0)} MiB, ${result.matched} matched\n`);
      }
    }
    for (const tool of active) {
      const runs = samples.get(tool);
      const wall = median(runs.map((r) => r.wall));
      results.push({
        size,
        mb,
        tool: tool.name,
        format: tool.format,
        runs: runs.length,
        wall,
        rowsPerSecond: size / wall,
        cpu: median(runs.map((r) => r.cpu)),
        rssMb: Math.max(...runs.map((r) => r.rssMb)),
        matched: runs[0].matched,
        consistent: runs.every((r) => r.matched === runs[0].matched),
      });
    }
  }
  rmSync(outDir, { recursive: true, force: true });
  writeResults(results, cold, { before: loadBefore, after: os.loadavg() });
}

function writeResults(results, cold, load) {
  const fmt = (value, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const lines = [
    '## CSV speed: Sluice vs Miller vs DuckDB',
    '',
    `Command: \`node benchmarks/run.mjs${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}\` (the last step of \`pnpm bench\`, after the build). Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${fmt(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    'Rule: `value > 1500 AND status = \'active\'` over generated data (benchmarks/generate.mjs, seeded). Every run is a whole process (start-up included), timed with GNU time; wall and CPU are medians over the runs, RSS the peak.',
    `Load average (1/5/15 min) when the suite started: ${load.before.map((v) => v.toFixed(2)).join(' / ')}; when it ended: ${load.after.map((v) => v.toFixed(2)).join(' / ')}. Other processes share the two cores when it is above ~0.5: wall times then favour the tool that uses fewer threads.`,
    '',
    '| rows | output | tool | runs | wall s | rows/s | CPU s | peak RSS MiB | matched | vs Miller | vs DuckDB |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const peer = (name) => results.find((o) => o.size === r.size && o.format === r.format && o.tool === name);
    const ratio = (other) => (other && other !== r ? `${fmt(r.rowsPerSecond / other.rowsPerSecond, 2)}×` : '');
    lines.push(
      `| ${fmt(r.size)} | ${r.format} | ${r.tool} | ${r.runs} | ${fmt(r.wall, 2)} | ${fmt(r.rowsPerSecond)} | ${fmt(r.cpu, 2)} | ${fmt(r.rssMb)} | ${fmt(r.matched)}${r.consistent ? '' : ' (varied!)'} | ${ratio(peer('miller'))} | ${ratio(peer('duckdb'))} |`,
    );
  }
  const mismatched = [];
  for (const r of results) {
    const others = results.filter((o) => o.size === r.size && o.matched !== r.matched);
    if (others.length) mismatched.push(`${r.tool}/${r.format}@${r.size}`);
  }
  lines.push('', mismatched.length ? `**Matched-row counts differ:** ${mismatched.join(', ')}` : 'All tools produced the same number of matched rows at each size.');
  if (cold !== undefined) {
    lines.push(
      '',
      `Cold start: \`sluice run\` on a 10-row CSV → NDJSON, median of 10 runs: **${fmt(cold.wall * 1000)} ms** wall ` +
        `(the first start of a build, which compiles core and fills the compile cache: ${fmt(cold.first * 1000)} ms; ` +
        `\`node -e 0\` alone on this machine, in this environment: ${fmt(cold.node * 1000)} ms${process.env.NODE_EXTRA_CA_CERTS ? ', with NODE_EXTRA_CA_CERTS set' : ''}).`,
    );
  }
  lines.push('', ...targetLines(results, cold, fmt));
  const section = `${lines.join('\n')}\n`;
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(path.join(here, 'results', 'csv-speed.md'), section);
  assembleResults();
  process.stdout.write(section);
}

/** The issue's targets, each marked met or not from this run's figures. */
function targetLines(results, cold, fmt) {
  const lines = ['Targets (issue 7), from the figures above:', ''];
  const mark = (ok) => (ok ? 'met' : '**not met**');
  for (const size of [...new Set(results.map((r) => r.size))]) {
    for (const format of ['ndjson', 'csv', 'parquet']) {
      const sluice = results.find((r) => r.size === size && r.format === format && r.tool === 'sluice');
      if (!sluice) continue;
      const miller = results.find((r) => r.size === size && r.format === format && r.tool === 'miller');
      const duck = results.find((r) => r.size === size && r.format === format && r.tool === 'duckdb');
      const parts = [];
      if (miller) parts.push(`${fmt(sluice.rowsPerSecond / miller.rowsPerSecond, 2)}× Miller (≥ 2×: ${mark(sluice.rowsPerSecond >= 2 * miller.rowsPerSecond)})`);
      const need = format === 'parquet' ? 0.5 : 0.7;
      if (duck) parts.push(`${fmt(sluice.rowsPerSecond / duck.rowsPerSecond, 2)}× DuckDB (≥ ${need}×: ${mark(sluice.rowsPerSecond >= need * duck.rowsPerSecond)})`);
      parts.push(`peak RSS ${fmt(sluice.rssMb)} MiB (≤ 200: ${mark(sluice.rssMb <= 200)})`);
      lines.push(`- ${fmt(size)} rows → ${format}: ${parts.join('; ')}`);
    }
  }
  if (cold !== undefined) lines.push(`- cold start ${fmt(cold.wall * 1000)} ms (≤ 300 ms: ${mark(cold.wall <= 0.3)}; \`node -e 0\` alone: ${fmt(cold.node * 1000)} ms)`);
  return lines;
}

/** Shifts a section's headings so its top heading is a level-2 heading under the page's title (code blocks untouched). */
function asSection(text) {
  const lines = text.split('\n');
  let fenced = false;
  const levels = [];
  for (const line of lines) {
    if (line.startsWith('```')) fenced = !fenced;
    else if (!fenced && /^#{1,6} /.test(line)) levels.push(line.indexOf(' '));
  }
  const shift = levels.length ? 2 - Math.min(...levels) : 0;
  fenced = false;
  return lines
    .map((line) => {
      if (line.startsWith('```')) fenced = !fenced;
      if (fenced || !/^#{1,6} /.test(line) || shift === 0) return line;
      const level = Math.min(6, Math.max(1, line.indexOf(' ') + shift));
      return `${'#'.repeat(level)}${line.slice(line.indexOf(' '))}`;
    })
    .join('\n');
}

/** RESULTS.md = every section in benchmarks/results/, CSV speed first. */
export function assembleResults() {
  const dir = path.join(here, 'results');
  const names = readdirSync(dir).filter((name) => name.endsWith('.md')).sort((a, b) => (a === 'csv-speed.md' ? -1 : b === 'csv-speed.md' ? 1 : a.localeCompare(b)));
  const body = names.map((name) => asSection(readFileSync(path.join(dir, name), 'utf8').trim())).join('\n\n');
  writeFileSync(
    path.join(here, 'RESULTS.md'),
    `# Benchmark results\n\nFigures measured on this project's 2-core machine with the commands shown in each section; each section is kept in \`benchmarks/results/\` and this page is assembled from them by \`pnpm bench\` (or \`node benchmarks/assemble.mjs\`).\n\n${body}\n`,
  );
}

if (args.assemble === 'true') assembleResults();
else await main();
