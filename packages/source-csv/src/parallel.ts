import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { Worker } from 'node:worker_threads';
import { compileCondition, compilePushdown, compileRule, ConnectorError, parsePlainDecimalBytes, type DataRecord, type ReadContext } from '@sluice/core';
import type { BatchCollector } from './batches.js';
import { FastTokenizer } from './fast-tokenizer.js';
import type { RangeJob, RangeMessage, WorkerInit, WorkerMessage } from './parallel-protocol.js';
import { createRangeReader, type RangeOutput } from './range-reader.js';
import { recordUnpacker } from './packer.js';
import { CsvRowError } from './row-errors.js';
import { RowHandler, uniqueColumnNames } from './rows.js';
import type { CsvSourceConfig } from './types.js';
import { useLeanHeap } from './lean-heap.js';

/** Sizes of the parallel reader; tests shrink them to get many ranges from small files. */
export const tuning = {
  /** Below this size (with `parallelism: auto`) one thread is faster than starting workers. */
  minParallelBytes: 32 * 1024 * 1024,
  /** Bytes per range: small enough to keep memory bounded, big enough to amortise a message. */
  rangeBytes: 2 * 1024 * 1024,
  /** Bytes per read in a worker. */
  readBytes: 1024 * 1024,
  /** Read ranges in this thread until a worker is ready (tests turn it off to keep the workers busy). */
  readWhileStarting: true,
};

/** What the parallel reader did, for tests: ranges consumed, of them read in this thread while workers started, switches to one thread. */
export const parallelStats = { ranges: 0, inline: 0, fallbacks: 0 };
/** Ranges in flight or done but not yet consumed, per thread: bounds memory, hides uneven ranges. */
const WINDOW = 2;
/**
 * A worker's garbage is short-lived and it keeps only its range's candidates,
 * packed as text, typed columns too (well under 16 MiB even when every row
 * is one; typed records as objects overflowed it). A 12 MiB young
 * generation instead of V8's 48 MiB saves ~35 MiB of peak RSS (6 MiB saves 20
 * more but costs 20 % more CPU in scavenges); capping the old generation keeps
 * a 20 M row read near its 2 M row peak. A worker that runs out anyway (a
 * huge record) is not fatal: its ranges are read in the main thread.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 12, maxOldGenerationSizeMb: 16 };
/** The first line is looked for within this many bytes. */
const HEAD_BYTES = 1 << 20;

/** Where the data starts and what the first line told us. */
export interface ParallelPlan {
  readonly file: string;
  readonly size: number;
  readonly threads: number;
  readonly dataStart: number;
  /** Lines before `dataStart` (the header). */
  readonly headerLines: number;
  readonly recordDelimiter: '\n' | '\r\n';
  readonly columns: readonly string[];
}

/** Threads for `parallelism` on a file of `size` bytes: 1 means read it in this thread. */
export function threadsFor(parallelism: CsvSourceConfig['parallelism'], size: number): number {
  if (parallelism !== 'auto') return parallelism;
  if (size < tuning.minParallelBytes) return 1;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cores, 4));
}

/**
 * Why options alone keep every file in one thread (for `--explain` too), or
 * undefined. The dialect is the caller's to check; a `.gz` file is the
 * source's (it has no byte ranges).
 */
export function oneThreadReason(config: CsvSourceConfig): string | undefined {
  if (config.parallelism === 1) return 'parallelism: 1';
  if (config.source_field !== undefined) return 'source_field is set';
  if (!['utf8', 'utf-8'].includes(config.encoding.toLowerCase())) return `encoding ${config.encoding} is not utf8`;
  return undefined;
}

/**
 * Plans a parallel read of a local file, or undefined when it must be read
 * in one thread: a first line that is not plain (quotes, a lone CR, empty),
 * or too small a file. The caller checks the dialect is the fast one.
 */
