import {
  ConnectorError,
  describeError,
  isRetryable,
  redactUrl,
  withRetry,
  type ConnectorDeps,
  type DataRecord,
  type ReadContext,
  type Source,
} from '@sluice/core';
import { LazyHttpClient, createHttpRedactor, readText, requestHeaders, sendOk, type HttpCall } from '@sluice/http-common';
import { nonFinitePath, parseJson } from './json.js';
import { createPaginator, type PageResult } from './pagination.js';
import { isRecord, getPath, recordsOf } from './records.js';
import type { RestSourceOptions } from './types.js';

/** One fetched page: what the paginator needs, and its items. */
interface Page {
  readonly result: Omit<PageResult, 'count'>;
  readonly items: unknown[];
  /** An empty body (a `204 No Content`): no records, and the last page whatever the pagination style. */
  readonly empty: boolean;
  /** Whether some number in the body is beyond a double's range (±Infinity): the items holding one are refused. */
  readonly overflow: boolean;
}

/**
 * Why a record cannot be read as sent, when the body held a number beyond a
 * double's range: that field would be ±Infinity, which no target can store
 * (JSON writes it as null).
 */
function overflowProblem(record: DataRecord, index: number): string | undefined {
  const path = nonFinitePath(record);
  return path === undefined ? undefined : `item ${index}: field "${path}" holds a number beyond the range of a double (±1.8e308)`;
}

/** Reads records from a (paginated) JSON REST API; each page becomes one or more batches. */
export class RestSource implements Source {
  readonly #options: RestSourceOptions;
  readonly #deps: ConnectorDeps;
  readonly #headers: Record<string, string>;
  readonly #body: string | undefined;
  readonly #timeoutMs: number;
  readonly #redact: (text: string) => string;
  readonly #http: LazyHttpClient;

  constructor(options: RestSourceOptions, deps: ConnectorDeps) {
    this.#options = options;
    this.#deps = deps;
    this.#http = new LazyHttpClient(deps, { connections: options.max_connections });
    this.#body = options.body === undefined ? undefined : JSON.stringify(options.body);
    this.#headers = {
      accept: 'application/json',
      ...(this.#body === undefined ? {} : { 'content-type': 'application/json' }),
      ...requestHeaders(options),
    };
    this.#timeoutMs = options.timeout;
    this.#redact = createHttpRedactor({ ...options, headers: this.#headers });
  }

