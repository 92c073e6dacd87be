// A worker thread of the parallel CSV reader: tokenizes byte ranges of one
// file with the fast tokenizer, applies the push-down rules itself, and sends
// back only the candidate records of each range (see parallel.ts).
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { parentPort, workerData } from 'node:worker_threads';
import type { compilePushdown as CompilePushdown, compileRule as CompileRule, DataRecord } from '@sluice/core';
import { BatchCollector } from './batches.js';
import { FastTokenizer } from './fast-tokenizer.js';
import type { CsvRowError } from './row-errors.js';
import { RowHandler } from './rows.js';
import type { PackedRecords, RangeJob, RangeMessage, WorkerInit } from './parallel-protocol.js';

interface RuleCompiler {
  compilePushdown: typeof CompilePushdown;
  compileRule: typeof CompileRule;
}

/**
 * Core's rule compiler alone (`@sluice/core/compile`): the whole of
 * @sluice/core (zod, yaml, the config loader) costs a worker ~150 ms of
 * start-up it does not need.
 */
async function ruleCompiler(): Promise<RuleCompiler> {
  return import('@sluice/core/compile');
}

const init = workerData as WorkerInit;
const { compilePushdown, compileRule } = init.rules.length > 0 ? await ruleCompiler() : ({} as Partial<RuleCompiler>);
const pushdown = compilePushdown && compileRule ? compilePushdown(init.rules.map((rule) => compileRule(rule)), new Date(init.runStartedAt)) : undefined;
const CHUNK = init.readBytes;
const buffer = Buffer.allocUnsafe(CHUNK);

/** Thrown by the tokenizer's oversize hook: the range cannot be trusted, the main thread decides. */
class Oversize extends Error {}

/** Without declared types every value is a string and every record has these keys, in this order. */
const keys = [...new Set(init.columns)];
const packed = Object.keys(init.types).length === 0 && !keys.includes('__proto__') && keys.length === init.columns.length;

function runJob(job: RangeJob): { message: RangeMessage; transfer: ArrayBuffer[] } {
  const pack = { values: [] as string[], rows: 0 };
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
    ...(packed ? { pack } : {}),
    locate: String,
    fail: (message) => {
      throw new Error(message);
    },
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
  // Records are encoded chunk by chunk: their strings point into the chunk's
  // text, and letting them die young keeps whole chunks out of the old generation.
  const parts: string[] = [];
  let ends: number[] = [];
  let length = 0;
  const records: DataRecord[] = [];
  const encodeSoFar = (): void => {
    if (!packed) {
      const [found] = batches.take(true);
      if (found !== undefined) for (const record of found) records.push(record);
      return;
    }
    const values = pack.values;
    if (values.length === 0) return;
    for (let i = 0; i < values.length; i++) {
      length += values[i]!.length;
      ends.push(length);
    }
    parts.push(values.join(''));
    pack.values = [];
  };
  let clean: boolean;
  // Opened per range: a terminated worker leaves no descriptor behind (they belong to the process).
  const fd = openSync(init.file, 'r');
  try {
    // Bytes after the last line break wait for the next read (moved to the
    // buffer's start): the text handed over ends on a line, so the tokenizer
    // seldom keeps a partial record to glue in front of the next chunk.
    let carry = 0;
    for (let at = job.start; at < job.end; ) {
      const n = readSync(fd, buffer, carry, Math.min(CHUNK - carry, job.end - at), at);
      if (n === 0) break;
      at += n;
      const filled = carry + n;
      let cut = at >= job.end ? filled : buffer.lastIndexOf(10, filled - 1) + 1;
      // A line longer than the buffer: all of it (the decoder keeps a split character).
      if (cut <= 0) cut = filled;
      const text = decoder.write(buffer.subarray(0, cut));
      if (text.length > 0) tokenizer.write(text);
      encodeSoFar();
      carry = filled - cut;
      if (carry > 0) buffer.copy(buffer, 0, cut, filled);
    }
    // The file ended early (it shrank): what was read still counts.
    if (carry > 0) tokenizer.write(decoder.write(buffer.subarray(0, carry)));
    const rest = decoder.end();
    if (rest.length > 0) tokenizer.write(rest);
    if (job.last) tokenizer.end();
    encodeSoFar();
    // A range that does not end on a record boundary started or ended inside a quoted field.
    clean = job.last || tokenizer.pending === 0;
  } catch (error) {
    if (!(error instanceof Oversize)) throw error;
    clean = false;
  } finally {
    closeSync(fd);
  }
  const result = { id: job.id, clean, rejects, skipped: batches.skipped, breaks: tokenizer.nextLine - 1 };
  if (!packed) return { message: { ...result, records }, transfer: [] };
  const packedRecords: PackedRecords = { keys, count: pack.rows, text: parts.join(''), ends: Int32Array.from(ends) };
  ends = [];
  return { message: { ...result, records: packedRecords }, transfer: [packedRecords.ends.buffer as ArrayBuffer] };
}

// The main thread terminates the worker when it is done: the descriptor goes with the thread.
parentPort!.on('message', (job: RangeJob) => {
  const { message, transfer } = runJob(job);
  parentPort!.postMessage(message, transfer);
});
