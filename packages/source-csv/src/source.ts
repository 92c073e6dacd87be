import { constants, createReadStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConnectorError, isRetryable, parseDuration, parseIsoTime, redactUrl, type ConnectorDeps, type DataRecord, type PushdownRules, type ReadContext, type Source } from '@sluice/core';
import { BatchCollector } from './batches.js';
import { useTimeParser } from './convert.js';
import { createDecoder, decodeText } from './decode.js';
import { FastTokenizer } from './fast-tokenizer.js';
import { expandGlob } from './glob.js';
import type { HttpInput } from './http-input.js';
import { oneThreadReason, planParallel, readParallel } from './parallel.js';
import { RowHandler } from './rows.js';
import type { Tokenizer } from './tokenizer.js';
import type { CsvSourceConfig } from './types.js';

// Typed timestamps convert exactly as the rule engine reads time text.
useTimeParser(parseIsoTime);

/** A local file read through gunzip. */
const GZIP_FILE = /\.gz$/i;

/** Bytes per read from a local file: large chunks keep the tokenizer in its fast loop. */
const FILE_CHUNK = 1024 * 1024;

/** One CSV input: a file or a URL. */
interface Input {
  /** For locations and messages. */
  readonly name: string;
  /** The local file, when it is one (big ones are read by worker threads). */
  readonly file?: string;
  /** `line` tells the line being read, for an error found in the bytes (a corrupt `.gz`). */
  open(signal: AbortSignal, line?: () => number): Promise<AsyncIterable<Uint8Array>>;
}

/** Whether the fast tokenizer covers the configured dialect. */
export function fastPathCovers(config: CsvSourceConfig): boolean {
  return (
    config.quote === '"' &&
    config.escape === '"' &&
    config.comment === undefined &&
    !config.trim &&
    !['"', '\r', '\n'].includes(config.delimiter)
  );
}

/** Reads CSV files (a path or glob) or one http(s) URL. */
export class CsvSource implements Source {
  private readonly timeoutMs: number;
  /** The http(s) side, loaded on first use of a `url`. */
  private http: Promise<HttpInput> | undefined;
  /** Tests force the reference tokenizer through this. */
  useFastPath: boolean;

  constructor(
    private readonly config: CsvSourceConfig,
    private readonly deps: ConnectorDeps,
  ) {
    this.timeoutMs = parseDuration(config.timeout) ?? 30_000;
    this.useFastPath = fastPathCovers(config);
    try {
      createDecoder(config.encoding);
    } catch {
      throw new ConnectorError(`encoding "${config.encoding}" is not supported`, { where: `${deps.path}.encoding` });
    }
    const client = deps.client as { request?: unknown } | null | undefined;
    if (client !== undefined && (typeof client !== 'object' || client === null || typeof client.request !== 'function')) {
      throw new ConnectorError('the injected client is not an undici Dispatcher (no request())', { where: deps.path });
    }
  }

  private httpInput(url: string): Promise<HttpInput> {
    this.http ??= import('./http-input.js').then(({ HttpInput }) => new HttpInput(url, this.config, this.deps, this.timeoutMs));
    return this.http;
  }

  async *read(ctx: ReadContext): AsyncGenerator<DataRecord[]> {
    const batches = new BatchCollector(Math.max(1, ctx.batchSize));
    let yielded = false;
    try {
      for await (const batch of this.readInputs(ctx, batches)) {
        yielded = true;
        yield batch;
      }
    } catch (error) {
      // Records read before a failure are delivered before it is reported
      // (every record read is exported, dead-lettered or not matched). Not
      // when nothing went out yet and the error is retryable: the runner then
      // reads the input again from its start, and would get them twice.
      if (!ctx.signal.aborted && (yielded || !isRetryable(error))) {
        for (const batch of batches.take(true)) yield this.flush(batch, batches, ctx);
        if (batches.skipped > 0) this.flush([], batches, ctx);
      }
      throw error;
    }
  }

