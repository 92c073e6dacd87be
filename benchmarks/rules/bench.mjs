// Rule evaluation throughput: `value > 1500 AND status == 'active'` over
// 2,000,000 pre-built records whose values are strings, as CSV yields them.
// Run: pnpm turbo run build --filter=@sluice/core && node benchmarks/rules/bench.mjs
import os from 'node:os';
import { compileRule } from '../../packages/core/dist/rules/compile.js';
import { normalizeRule } from '../../packages/core/dist/rules/normalize.js';
import { ruleSchema } from '../../packages/core/dist/rules/schema.js';

const N = Number(process.env.N ?? 2_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 7);

// Deterministic data (LCG), so every run sees the same records.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const STATUSES = ['active', 'idle', 'error', 'active'];
const records = new Array(N);
for (let i = 0; i < N; i++) {
  records[i] = {
    id: String(i),
    ts: '2024-06-01T12:00:00Z',
    sensor_id: `s-${i % 500}`,
    value: (rand() * 2000).toFixed(2),
    status: STATUSES[i % 4],
  };
}

const config = ruleSchema.parse({
  name: 'bench',
  export_target: 'out',
  conditions: [
    { field: 'value', type: '>', value: 1500 },
    { field: 'status', type: '==', value: 'active' },
  ],
});
const rule = compileRule(normalizeRule(config, { runStartedAt: new Date(), allDatasources: ['csv'] }));

// Wall-clock and CPU-time rates: on a shared machine the CPU-time rate
// (evaluations per second of this process's own CPU time) is the steadier one.
const wall = [];
const cpu = [];
let matched = 0;
for (let round = 0; round < ROUNDS; round++) {
  const test = rule.test;
  matched = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) if (test(records[i])) matched++;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const used = process.cpuUsage(c0);
  wall.push(N / seconds);
  cpu.push(N / ((used.user + used.system) / 1e6));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (r) => `${(r / 1e6).toFixed(1)} M evals/s`;
console.log(`records: ${N}, matched: ${matched} (${((matched / N) * 100).toFixed(1)} %), stats: ${JSON.stringify(rule.stats)}`);
console.log(`wall rounds: ${wall.map((r) => (r / 1e6).toFixed(1)).join(' ')}`);
console.log(`wall: median ${fmt(median(wall))}, best ${fmt(Math.max(...wall))}, first (cold) ${fmt(wall[0])}`);
console.log(`cpu-time: median ${fmt(median(cpu))}, best ${fmt(Math.max(...cpu))}`);
console.log(`node ${process.version}, ${process.arch}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${os.cpus().length} cores`);
