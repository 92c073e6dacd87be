// PostgreSQL → rule matching 8 % → PostgreSQL through the CLI (`sluice run`),
// with push-down and without, against the in-database limit
// (`INSERT INTO … SELECT … WHERE` in psql). Runs alternate (psql, auto, off,
// psql, …) so a change in the machine's load hits every path alike.
//
//   pnpm turbo run build
//   node benchmarks/postgres/bench.mjs [rows=2000000] [runs=3] [batch=10000]
//
// Each run goes through psql, then every push-down setting (SLUICE_BENCH_PUSHDOWN,
// default `auto,off`) × source read mode (SLUICE_BENCH_READ_MODES, default `cursor,copy`).
//
// Env: SLUICE_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres);
// a database `sluice_bench_pg_cli` is created there and dropped at the end.
// SLUICE_BENCH_PROFILE=dir adds `node --cpu-prof --cpu-prof-dir=dir` to the CLI runs;
// SLUICE_BENCH_NODE_FLAGS adds other node flags (e.g. `--max-semi-space-size=64`);
// SLUICE_BENCH_BASELINE_CLI=path/to/bin.js (another checkout's built CLI) adds
// its runs (auto@base, off@base) to the alternation, for before/after figures.
//
// Besides wall time it reports CPU seconds, since the machine is shared:
// the CLI process's user+sys (from /usr/bin/time) and the PostgreSQL
// backends' user+sys (from /proc/<pid>/stat, sampled every 50 ms for the
// CLI's connections, read before and after for psql's). Reading /proc of
// the server's processes needs the server on this host.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { pg, pipelineYaml, seedReadings } from './seed.mjs';

const ROWS = Number(process.argv[2] ?? 2_000_000);
const RUNS = Number(process.argv[3] ?? 3);
const BATCH = Number(process.argv[4] ?? 10_000);
const PROFILE = process.env.SLUICE_BENCH_PROFILE;
const BIN = fileURLToPath(new URL('../../apps/cli/dist/bin.js', import.meta.url));
const adminUrl = process.env.SLUICE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = 'sluice_bench_pg_cli';
const TICK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const work = mkdtempSync(join(tmpdir(), 'sluice-bench-pg-'));

/** user+sys CPU seconds of a process, or undefined once it is gone. */
function cpuOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return undefined;
  }
}

const { admin, db, dbUrl, expected } = await seedReadings({ adminUrl, dbName, rows: ROWS, alerts: true, applicationName: 'bench-monitor' });

function configFor(pushdown, readMode) {
  const file = join(work, `config-${pushdown}-${readMode}.yaml`);
  writeFileSync(file, pipelineYaml({ dbUrl, batch: BATCH, deadLetterDir: join(work, 'dead'), pushdown, readMode }));
  return file;
}

/** Samples the CPU time of the benchmark database's other backends until stopped. */
function sampleBackends() {
  const seen = new Map();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await db.query(
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        [dbName],
      );
      for (const { pid } of rows) if (!seen.has(pid)) seen.set(pid, 0);
      for (const pid of seen.keys()) {
        const cpu = cpuOf(pid);
        if (cpu !== undefined) seen.set(pid, Math.max(seen.get(pid), cpu));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return [...seen.values()].reduce((a, b) => a + b, 0);
  };
}

async function sluiceRun(pushdown, readMode, bin = BIN) {
  await db.query('TRUNCATE alerts');
  const load = loadavg()[0];
  const nodeArgs = [...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : []), ...(process.env.SLUICE_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])];
  const tag = bin === BIN ? `${pushdown}/${readMode}` : `${pushdown}@base`;
  const stopSampling = sampleBackends();
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'TIME %e %U %S', process.execPath, ...nodeArgs, bin, 'run', '--config', configFor(pushdown, readMode), '--summary', 'json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => child.on('close', resolve));
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = await stopSampling();
  const time = /TIME ([\d.]+) ([\d.]+) ([\d.]+)/.exec(stderr);
  if (code !== 0 || !time) throw new Error(`${tag}: exit ${code}\n${stderr}`);
  const summary = JSON.parse(stdout);
  const written = Number((await db.query('SELECT count(*) FROM alerts')).rows[0].count);
  if (written !== expected || summary.targets.alerts.exported !== expected) {
    throw new Error(`${tag}: wrote ${written} (summary ${summary.targets.alerts.exported}), expected ${expected}`);
  }
  return { seconds, runMs: summary.durationMs, cpu: Number(time[2]) + Number(time[3]), serverCpu, load };
}