export async function planParallel(file: string, config: CsvSourceConfig): Promise<ParallelPlan | undefined> {
  if (oneThreadReason(config) !== undefined) return undefined;
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const threads = threadsFor(config.parallelism, size);
    if (threads < 2 || size < 2 * tuning.rangeBytes) return undefined;
    const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
    await handle.read(head, 0, head.length, 0);
    const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
    const newline = head.indexOf(10, bom);
    if (newline < 0) return undefined;
    const crlf = newline > bom && head[newline - 1] === 13;
    const line = head.subarray(bom, crlf ? newline - 1 : newline);
    // The first line fixes the record delimiter; quotes or stray CRs in it could change it.
    if (line.length === 0 || line.includes(34) || line.includes(13)) return undefined;
    const names = line.toString('utf8').split(config.delimiter);
    // `columns` that do not fit the header: one thread reports it.
    if (config.header && config.columns !== undefined && config.columns.length !== names.length) return undefined;
    const columns = config.columns ?? uniqueColumnNames(names);
    return {
      file,
      size,
      threads,
      dataStart: config.header ? newline + 1 : bom,
      headerLines: config.header ? 1 : 0,
      recordDelimiter: crlf ? '\r\n' : '\n',
      columns,
    };
  } finally {
    await handle.close();
  }
}

/** Range starts: `dataStart`, then the first line start at or after every tuning.rangeBytes. */
async function rangeStarts(plan: ParallelPlan): Promise<number[]> {
  const starts = [plan.dataStart];
  const handle = await open(plan.file, 'r');
  const probe = Buffer.alloc(64 * 1024);
  try {
    for (let nominal = plan.dataStart + tuning.rangeBytes; nominal < plan.size; nominal += tuning.rangeBytes) {
      let at = nominal - 1;
      let found = -1;
      while (found < 0 && at < plan.size && at < nominal + tuning.rangeBytes) {
        const { bytesRead } = await handle.read(probe, 0, probe.length, at);
        if (bytesRead === 0) break;
        const i = probe.subarray(0, bytesRead).indexOf(10);
        if (i >= 0) found = at + i + 1;
        else at += bytesRead;
      }
      if (found > starts.at(-1)! && found < plan.size) starts.push(found);
    }
  } finally {
    await handle.close();
  }
  return starts;
}

function workerUrl(): URL {
  const here = import.meta.url;
  // Under the test runner this module is TypeScript source: the worker runs from the build.
  if (here.endsWith('.ts')) return new URL('../dist/parallel-worker.js', here);
  // The package's bundle (scripts/bundle.mjs) starts the worker's bundle; tsc's output, tsc's worker.
  return new URL(/\.(?:bundle|chunk)\.js$/.test(here) ? './parallel-worker.bundle.js' : './parallel-worker.js', here);
}

interface Options {
  readonly plan: ParallelPlan;
  readonly config: CsvSourceConfig;
  readonly ctx: ReadContext;
  /** Display name of the file. */
  readonly name: string;
  /** Config path of the datasource. */
  readonly where: string;
  readonly onOversize: (line: number) => never;
  /** The source's batches, shared across its files; push-down skips are counted in it too. */
  readonly batches: BatchCollector;
}

/**
 * Reads one file with worker threads, each tokenizing byte ranges that
 * start at a line start, with the push-down rules applied in the worker.
 * Ranges are consumed in file order and at most two per thread are in
 * flight, so output order and memory are those of a sequential read. A
 * range start is a guess (a line break may sit inside a quoted field): a
 * range that does not end exactly on a record boundary proves the guess
 * wrong, and the rest of the file, from the last range known good, is read
 * in this thread.
 */
