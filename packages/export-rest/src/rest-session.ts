import { ConnectorError, isSuccessStatus, type DataRecord, type ExportRun, type ExportSession, type RejectedRecord, type WriteResult } from '@sluice/core';
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
  readonly where: string;
  readonly redact: (text: string) => string;
  readonly client: () => HttpClient;
}

interface Chunk {
  readonly records: readonly DataRecord[];
  readonly body: string;
  readonly key: string;
}

type Outcome = { kind: 'sent' } | { kind: 'skipped' } | { kind: 'rejected'; error: Error } | { kind: 'failed'; error: unknown };

/**
 * One run × rule × datasource × target. Each write sends its records at once
 * (split into `batch_size` requests, at most `concurrency` in flight) and
 * resolves only when every request was acknowledged, so `batch` delivery holds.
 */
export class RestSession implements ExportSession {
  readonly #ctx: SessionContext;
  readonly #run: ExportRun;
  readonly #build: BodyBuilder;
  readonly #limit: <T>(task: () => Promise<T>) => Promise<T>;
  /** Writes completed; positions of a write's requests derive from it, so a retry reuses them. */
  #writes = 0;
  /** Keys acknowledged by the last failed write: its retry skips them instead of re-sending. */
  #ackedBeforeFailure = new Set<string>();

  constructor(ctx: SessionContext, run: ExportRun) {
    this.#ctx = ctx;
    this.#run = run;
    this.#build = createBodyBuilder(ctx.options.envelope, ctx.options.batch_size, run);
    this.#limit = createLimiter(ctx.options.concurrency);
  }

  async write(batch: readonly DataRecord[], signal: AbortSignal): Promise<WriteResult> {
    const rejected: RejectedRecord[] = [];
    const chunks = this.#chunk(batch, rejected);
    const acked = new Set<string>();
    let stop = false;
    const outcomes = await Promise.all(
      chunks.map((chunk) =>
        this.#limit(async (): Promise<Outcome> => {
          if (this.#ackedBeforeFailure.has(chunk.key)) {
            acked.add(chunk.key);
            return { kind: 'skipped' };
          }
          // After a retryable failure the whole write is retried: sending more now only adds duplicates.
          if (stop || signal.aborted) return { kind: 'skipped' };
          const outcome = await this.#send(chunk, signal);
          if (outcome.kind === 'sent') acked.add(chunk.key);
          if (outcome.kind === 'failed') stop = true;
          return outcome;
        }),
      ),
    );
    const failures = outcomes.flatMap((o) => (o.kind === 'failed' ? [o.error] : []));
    if (failures.length > 0 || signal.aborted) {
      this.#ackedBeforeFailure = new Set([...this.#ackedBeforeFailure, ...acked]);
      if (signal.aborted) throw signal.reason ?? new Error('aborted');
      throw mostPatient(failures);
    }
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.kind === 'rejected') for (const record of chunks[i]!.records) rejected.push({ record, error: outcome.error });
    }
    this.#writes++;
    this.#ackedBeforeFailure = new Set();
    if (rejected.length > 0) {
      this.#run.logger.warn(
        { target: this.#run.target, rule: this.#run.rule, rejected: rejected.length },
        `${this.#ctx.where}: ${rejected.length} record(s) refused by the receiver; they go to the dead-letter store`,
      );
    }
    return rejected.length > 0 ? { rejected } : {};
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
      const key = idempotencyKey(this.#run, `${this.#writes}:${chunks.length}`, body);
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

  async #send(chunk: Chunk, signal: AbortSignal): Promise<Outcome> {
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
    try {
      const response = await send(call);
      if (isSuccessStatus(response.statusCode)) {
        await response.body.dump();
        return { kind: 'sent' };
      }
      const error = await statusError(response, call);
      // A refusal of this request's content (4xx but 408/429): dead-letter its records, carry on with the rest.
      return error.retryable ? { kind: 'failed', error } : { kind: 'rejected', error };
    } catch (error) {
      return { kind: 'failed', error };
    }
  }

  async end(): Promise<WriteResult> {
    // Every write is sent and acknowledged before it resolves: nothing is buffered.
    return {};
  }
}

/** The failure to rethrow: a retryable one with the longest Retry-After, else the first. */
function mostPatient(failures: readonly unknown[]): unknown {
  if (failures.length === 0) return new ConnectorError('write interrupted', { retryable: true });
  let best = failures[0];
  let bestWait = -1;
  for (const failure of failures) {
    const wait = (failure as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof wait === 'number' && wait > bestWait) {
      best = failure;
      bestWait = wait;
    }
  }
  return best;
}
