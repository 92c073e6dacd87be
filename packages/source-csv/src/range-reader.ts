// Reads one byte range of a CSV file with the push-down rules applied: the
// work of a parallel reader's worker thread (parallel-worker.ts), also done
// in the main thread while the workers start (parallel.ts).
//
// Records whose values are all strings (no declared types) are read on
// bytes: a scanner splits plain lines into field spans, a filter compiled
// from the rules drops most rows without decoding them, and candidates are
// copied as bytes, to be transferred. Lines the scanner does not vouch for go
// through the fast tokenizer as text, exactly as in one thread.
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { compilePushdown as CompilePushdown, compileRule as CompileRule, DataRecord } from '@sluice/core';
import { BatchCollector } from './batches.js';
import { compileByteFilter, MAYBE, NO, YES, type ByteFilterEngine, type ByteTest } from './byte-filter.js';
import { ByteLineScanner, ODD_LINE, PLAIN } from './byte-lines.js';
import { FastTokenizer } from './fast-tokenizer.js';
import { BytePacker } from './packer.js';
import type { RangeJob, RangeMessage, WorkerInit } from './parallel-protocol.js';
import type { CsvRowError } from './row-errors.js';
import { RowHandler } from './rows.js';

/** Core's rule compiler: `@sluice/core/compile` in a worker, `@sluice/core` in the main thread. */
export interface RuleCompiler extends ByteFilterEngine {
  compilePushdown: typeof CompilePushdown;
  compileRule: typeof CompileRule;
}

/** A range's result and the buffers to transfer with it. */
export interface RangeOutput {
  readonly message: RangeMessage;
  readonly transfer: ArrayBuffer[];
}

/** Thrown by the tokenizer's oversize hook: the range cannot be trusted, the main thread decides. */
class Oversize extends Error {}

