import v8 from 'node:v8';

// Imported first by bin.ts: the heap of a streaming process grows by 10 %
// over what survived the last full GC instead of V8's default (up to 4x).
// A pipeline keeps little alive (a batch or two per route), so this costs a
// few more full GCs and keeps `sluice run` on a 2 M row CSV (two reader
// threads) at ~190 MiB peak RSS instead of ~280 MiB; a smaller young
// generation was tried too and costs 25 % more CPU. Measured in
// benchmarks/results/csv-speed.md.
const FLAGS = ['--heap-growing-percent=10'];

function apply(): void {
  for (const flag of FLAGS) v8.setFlagsFromString(flag);
}

apply();
// Starting a worker thread puts V8's flags back to the command line's: apply them again.
process.on('worker', (worker) => worker.once('online', apply));