function psqlRun() {
  execFileSync('psql', [dbUrl, '-q', '-c', 'TRUNCATE alerts']);
  const before = join(work, 'before');
  const after = join(work, 'after');
  const script = join(work, 'insert.sql');
  writeFileSync(
    script,
    `SELECT pg_backend_pid() AS pid \\gset
\\setenv SLUICE_PID :pid
\\! cat /proc/$SLUICE_PID/stat > ${before}
INSERT INTO alerts SELECT * FROM readings WHERE value > 1000;
\\! cat /proc/$SLUICE_PID/stat > ${after}
`,
  );
  const load = loadavg()[0];
  const started = performance.now();
  execFileSync('psql', [dbUrl, '-q', '-v', 'ON_ERROR_STOP=1', '-f', script], { stdio: ['ignore', 'ignore', 'inherit'] });
  const seconds = (performance.now() - started) / 1000;
  const cpu = (file) => {
    const stat = readFileSync(file, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  };
  return { seconds, runMs: seconds * 1000, cpu: 0, serverCpu: cpu(after) - cpu(before), load };
}

const BASELINE = process.env.SLUICE_BENCH_BASELINE_CLI;
const READ_MODES = (process.env.SLUICE_BENCH_READ_MODES ?? 'cursor,copy').split(',');
const PUSHDOWNS = (process.env.SLUICE_BENCH_PUSHDOWN ?? 'auto,off').split(',');
const results = { psql: [] };
try {
  for (let i = 0; i < RUNS; i++) {
    results.psql.push(psqlRun());
    for (const pushdown of PUSHDOWNS) {
      for (const mode of READ_MODES) (results[`${pushdown}/${mode}`] ??= []).push(await sluiceRun(pushdown, mode));
      // The baseline CLI may predate read_mode: it gets its own config without it.
      if (BASELINE) (results[`${pushdown}@base`] ??= []).push(await sluiceRun(pushdown, undefined, BASELINE));
    }
    console.error(`run ${i + 1}/${RUNS} done`);
  }
} finally {
  await db.end();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  rmSync(work, { recursive: true, force: true });
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const base = median(results.psql.map((r) => r.seconds));
const baseCpu = median(results.psql.map((r) => r.serverCpu));
console.log(`rows=${ROWS} matches=${expected} (${((expected / ROWS) * 100).toFixed(1)} %) batch_size=${BATCH} runs=${RUNS}`);
console.log('path         wall median (runs)                      vs psql  | CPU s: node + server = total (median)  vs psql server CPU | run only (summary) | load avg at start');
for (const [name, runs] of Object.entries(results)) {
  const wall = median(runs.map((r) => r.seconds));
  const cpu = median(runs.map((r) => r.cpu));
  const server = median(runs.map((r) => r.serverCpu));
  const total = median(runs.map((r) => r.cpu + r.serverCpu));
  console.log(
    `${name.padEnd(11)}  ${wall.toFixed(2)} s (${runs.map((r) => r.seconds.toFixed(2)).join(', ')})`.padEnd(46) +
      `  ${(wall / base).toFixed(2)}x  | ${cpu.toFixed(2)} + ${server.toFixed(2)} = ${total.toFixed(2)}`.padEnd(44) +
      `  ${(total / baseCpu).toFixed(2)}x`.padEnd(22) +
      `| ${(median(runs.map((r) => r.runMs)) / 1000).toFixed(2)} s`.padEnd(21) +
      `| ${runs.map((r) => r.load.toFixed(1)).join(', ')}`,
  );
}