/** A reader of ranges for `init`; `compiler` is needed when there are rules. */
export function createRangeReader(init: WorkerInit, compiler: RuleCompiler | undefined): (job: RangeJob) => RangeOutput {
  const pushdown = compiler ? compiler.compilePushdown(init.rules.map((rule) => compiler.compileRule(rule)), new Date(init.runStartedAt)) : undefined;
  const CHUNK = init.readBytes;
  const buffer = Buffer.allocUnsafe(CHUNK);

  /**
   * Every record has these keys, in this order: records travel packed as
   * their fields' text (typed columns are converted where they are built),
   * far cheaper to send and to hold than objects in a structured clone.
   */
  const keys = [...new Set(init.columns)];
  const packed = !keys.includes('__proto__') && keys.length === init.columns.length;
  const typed = Object.keys(init.types).length > 0;

  /** Lines are read on bytes for packed records without declared types (none to check on a skipped row) and a one-byte delimiter. */
  const delimiterBytes = Buffer.from(init.delimiter, 'utf8');
  const onBytes = packed && !typed && delimiterBytes.length === 1 && delimiterBytes[0]! < 0x80;
  /** Undefined: every plain line is a candidate (no rules, or none decidable on bytes). */
  const byteFilter: ByteTest | undefined =
    onBytes && pushdown && compiler ? compileByteFilter(pushdown.condition, init.columns, compiler) : undefined;

  /** The columns the push-down reads, for lines the byte filter leaves undecided. */
  const refs = pushdown ? pushdown.fields.flatMap((name) => (init.columns.includes(name) ? [{ name, index: init.columns.lastIndexOf(name) }] : [])) : [];
  const scratch: DataRecord = Object.fromEntries(refs.map(({ name }) => [name, undefined]));

  return function runJob(job: RangeJob): RangeOutput {
    const pack = { values: [] as string[] };
    const packer = packed ? new BytePacker(keys, Math.min(job.end - job.start, 256 * 1024), typed ? init.types : undefined) : undefined;
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
    const records: DataRecord[] = [];
    /** What the tokenizer produced so far, into the packer (or the record list). */
    const collect = (): void => {
      if (packer === undefined) {
        const [found] = batches.take(true);
        if (found !== undefined) for (const record of found) records.push(record);
        return;
      }
      if (pack.values.length === 0) return;
      packer.values(pack.values);
      pack.values = [];
    };

    // Where the bytes go: the scanner while lines are plain, the tokenizer
    // (as text) from a line the scanner leaves to it until it is between
    // records again.
    const scanner = onBytes ? new ByteLineScanner(delimiterBytes[0]!, init.recordDelimiter === '\r\n', init.columns.length) : undefined;
    let textMode = false;
    /** Line number of the next unread byte while not in text mode. */
    let line = 1;
    /** `buffer[from, to)` to the tokenizer as text; it keeps it until between records. */
    const feed = (from: number, to: number): void => {
      if (!textMode) tokenizer.skipTo(line);
      textMode = true;
      const text = decoder.write(buffer.subarray(from, to));
      if (text.length > 0) tokenizer.write(text);
    };
    /** One whole line (it ends with a line feed) to the tokenizer. */
    const feedLine = (from: number, to: number): void => {
      tokenizer.skipTo(line);
      tokenizer.write(buffer.toString('utf8', from, to));
      line = tokenizer.nextLine;
      collect();
    };
    /** The exact push-down on a plain line the byte filter left undecided: its referenced fields as text. */
    const exact = (scan: ByteLineScanner): boolean => {
      for (let k = 0; k < refs.length; k++) {
        const i = refs[k]!.index;
        const value = buffer.toString('utf8', scan.starts[i]!, scan.ends[i]!);
        scratch[refs[k]!.name] = scan.escaped[i] === 1 ? value.replaceAll('""', '"') : value;
      }
      return pushdown!.candidate(scratch);
    };
    /** Scans `buffer[from, to)` line by line; returns where the tokenizer must take over, or `to`. */
    const scanBytes = (scan: ByteLineScanner, pack: BytePacker, from: number, to: number): number => {
      const test = byteFilter;
      const filtered = pushdown !== undefined;
      let pos = from;
      while (pos < to) {
        const kind = scan.scan(buffer, pos, to);
        if (kind === PLAIN) {
          const verdict = test === undefined ? (filtered ? MAYBE : YES) : test(buffer, scan.starts, scan.ends, scan.escaped);
          if (verdict === YES || (verdict !== NO && exact(scan))) pack.line(buffer, pos, scan);
          else batches.skipped++;
          line++;
        } else if (kind === ODD_LINE) {
          feedLine(pos, scan.lineFeed + 1);
        } else return pos;
        pos = scan.lineFeed + 1;
      }
      return pos;
    };

    let clean: boolean;
    // Opened per range: a terminated worker leaves no descriptor behind (they belong to the process).
    const fd = openSync(init.file, 'r');
    try {
      // Bytes after the last line break wait for the next read (moved to the
      // buffer's start): what is handed over ends on a line.
      let carry = 0;
      for (let at = job.start; at < job.end; ) {
        const n = readSync(fd, buffer, carry, Math.min(CHUNK - carry, job.end - at), at);
        if (n === 0) break;
        at += n;
        const filled = carry + n;
        let cut = at >= job.end ? filled : buffer.lastIndexOf(10, filled - 1) + 1;
        // A line longer than the buffer: all of it (the decoder keeps a split character).
        if (cut <= 0) cut = filled;
        const from = scanner !== undefined && packer !== undefined && !textMode ? scanBytes(scanner, packer, 0, cut) : 0;
        if (from < cut) feed(from, cut);
        // Between records again (every record delimiter ends with a line feed): back to bytes.
        if (textMode && tokenizer.pending === 0) {
          textMode = false;
          line = tokenizer.nextLine;
        }
        collect();
        carry = filled - cut;
        if (carry > 0) buffer.copy(buffer, 0, cut, filled);
      }
      // The file ended early (it shrank): what was read still counts.
      if (carry > 0) feed(0, carry);
      // Bytes the decoder still holds came through feed(): the tokenizer is in text mode.
      const rest = decoder.end();
      if (rest.length > 0) tokenizer.write(rest);
      // Out of text mode nothing is pending: there is no record to end.
      if (job.last && textMode) tokenizer.end();
      collect();
      // A range that does not end on a record boundary started or ended inside a quoted field.
      clean = job.last || tokenizer.pending === 0;
    } catch (error) {
      if (!(error instanceof Oversize)) throw error;
      clean = false;
    } finally {
      closeSync(fd);
    }
    const result = { id: job.id, clean, rejects, skipped: batches.skipped, breaks: (textMode ? tokenizer.nextLine : line) - 1 };
    if (packer === undefined) return { message: { ...result, records }, transfer: [] };
    const packedRecords = packer.take();
    return { message: { ...result, records: packedRecords }, transfer: [packedRecords.bytes.buffer as ArrayBuffer, packedRecords.spans.buffer as ArrayBuffer] };
  };
}
