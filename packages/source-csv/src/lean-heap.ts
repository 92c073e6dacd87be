import v8 from 'node:v8';

/**
 * While the parallel reader runs, the main thread's heap grows by 20 % over
 * what survived the last full GC instead of V8's default (up to 4x): the
 * reader keeps little alive, and with its worker threads' heaps beside it
 * this keeps a 2 M or 20 M row run under 200 MiB peak RSS (245–265 MiB at
 * 20 M without, measured 2026-11-26; turned on only once RSS passed 140 or
 * 160 MiB, a 20 M row Parquet run peaked at 188 or 204–220 MiB). Set here,
 * not for every pipeline: it costs row-shaped paths (e.g. PostgreSQL →
 * PostgreSQL) up to a third more CPU in extra GCs.
 * Starting a worker thread puts V8's flags back to the command line's, so
 * it is applied again each time one comes online.
 */
export function useLeanHeap(): void {
  v8.setFlagsFromString('--heap-growing-percent=20');
}