  private async *readInputs(ctx: ReadContext, batches: BatchCollector): AsyncGenerator<DataRecord[]> {
    const inputs = await this.inputs();
    // A drop folder is often empty (a run on an interval finds nothing new): say so, read nothing. `check` fails instead, as a wrong path would.
    if (inputs.length === 0) ctx.logger.warn({ path: this.config.path }, `${this.deps.path}: path: no file matches "${this.config.path}"; nothing to read`);
    for (const input of inputs) {
      ctx.signal.throwIfAborted();
      const plan = this.useFastPath && input.file !== undefined ? await this.planParallel(input.file) : undefined;
      if (plan) {
        const onOversize = (line: number) => this.oversize(input.name, line);
        for await (const batch of readParallel({ plan, config: this.config, ctx, name: input.name, where: this.deps.path, onOversize, batches })) {
          yield this.flush(batch, batches, ctx);
        }
        continue;
      }
      const handler = new RowHandler({
        file: input.name,
        where: this.deps.path,
        header: this.config.header,
        columns: this.config.columns,
        types: this.config.types,
        sourceField: this.config.source_field,
        pushdown: ctx.rules,
        batches,
        reject: (raw, error, location) => ctx.reject(raw, error, location),
        fail: (message) => {
          throw new ConnectorError(message, { where: this.deps.path });
        },
      });
      const tokenizer = await this.tokenizer(handler, input.name);
      const chunks = await input.open(ctx.signal, () => tokenizer.nextLine);
      for await (const text of decodeText(chunks, this.config.encoding)) {
        tokenizer.write(text);
        for (const batch of batches.take(false)) yield this.flush(batch, batches, ctx);
        ctx.signal.throwIfAborted();
      }
      tokenizer.end();
      for (const batch of batches.take(false)) yield this.flush(batch, batches, ctx);
    }
    for (const batch of batches.take(true)) yield this.flush(batch, batches, ctx);
    if (batches.skipped > 0) this.flush([], batches, ctx);
  }

  /** What `--explain` prints: how the rules are applied while reading. */
  async explain(rules: PushdownRules | undefined): Promise<string> {
    const where = this.config.url !== undefined ? redactUrl(this.config.url) : this.config.path;
    if (rules === undefined) return `csv ${where}: no rule reads this datasource`;
    const fields = rules.fields.length > 0 ? rules.fields.join(', ') : '(none)';
    const lines = [
      `csv ${where}: push-down in the reader; every row is read, and a row no rule can match is skipped before it becomes a record (counted as read and not matched)`,
      `  fields the rules read: ${fields}`,
    ];
    if (this.config.url === undefined) {
      // The conditions of planParallel (parallel.ts), which decides for each file.
      const oneThread = !this.useFastPath
        ? 'the quote, escape, comment or trim options need csv-parse'
        : GZIP_FILE.test(this.config.path!)
          ? 'a .gz file has no byte ranges'
          : oneThreadReason(this.config);
      if (oneThread !== undefined) lines.push(`  read in one thread: ${oneThread}`);
      else {
        const onBytes = Object.keys(this.config.types).length === 0 ? ', which test plain rows on their bytes before decoding them' : '';
        lines.push(`  large local files (not .gz) are read by worker threads (parallelism: ${this.config.parallelism})${onBytes}`);
      }
    }
    return lines.join('\n');
  }

  async check(signal: AbortSignal): Promise<void> {
    if (this.config.url !== undefined) return (await this.httpInput(this.config.url)).check(signal);
    const files = await this.inputs();
    if (files.length === 0) throw new ConnectorError(`path: no file matches "${this.config.path}"`, { where: this.deps.path });
    for (const file of files) await file.open(signal).then((stream) => (stream as { destroy?: () => void }).destroy?.());
  }

  async close(): Promise<void> {
    const http = this.http;
    this.http = undefined;
    if (http) await (await http.catch(() => undefined))?.close();
  }

  private flush(batch: DataRecord[], batches: BatchCollector, ctx: ReadContext): DataRecord[] {
    // A chunk may complete many batches: none of them goes out after an abort.
    ctx.signal.throwIfAborted();
    if (batches.skipped > 0) {
      ctx.skipped(batches.skipped);
      batches.skipped = 0;
    }
    return batch;
  }

