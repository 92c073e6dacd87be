import { ConnectorError, describeError, isSuccessStatus, withRetry, type DataRecord, type ExportRun, type ExportSession, type RejectedRecord, type RetrySettings, type WriteResult } from '@sluice/core';
import { send, statusError, type HttpCall, type HttpClient } from '@sluice/http-common';
import { createBodyBuilder, serializeRecord, type BodyBuilder } from './envelope.js';
import { idempotencyKey } from './idempotency.js';
import { createLimiter } from './limit.js';
import type { RestExporterOptions } from './types.js';

/** What the session needs from its exporter. */
export interface SessionContext {
  readonly options: RestExporterOptions;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly timeoutMs: number;
  readonly retry: RetrySettings;
  readonly where: string;
  readonly redact: (text: string) => string;
  readonly client: () => HttpClient;
}

interface Chunk {
  readonly records: readonly DataRecord[];
  readonly body: string;
  readonly key: string;
}

/**
 * One run × rule × datasource × target. Each write sends its records at once
 * (split into `batch_size` requests, at most `concurrency` in flight). Each
 * request is retried on its own (`settings.retry`, honouring Retry-After) and
 * timed out on its own (`timeout`), so a request that keeps failing
 * dead-letters its own records only, and one that was acknowledged is never
 * sent again; the write resolves once every request is acknowledged or
 * given up on, with the records of the given-up ones as `rejected`.
 */
export class RestSession implements ExportSession {
  readonly #ctx: SessionContext;
  readonly #run: ExportRun;
  readonly #build: BodyBuilder;
  readonly #limit: <T>(task: () => Promise<T>) => Promise<T>;
  /**
   * Requests built so far in this session: each request's idempotency key
   * includes its number, so two requests with the same body (repeated
   * readings without an id) never share a key, while a retry, which sends
   * the same request again, keeps it.
   */
  #requests = 0;

  constructor(ctx: SessionContext, run: ExportRun) {
    this.#ctx = ctx;
    this.#run = run;
    this.#build = createBodyBuilder(ctx.options.envelope, ctx.options.batch_size, run);
    this.#limit = createLimiter(ctx.options.concurrency);
  }

  async write(batch: readonly DataRecord[], signal: AbortSignal): Promise<WriteResult> {
    const rejected: RejectedRecord[] = [];
    const chunks = this.#chunk(batch, rejected);
    const failures = await Promise.all(
      chunks.map((chunk) =>
        this.#limit(async (): Promise<Error | undefined> => {
          try {
            await this.#deliver(chunk, signal);
            return undefined;
          } catch (error) {
            return error instanceof Error ? error : new Error(String(error));
          }
        }),
      ),
    );
    let refused = 0;
    for (const [i, error] of failures.entries()) {
      if (error === undefined) continue;
      refused++;
      for (const record of chunks[i]!.records) rejected.push({ record, error });
    }
    if (rejected.length > 0) {
      this.#run.logger.warn(
        { rejected: rejected.length, requests: refused },
        `${this.#ctx.where}: ${rejected.length} record(s) not delivered (refused, or still failing after the retries); they go to the dead-letter store`,
      );
    }
    return rejected.length > 0 ? { rejected } : {};
  }

  /** Sends one request until it is acknowledged, refused, out of retries, or the run is forced to stop. */
  #deliver(chunk: Chunk, signal: AbortSignal): Promise<void> {
    return withRetry(() => this.#send(chunk, signal), this.#ctx.retry, {
      signal,
      onRetry: (error, retry, delay) =>
        this.#run.logger.warn(
          { err: describeError(error), retry, delay_ms: Math.round(delay), records: chunk.records.length },
          `${this.#ctx.where}: request failed, retrying`,
        ),
    });
  }

  /** Splits a batch into request bodies; records that cannot be serialised are rejected alone. */
  #chunk(batch: readonly DataRecord[], rejected: RejectedRecord[]): Chunk[] {
    const size = this.#ctx.options.batch_size;
    const chunks: Chunk[] = [];
    let records: DataRecord[] = [];
    let texts: string[] = [];
    const flush = (): void => {
      if (records.length === 0) return;
      const body = this.#build(texts);
      const key = idempotencyKey(this.#run, String(this.#requests++), body);
      chunks.push({ records, body, key });
      records = [];
      texts = [];
    };
    for (const record of batch) {
      let text: string | undefined;
      try {
        text = serializeRecord(record);
      } catch (error) {
        rejected.push({ record, error: new ConnectorError(`record is not serialisable as JSON: ${(error as Error).message}`, { where: this.#ctx.where }) });
        continue;
      }
      records.push(record);
      texts.push(text ?? 'null');
      if (records.length >= size) flush();
    }
    flush();
    return chunks;
  }

  /** One attempt: resolves on 2xx, throws the status error (retryable or not) or the network error. */
  async #send(chunk: Chunk, signal: AbortSignal): Promise<void> {
    const { options } = this.#ctx;
    const headers = options.idempotency_header
      ? { ...this.#ctx.headers, [options.idempotency_header.toLowerCase()]: chunk.key }
      : this.#ctx.headers;
    const call: HttpCall = {
      client: this.#ctx.client(),
      url: this.#ctx.url,
      method: options.method,
      headers,
      body: chunk.body,
      signal,
      timeoutMs: this.#ctx.timeoutMs,
      where: this.#ctx.where,
      redact: this.#ctx.redact,
    };
    const response = await send(call);
    if (isSuccessStatus(response.statusCode)) {
      await response.body.dump();
      return;
    }
    // A refusal of this request's content (4xx but 408/429) is not retryable: its records are dead-lettered, the rest carry on.
    throw await statusError(response, call);
  }

  async end(): Promise<WriteResult> {
    // Every write is sent and acknowledged before it resolves: nothing is buffered.
    return {};
  }
}
