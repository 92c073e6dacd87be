import v8 from 'node:v8';

// Imported first by bin.ts: garbage-collector settings for a streaming
// process. A pipeline keeps little alive (a batch or two per route), so a
// heap that grows by 20 % over what survives a full GC, and a young
// generation that stays small instead of growing to 32 MiB, keep the peak
// RSS of `sluice run` on a 2 M or 20 M row CSV (with two reader threads)
// under 200 MiB; V8's defaults let it reach 280 MiB. Measured in
// benchmarks/results/csv-speed.md.
const FLAGS = ['--heap-growing-percent=20', '--semi-space-growth-factor=1', '--min-semi-space-size=8'];

function apply(): void {
  for (const flag of FLAGS) v8.setFlagsFromString(flag);
}

apply();
// Starting a worker thread puts V8's flags back to the command line's: apply them again.
process.on('worker', (worker) => worker.once('online', apply));
