#!/usr/bin/env node
// `sluice run` end to end, CSV → NDJSON and CSV → Parquet (each codec), timed
// with GNU time (`/usr/bin/time -v`), runs alternating between cases.
//   pnpm turbo run build
//   node benchmarks/generate.mjs 2000000 benchmarks/data/rows-2000000.csv
//   node benchmarks/formats/cli.mjs [--rows 2000000] [--runs 3] [--cases ndjson,snappy,...]
//     [--baseline /abs/path/to/another/formats/dist/index.js]
// --baseline adds a `parquet baseline` case that runs the same CLI with
// @sluice/formats resolved to another build (e.g. the previous commit's), to
// compare encoders in otherwise identical processes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const ROWS = Number(arg('rows', 2_000_000));
const RUNS = Number(arg('runs', 3));
const BASELINE = arg('baseline', undefined);
const root = fileURLToPath(new URL('../../', import.meta.url));
const data = join(root, `benchmarks/data/rows-${ROWS}.csv`);
const bin = join(root, 'apps/cli/dist/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'sluice-formats-cli-'));

const CASES = {
  ndjson: { ext: 'ndjson' },
  snappy: { ext: 'parquet' },
  uncompressed: { ext: 'parquet', parquet: 'uncompressed' },
  gzip: { ext: 'parquet', parquet: 'gzip' },
  ...(BASELINE ? { 'snappy baseline': { ext: 'parquet', baseline: true } } : {}),
};
const names = arg('cases', Object.keys(CASES).join(',')).split(',');

function config(name, spec) {
  const out = join(dir, name.replace(/\W/g, '_'));
  const file = join(dir, `${name.replace(/\W/g, '_')}.yaml`);
  writeFileSync(
    file,
    [
      'settings: { batch_size: 10000, log_level: warn }',
      'datasources:',
      `  readings: { type: csv, path: ${JSON.stringify(data)} }`,
      'processing_rules:',
      '  - name: hot_active',
      '    conditions:',
      '      - { field: value, type: greater_than, value: 1500 }',
      '      - { field: status, type: equals, value: active }',
      '    export_target: out',
      'export_targets:',
      '  out:',
      '    type: file',
      `    path: ${JSON.stringify(join(out, `{run_id}.${spec.ext}`))}`,
      ...(spec.parquet ? [`    parquet: { compression: ${spec.parquet} }`] : []),
    ].join('\n') + '\n',
  );
  return { file, out };
}

let hook;
if (BASELINE) {
  hook = join(dir, 'baseline.mjs');
  writeFileSync(
    join(dir, 'baseline-hooks.mjs'),
    `export async function resolve(specifier, context, next) {
  if (specifier === '@sluice/formats') return { url: ${JSON.stringify(pathToFileURL(BASELINE).href)}, shortCircuit: true };
  return next(specifier, context);
}\n`,
  );
  writeFileSync(hook, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'baseline-hooks.mjs')).href)});\n`);
}

function measure(name) {
  const spec = CASES[name];
  const { file, out } = config(name, spec);
  const node = [...(spec.baseline ? ['--import', hook] : []), bin, 'run', '--config', file];
  const run = spawnSync('/usr/bin/time', ['-v', process.execPath, ...node], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(`${name}: exit ${run.status}\n${run.stderr}`);
  const field = (label) => run.stderr.match(new RegExp(`${label}: (.+)`))?.[1]?.trim() ?? '';
  const [m, s] = field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)').split(':').slice(-2);
  const files = readdirSync(out).filter((f) => !f.startsWith('.'));
  const bytes = files.reduce((sum, f) => sum + statSync(join(out, f)).size, 0);
  rmSync(out, { recursive: true, force: true });
  return {
    wall: Number(m) * 60 + Number(s),
    cpu: Number(field('User time \\(seconds\\)')) + Number(field('System time \\(seconds\\)')),
    rssMiB: Number(field('Maximum resident set size \\(kbytes\\)')) / 1024,
    bytes,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const results = Object.fromEntries(names.map((n) => [n, []]));
const loadBefore = loadavg().map((x) => x.toFixed(2)).join(' / ');
try {
  for (let r = 0; r < RUNS; r++) {
    for (const name of names) {
      results[name].push(measure(name));
      console.error(`run ${r + 1}/${RUNS}: ${name}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const loadAfter = loadavg().map((x) => x.toFixed(2)).join(' / ');
console.log(`rows: ${ROWS.toLocaleString('en-US')}; runs: ${RUNS}; load average (1/5/15 min) before: ${loadBefore}, after: ${loadAfter}`);
console.log('| output | runs | median wall s | median CPU s | max peak RSS MiB | output MB |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const name of names) {
  const rs = results[name];
  console.log(
    `| ${name} | ${rs.length} | ${median(rs.map((r) => r.wall)).toFixed(2)} | ${median(rs.map((r) => r.cpu)).toFixed(2)} | ${Math.max(...rs.map((r) => r.rssMiB)).toFixed(0)} | ${(median(rs.map((r) => r.bytes)) / 1e6).toFixed(1)} |`,
  );
}
