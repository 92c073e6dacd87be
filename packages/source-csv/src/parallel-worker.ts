// A worker thread of the parallel CSV reader: tokenizes byte ranges of one
// file with the fast tokenizer, applies the push-down rules itself, and sends
// back only the candidate records of each range (see parallel.ts).
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { parentPort, workerData } from 'node:worker_threads';
import { compilePushdown, compileRule } from '@sluice/core';
import { BatchCollector } from './batches.js';
import { FastTokenizer } from './fast-tokenizer.js';
import type { CsvRowError } from './row-errors.js';
import { RowHandler } from './rows.js';
import type { RangeJob, RangeMessage, WorkerInit } from './parallel-protocol.js';

const CHUNK = 1 << 20;

const init = workerData as WorkerInit;
const pushdown = init.rules.length > 0 ? compilePushdown(init.rules.map((rule) => compileRule(rule)), new Date(init.runStartedAt)) : undefined;
const buffer = Buffer.allocUnsafe(CHUNK);

/** Thrown by the tokenizer's oversize hook: the range cannot be trusted, the main thread decides. */
class Oversize extends Error {}

/** Without declared types every value is a string: JSON carries the records exactly. */
const asJson = Object.keys(init.types).length === 0;

function runJob(job: RangeJob): RangeMessage {
  const batches = new BatchCollector(Number.MAX_SAFE_INTEGER);
  const rejects: RangeMessage['rejects'] = [];
  const handler = new RowHandler({
    file: '',
    where: init.where,
    header: false,
    columns: init.columns,
    types: init.types,
    sourceField: undefined,
    pushdown,
    batches,
    locate: String,
    reject: (raw, error, location) => rejects.push({ raw: raw as string, code: (error as CsvRowError).code, message: error.message, line: Number(location) }),
  });
  const tokenizer = new FastTokenizer(handler, {
    delimiter: init.delimiter,
    skipEmptyLines: init.skipEmptyLines,
    maxRecordSize: init.maxRecordSize,
    recordDelimiter: init.recordDelimiter,
    onOversize: () => {
      throw new Oversize();
    },
  });
  const decoder = new StringDecoder('utf8');
  let clean: boolean;
  // Opened per range: a terminated worker leaves no descriptor behind (they belong to the process).
  const fd = openSync(init.file, 'r');
  try {
    for (let at = job.start; at < job.end; ) {
      const n = readSync(fd, buffer, 0, Math.min(CHUNK, job.end - at), at);
      if (n === 0) break;
      at += n;
      const text = decoder.write(buffer.subarray(0, n));
      if (text.length > 0) tokenizer.write(text);
    }
    const rest = decoder.end();
    if (rest.length > 0) tokenizer.write(rest);
    if (job.last) tokenizer.end();
    // A range that does not end on a record boundary started or ended inside a quoted field.
    clean = job.last || tokenizer.pending === 0;
  } catch (error) {
    if (!(error instanceof Oversize)) throw error;
    clean = false;
  } finally {
    closeSync(fd);
  }
  const [records = []] = batches.take(true);
  return { id: job.id, clean, records: asJson ? JSON.stringify(records) : records, rejects, skipped: batches.skipped, breaks: tokenizer.nextLine - 1 };
}

// The main thread terminates the worker when it is done: the descriptor goes with the thread.
parentPort!.on('message', (job: RangeJob) => parentPort!.postMessage(runJob(job)));
