import { constants, createReadStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConnectorError, parseDuration, type ConnectorDeps, type DataRecord, type ReadContext, type Source } from '@sluice/core';
import type { Dispatcher } from 'undici';
import { BatchCollector } from './batches.js';
import { CsvParseTokenizer } from './csv-parse-tokenizer.js';
import { createDecoder, decodeText } from './decode.js';
import { FastTokenizer } from './fast-tokenizer.js';
import { expandGlob } from './glob.js';
import { createHttpClient, displayUrl, httpRequest, type HttpClient } from './http.js';
import { RowHandler } from './rows.js';
import type { Tokenizer } from './tokenizer.js';
import type { CsvSourceConfig } from './types.js';

/** Bytes per read from a local file: large chunks keep the tokenizer in its fast loop. */
const FILE_CHUNK = 64 * 1024;

/** One CSV input: a file or a URL. */
interface Input {
  /** For locations and messages. */
  readonly name: string;
  open(signal: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
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
  private client: HttpClient | undefined;
  private ownClient: Dispatcher | undefined;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  /** Tests force the reference tokenizer through this. */
  useFastPath: boolean;

  constructor(
    private readonly config: CsvSourceConfig,
    private readonly deps: ConnectorDeps,
  ) {
    this.timeoutMs = parseDuration(config.timeout) ?? 30_000;
    this.useFastPath = fastPathCovers(config);
    this.headers = { ...config.headers };
    if (config.url !== undefined) {
      // Credentials in the URL become Basic auth: they never travel in the location.
      const url = new URL(config.url);
      const hasAuth = Object.keys(this.headers).some((name) => name.toLowerCase() === 'authorization');
      if ((url.username || url.password) && !hasAuth) {
        const user = decodeURIComponent(url.username);
        const password = decodeURIComponent(url.password);
        this.headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      }
    }
    try {
      createDecoder(config.encoding);
    } catch {
      throw new ConnectorError(`encoding "${config.encoding}" is not supported`, { where: `${deps.path}.encoding` });
    }
    if (deps.client !== undefined) {
      if (typeof (deps.client as { request?: unknown }).request !== 'function') {
        throw new ConnectorError('the injected client is not an undici Dispatcher (no request())', { where: deps.path });
      }
      this.client = deps.client as HttpClient;
    }
  }

  async *read(ctx: ReadContext): AsyncGenerator<DataRecord[]> {
    const batches = new BatchCollector(Math.max(1, ctx.batchSize));
    const inputs = await this.inputs();
    if (inputs.length === 0) ctx.logger.warn({ path: this.config.path }, `${this.deps.path}: no file matches "${this.config.path}"`);
    for (const input of inputs) {
      ctx.signal.throwIfAborted();
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
      });
      const tokenizer = this.tokenizer(handler, input.name);
      const chunks = await input.open(ctx.signal);
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

  async check(signal: AbortSignal): Promise<void> {
    if (this.config.url !== undefined) {
      const request = { client: this.httpClient(), url: this.config.url, headers: this.headers, timeoutMs: this.timeoutMs, signal, where: this.deps.path };
      try {
        const response = await httpRequest({ ...request, method: 'HEAD' });
        await response.body.dump();
      } catch (error) {
        // Some servers refuse HEAD: one byte of a GET proves the file is there.
        if (!(error instanceof ConnectorError) || signal.aborted) throw error;
        const response = await httpRequest({ ...request, method: 'GET', headers: { ...this.headers, range: 'bytes=0-0' } });
        await response.body.dump();
      }
      return;
    }
    const files = await this.inputs();
    if (files.length === 0) throw new ConnectorError(`path: no file matches "${this.config.path}"`, { where: this.deps.path });
    for (const file of files) await file.open(signal).then((stream) => (stream as { destroy?: () => void }).destroy?.());
  }

  async close(): Promise<void> {
    const own = this.ownClient;
    this.ownClient = undefined;
    if (own) {
      this.client = undefined;
      await own.close().catch(() => undefined);
    }
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

  private tokenizer(handler: RowHandler, name: string): Tokenizer {
    const config = this.config;
    const onOversize = (line: number): never => {
      throw new ConnectorError(
        `${name}:${line}: a record is longer than max_record_size (${config.max_record_size} characters); is a quote never closed?`,
        { where: this.deps.path },
      );
    };
    if (this.useFastPath) {
      return new FastTokenizer(handler, {
        delimiter: config.delimiter,
        skipEmptyLines: config.skip_empty_lines,
        maxRecordSize: config.max_record_size,
        onOversize,
      });
    }
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

  private httpClient(): HttpClient {
    if (!this.client) {
      this.ownClient = createHttpClient();
      this.client = this.ownClient;
    }
    return this.client;
  }

  private async inputs(): Promise<Input[]> {
    const { url, path: pattern } = this.config;
    if (url !== undefined) {
      return [
        {
          name: displayUrl(url),
          open: async (signal) => {
            const response = await httpRequest({
              client: this.httpClient(),
              url,
              method: 'GET',
              headers: this.headers,
              timeoutMs: this.timeoutMs,
              signal,
              where: this.deps.path,
            });
            return response.body;
          },
        },
      ];
    }
    const files = await expandGlob(pattern!, this.deps.baseDir);
    return files.map((file) => ({ name: this.displayPath(file), open: (signal) => this.openFile(file, signal) }));
  }

  private displayPath(file: string): string {
    const relative = path.relative(this.deps.baseDir, file);
    return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
  }

  private async openFile(file: string, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    const shown = this.displayPath(file);
    try {
      await access(file, constants.R_OK);
      if (!(await stat(file)).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    } catch (error) {
      const code = (error as { code?: string }).code;
      const reason =
        code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable (permission denied)' : code === 'EISDIR' ? 'is not a file' : `cannot be read (${code ?? (error as Error).message})`;
      throw new ConnectorError(`path: file "${shown}" ${reason}`, { where: this.deps.path, retryable: false, cause: error });
    }
    return createReadStream(file, { highWaterMark: FILE_CHUNK, signal });
  }
}

