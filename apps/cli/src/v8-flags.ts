import v8 from 'node:v8';

// Imported first by bin.ts: the heap of a streaming process grows by 20 %
// over what survived the last full GC instead of V8's default (up to 4x).
// A pipeline keeps little alive (a batch or two per route), so this costs a
// few more full GCs and keeps `sluice run` on a 2 M or 20 M row CSV (two
// reader threads) under 200 MiB peak RSS (about 205 MiB without it). A
// smaller young generation for this thread was tried too: 25 % more CPU.
// Measured with benchmarks/run.mjs.
const FLAGS = ['--heap-growing-percent=20'];

function apply(): void {
  for (const flag of FLAGS) v8.setFlagsFromString(flag);
}

apply();
// Starting a worker thread puts V8's flags back to the command line's: apply them again.
process.on('worker', (worker) => worker.once('online', apply));