export async function* readParallel(options: Options): AsyncGenerator<DataRecord[]> {
  const { plan, config, ctx, name, batches } = options;
  // Validates columns against `types` here, with the sequential reader's message.
  new RowHandler(handlerOptions(options));
  const starts = await rangeStarts(plan);
  const jobs: RangeJob[] = starts.map((start, id) => ({ id, start, end: starts[id + 1] ?? plan.size, last: id === starts.length - 1 }));
  const init: WorkerInit = {
    file: plan.file,
    where: options.where,
    delimiter: config.delimiter,
    skipEmptyLines: config.skip_empty_lines,
    maxRecordSize: config.max_record_size,
    recordDelimiter: plan.recordDelimiter,
    columns: plan.columns,
    types: config.types,
    rules: ctx.rules?.rules.map((compiled) => compiled.rule) ?? [],
    runStartedAt: (ctx.rules?.runStartedAt ?? ctx.runStartedAt).getTime(),
    readBytes: tuning.readBytes,
  };
  try {
    structuredClone(init);
  } catch {
    // Rules holding something a worker cannot receive: one thread.
    yield* readRest(options, plan.dataStart, plan.headerLines);
    return;
  }
  const threads = Math.min(plan.threads, jobs.length);
  const workers: Worker[] = [];
  /** Ranges each worker has been sent and not answered; infinite once it failed. */
  const load: number[] = [];
  const assigned = new Map<number, number>();
  const results = new Map<number, Promise<RangeMessage | undefined>>();
  const waiting = new Map<number, (result: RangeMessage | undefined) => void>();
  let dispatched = 0;
  let consumed = 0;
  let stopped = false;

  /** Workers that said they are ready; until one is, this thread reads ranges itself. */
  const ready: boolean[] = [];
  /**
   * Sends ranges up to `limit` (exclusive), each to the least busy ready
   * worker. Stops at a range no worker can take yet; with every worker
   * failed, ranges resolve to undefined (read in this thread).
   */
  const dispatch = (limit: number): void => {
    for (; !stopped && dispatched < Math.min(limit, jobs.length); dispatched++) {
      const job = jobs[dispatched]!;
      let w = -1;
      for (let k = 0; k < workers.length; k++) if (ready[k] && load[k] !== Number.POSITIVE_INFINITY && (w < 0 || load[k]! < load[w]!)) w = k;
      if (w < 0) {
        if (load.some((n, k) => !ready[k] && n !== Number.POSITIVE_INFINITY)) return;
        results.set(job.id, Promise.resolve(undefined));
        continue;
      }
      results.set(job.id, new Promise((resolve) => waiting.set(job.id, resolve)));
      load[w]!++;
      assigned.set(job.id, w);
      workers[w]!.postMessage(job);
    }
  };
  // A failed worker voids its ranges: they are read in this thread instead.
  const fail = (w: number): void => {
    load[w] = Number.POSITIVE_INFINITY;
    for (const [id, resolve] of waiting) if (assigned.get(id) === w) resolve(undefined);
    wake?.();
  };
  /** Resolves the main loop's wait for a worker to become ready (or fail). */
  let wake: (() => void) | undefined;
  useLeanHeap();
  for (let w = 0; w < threads; w++) {
    const worker = new Worker(workerUrl(), { workerData: init, resourceLimits: WORKER_LIMITS });
    worker.once('online', useLeanHeap);
    worker.on('message', (message: WorkerMessage) => {
      if ('ready' in message) ready[w] = true;
      else {
        load[w]!--;
        waiting.get(message.id)?.(message);
      }
      // Keep every worker busy: the next range goes out as soon as one is done.
      dispatch(consumed + WINDOW * threads);
      wake?.();
    });
    worker.on('error', (error) => {
      // Nothing is lost (this thread reads the ranges), but the file is read at a fraction of the speed: say why.
      ctx.logger.warn({ err: error.message, file: name }, 'a CSV reader thread failed: its ranges are read in the main thread');
      fail(w);
    });
    worker.on('exit', () => fail(w));
    workers.push(worker);
    load.push(0);
    ready.push(false);
  }
  /** This thread's own reader, for the ranges read while the workers start. */
  let here: ((job: RangeJob) => RangeOutput) | undefined;
  let base = plan.headerLines;
  try {
    for (let i = 0; i < jobs.length; i++) {
      consumed = i;
      dispatch(i + WINDOW * threads);
      // No worker took range i: none is ready yet, so this thread reads it instead of waiting.
      const inline = !results.has(i) && tuning.readWhileStarting;
      if (inline) {
        here ??= createRangeReader(init, init.rules.length > 0 ? { compilePushdown, compileRule, compileCondition, parsePlainDecimalBytes } : undefined);
        results.set(i, Promise.resolve(here(jobs[dispatched++]!).message));
      }
      while (!results.has(i)) {
        await new Promise<void>((resolve) => (wake = resolve));
        dispatch(i + WINDOW * threads);
      }
      const result = await results.get(i)!;
      results.delete(i);
      waiting.delete(i);
      ctx.signal.throwIfAborted();
      if (result === undefined || !result.clean) {
        stopped = true;
        parallelStats.fallbacks++;
        ctx.logger.info(
          { file: name, at_byte: jobs[i]!.start },
          result === undefined ? 'a reader thread failed: reading the rest of the file in one thread' : 'a quoted line break spans a range boundary: reading the rest of the file in one thread',
        );
        for (const worker of workers) void worker.terminate();
        yield* readRest(options, jobs[i]!.start, base);
        return;
      }
      for (const reject of result.rejects) {
        ctx.reject(reject.raw, new CsvRowError(reject.code, reject.message), `${name}:${base + reject.line}`);
      }
      parallelStats.ranges++;
      batches.skipped += result.skipped;
      if (Array.isArray(result.records)) {
        for (const record of result.records) batches.add(record);
        for (const batch of batches.take(false)) yield batch;
      } else {
        // Built a batch's worth at a time, as the pipeline takes them: the rest of the range waits as compact bytes.
        const packed = result.records;
        const unpack = recordUnpacker(packed);
        for (let first = 0; first < packed.count; ) {
          const count = Math.min(packed.count - first, batches.room);
          for (const record of unpack(first, count)) batches.add(record);
          first += count;
          for (const batch of batches.take(false)) yield batch;
        }
      }
      base += result.breaks;
      if (inline) {
        parallelStats.inline++;
        // Let the workers' ready messages in before the next range.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    stopped = true;
    for (const worker of workers) void worker.terminate();
  }
}

function handlerOptions(options: Options): ConstructorParameters<typeof RowHandler>[0] {
  const { config, ctx, plan, batches } = options;
  return {
    file: options.name,
    where: options.where,
    header: false,
    columns: plan.columns,
    ...(config.columns === undefined && plan.headerLines === 1 ? { columnsLine: 1 } : {}),
    types: config.types,
    sourceField: undefined,
    pushdown: ctx.rules,
    batches,
    reject: (raw, error, location) => ctx.reject(raw, error, location),
    fail: (message) => {
      throw new ConnectorError(message, { where: options.where });
    },
  };
}

/** The rest of the file from byte `start` (a known record start after `lines` lines), in this thread. */
async function* readRest(options: Options, start: number, lines: number): AsyncGenerator<DataRecord[]> {
  const { config, ctx, plan, batches } = options;
  const handler = new RowHandler(handlerOptions(options));
  const tokenizer = new FastTokenizer(handler, {
    delimiter: config.delimiter,
    skipEmptyLines: config.skip_empty_lines,
    maxRecordSize: config.max_record_size,
    recordDelimiter: plan.recordDelimiter,
    firstLine: lines + 1,
    onOversize: options.onOversize,
  });
  // No byte-order-mark handling: `start` is past the first line.
  const decoder = new StringDecoder('utf8');
  for await (const chunk of createReadStream(plan.file, { start, highWaterMark: 1 << 20, signal: ctx.signal })) {
    const text = decoder.write(chunk as Buffer);
    if (text.length > 0) tokenizer.write(text);
    yield* batches.take(false);
  }
  const rest = decoder.end();
  if (rest.length > 0) tokenizer.write(rest);
  tokenizer.end();
  yield* batches.take(false);
}