  #baseUrl(): URL {
    const url = new URL(this.#options.url);
    for (const [name, value] of Object.entries(this.#options.query)) url.searchParams.set(name, String(value));
    return url;
  }

  #call(url: URL, signal: AbortSignal): HttpCall {
    return {
      client: this.#http.get(),
      url,
      method: this.#options.method,
      headers: this.#headers,
      ...(this.#body === undefined ? {} : { body: this.#body }),
      signal,
      timeoutMs: this.#timeoutMs,
      where: this.#deps.path,
      redact: this.#redact,
    };
  }

  /** Fetches and parses one page; any non-2xx or non-JSON answer throws a classified error. */
  async #fetchPage(url: URL, signal: AbortSignal): Promise<Page> {
    const call = this.#call(url, signal);
    const response = await sendOk(call);
    const text = await readText(response, call);
    const where = `${call.method} ${redactUrl(url)} (status ${response.statusCode})`;
    // Checked before records_path: an empty body has no path to look up, with or without one.
    if (text.trim() === '') return { result: { url, body: null, headers: response.headers }, items: [], empty: true, overflow: false };
    let body: unknown;
    let overflow: boolean;
    try {
      ({ value: body, overflow } = parseJson(text));
    } catch {
      const type = String(response.headers['content-type'] ?? 'no content-type');
      const start = this.#redact(text.slice(0, 80).replace(/\s+/g, ' '));
      throw new ConnectorError(`${where}: response is not JSON (${type}): ${start}`, { where: this.#deps.path });
    }
    const path = this.#options.records_path;
    const value = path === undefined ? body : getPath(body, path);
    if (value === undefined) {
      throw new ConnectorError(`${where}: records_path "${path}" not found in the response`, { where: this.#deps.path });
    }
    const items = recordsOf(value);
    if (items === undefined) {
      const what = path === undefined ? 'the response body' : `records_path "${path}"`;
      throw new ConnectorError(`${where}: ${what} holds a ${typeof value}, not an array or object`, {
        where: this.#deps.path,
      });
    }
    return { result: { url, body, headers: response.headers }, items, empty: false, overflow };
  }

  /**
   * The runner retries a read that fails before yielding anything. A later
   * page cannot be retried that way without re-yielding earlier pages, so
   * this retries it in place, with core's policy (`settings.retry`).
   */
  async #fetchPageAfter(pages: number, url: URL, ctx: ReadContext): Promise<Page> {
    if (pages === 0) return this.#fetchPage(url, ctx.signal);
    let attempts = 0;
    try {
      return await withRetry(
        (attempt) => {
          attempts = attempt;
          return this.#fetchPage(url, ctx.signal);
        },
        this.#deps.settings.retry,
        {
          signal: ctx.signal,
          onRetry: (error, retry, delayMs) =>
            ctx.logger.warn(
              { datasource: this.#deps.name, retry, delay_ms: Math.round(delayMs), err: describeError(error) },
              `${this.#deps.path}: page ${pages + 1} failed, retrying`,
            ),
        },
      );
    } catch (error) {
      // When the earlier pages yielded no batch (no records, or only rejected
      // items), the runner would take a retryable error for a failed start and
      // read everything again: this page's retries over again, and the earlier
      // pages' rejected items dead-lettered twice. This page had its retries.
      if (ctx.signal.aborted || !isRetryable(error)) throw error;
      throw new ConnectorError(`${describeError(error)} (page ${pages + 1}, gave up after ${attempts} attempts)`, { cause: error });
    }
  }

  async *read(ctx: ReadContext): AsyncIterable<DataRecord[]> {
    const paginator = createPaginator(this.#options.pagination);
    const origin = new URL(this.#options.url).origin;
    const batchSize = Math.max(1, ctx.batchSize);
    let url: URL | undefined = paginator.first(this.#baseUrl());
    let pages = 0;
    while (url !== undefined) {
      if (ctx.signal.aborted) return;
      if (pages >= this.#options.max_pages) {
        ctx.logger.warn(
          { datasource: this.#deps.name, max_pages: this.#options.max_pages, next: redactUrl(url) },
          `${this.#deps.path}: stopped after max_pages (${this.#options.max_pages}); more pages were available`,
        );
        return;
      }
      const { result, items, empty, overflow } = await this.#fetchPageAfter(pages, url, ctx);
      if (empty) return;
      pages += 1;
      const records: DataRecord[] = [];
      for (const [index, item] of items.entries()) {
        const problem = !isRecord(item)
          ? `item ${index} is a ${item === null ? 'null' : typeof item}, not an object`
          : overflow
            ? overflowProblem(item, index)
            : undefined;
        if (problem === undefined) records.push(item as DataRecord);
        else ctx.reject(item, new Error(problem), `${redactUrl(url)}#${index}`);
      }
      for (let i = 0; i < records.length; i += batchSize) {
        if (ctx.signal.aborted) return;
        yield records.slice(i, i + batchSize);
      }

      const next = paginator.next({ ...result, count: items.length });
      if (next !== undefined && next.href === url.href) {
        ctx.logger.warn({ datasource: this.#deps.name, url: redactUrl(url) }, `${this.#deps.path}: pagination did not advance; stopping`);
        return;
      }
      if (next !== undefined && next.origin !== origin) {
        // Following it would hand our credentials to another host.
        throw new ConnectorError(`next page ${redactUrl(next)} is on another origin than ${origin}; refusing to follow`, {
          where: this.#deps.path,
        });
      }
      url = next;
    }
  }

  async check(signal: AbortSignal): Promise<void> {
    const url = createPaginator(this.#options.pagination).first(this.#baseUrl());
    const response = await sendOk(this.#call(url, signal));
    await response.body.dump();
  }

  explain(): string {
    const p = this.#options.pagination;
    const paging = p.type === 'none' ? 'one request' : `${p.type} pagination, at most ${this.#options.max_pages} pages`;
    const path = this.#options.records_path ? `, records at "${this.#options.records_path}"` : '';
    return `${this.#options.method} ${redactUrl(this.#options.url)} (${paging}${path})`;
  }

  async close(): Promise<void> {
    await this.#http.close();
  }
}
