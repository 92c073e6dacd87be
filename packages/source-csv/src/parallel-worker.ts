// A worker thread of the parallel CSV reader: reads the byte ranges it is
// sent (range-reader.ts) and sends back their candidate records.
import { parentPort, workerData } from 'node:worker_threads';
import type { RangeJob, WorkerInit, WorkerMessage } from './parallel-protocol.js';
import { useTimeParser } from './convert.js';
import { createRangeReader, type RuleCompiler } from './range-reader.js';

const init = workerData as WorkerInit;
/**
 * Core's rule compiler alone (`@sluice/core/compile`): the whole of
 * @sluice/core (zod, yaml, the config loader) costs a worker ~150 ms of
 * start-up it does not need.
 */
const timestamps = Object.values(init.types).includes('timestamp');
const compile = init.rules.length > 0 || timestamps ? await import('@sluice/core/compile') : undefined;
const compiler: RuleCompiler | undefined = init.rules.length > 0 ? compile : undefined;
// A typed timestamp converts with the rule engine's own parser, so a typed column holds what a rule compares.
if (timestamps) useTimeParser(compile!.parseIsoTime);
const runJob = createRangeReader(init, compiler);

// The main thread terminates the worker when it is done: the descriptor goes with the thread.
parentPort!.on('message', (job: RangeJob) => {
  const { message, transfer } = runJob(job);
  parentPort!.postMessage(message satisfies WorkerMessage, transfer);
});
// Until now the main thread read ranges itself.
parentPort!.postMessage({ ready: true } satisfies WorkerMessage);