  private oversize(name: string, line: number): never {
    throw new ConnectorError(
      `${name}:${line}: a record is longer than max_record_size (${this.config.max_record_size} characters); is a quote never closed?`,
      { where: this.deps.path },
    );
  }

  /** A parallel read of a big local file, or undefined to read it here (small, odd first line, or unreadable: the normal path reports it). */
  private async planParallel(file: string): Promise<Awaited<ReturnType<typeof planParallel>>> {
    try {
      return await planParallel(file, this.config);
    } catch {
      return undefined;
    }
  }

  /** The fast tokenizer, or csv-parse (loaded only then) for dialects the fast one does not cover. */
  private async tokenizer(handler: RowHandler, name: string): Promise<Tokenizer> {
    const config = this.config;
    const onOversize = (line: number): never => this.oversize(name, line);
    if (this.useFastPath) {
      return new FastTokenizer(handler, {
        delimiter: config.delimiter,
        skipEmptyLines: config.skip_empty_lines,
        maxRecordSize: config.max_record_size,
        onOversize,
      });
    }
    const { CsvParseTokenizer } = await import('./csv-parse-tokenizer.js');
    return new CsvParseTokenizer(handler, {
      delimiter: config.delimiter,
      quote: config.quote,
      escape: config.escape,
      comment: config.comment,
      trim: config.trim,
      skipEmptyLines: config.skip_empty_lines,
      maxRecordSize: config.max_record_size,
      onOversize,
    });
  }

  private async inputs(): Promise<Input[]> {
    const { url, path: pattern } = this.config;
    if (url !== undefined) {
      return [
        {
          name: redactUrl(url),
          open: async (signal) => (await this.httpInput(url)).open(signal),
        },
      ];
    }
    const files = await expandGlob(pattern!, this.deps.baseDir);
    return files.map((file) =>
      // A compressed file has no byte ranges to hand to worker threads: it is read in one thread.
      GZIP_FILE.test(file)
        ? { name: this.displayPath(file), open: (signal, line) => this.openGzipFile(file, signal, line) }
        : { name: this.displayPath(file), file, open: (signal) => this.openFile(file, signal) },
    );
  }

  private displayPath(file: string): string {
    const relative = path.relative(this.deps.baseDir, file);
    if (relative === '') return '.';
    return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
  }

  private async openFile(file: string, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    await this.checkFile(file);
    return createReadStream(file, { highWaterMark: FILE_CHUNK, signal });
  }

  /** A `.gz` file, decompressed as it is read; nothing is opened before the first read, so `check` leaves no file open. */
  private async openGzipFile(file: string, signal: AbortSignal, line?: () => number): Promise<AsyncIterable<Uint8Array>> {
    await this.checkFile(file);
    const { decodeContent, CorruptDataError } = await import('./content-encoding.js');
    const shown = this.displayPath(file);
    const where = this.deps.path;
    return (async function* () {
      try {
        yield* decodeContent(createReadStream(file, { highWaterMark: FILE_CHUNK, signal }), ['gzip']);
      } catch (error) {
        if (!(error instanceof CorruptDataError)) throw error;
        const at = line === undefined ? '' : ` at line ${line()}`;
        throw new ConnectorError(`path: file "${shown}" does not decode as gzip${at} (${error.message}); is it corrupt or cut short?`, { where, retryable: false });
      }
    })();
  }

  /** Throws the error that names the datasource and the file when it cannot be read. */
  private async checkFile(file: string): Promise<void> {
    try {
      await access(file, constants.R_OK);
      if (!(await stat(file)).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    } catch (error) {
      const code = (error as { code?: string }).code;
      const reason =
        code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable (permission denied)' : code === 'EISDIR' ? 'is not a file' : `cannot be read (${code ?? (error as Error).message})`;
      throw new ConnectorError(`path: file "${this.displayPath(file)}" ${reason}`, { where: this.deps.path, retryable: false, cause: error });
    }
  }
}
