import { ConnectorError, isSuccessStatus, redactUrl, type ConnectorDeps, type ExportRun, type ExportSession, type Exporter } from '@sluice/core';
import { LazyHttpClient, createHttpRedactor, requestHeaders, send, statusError, type HttpCall } from '@sluice/http-common';
import { RestSession, type SessionContext } from './rest-session.js';
import type { RestExporterOptions } from './types.js';

/** Sends matched records to a REST endpoint as JSON, in batches, with idempotency keys. */
export class RestExporter implements Exporter {
  readonly delivery = 'batch' as const;
  /** A batch is many requests: each is retried and timed out on its own (see RestSession). */
  readonly retriesRequests = true;
  readonly #options: RestExporterOptions;
  readonly #deps: ConnectorDeps;
  readonly #ctx: SessionContext;
  readonly #http: LazyHttpClient;

  constructor(options: RestExporterOptions, deps: ConnectorDeps) {
    this.#options = options;
    this.#deps = deps;
    // The pool is kept across runs; one connection per request in flight.
    this.#http = new LazyHttpClient(deps, { connections: options.concurrency });
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': 'sluice',
      ...requestHeaders(options),
    };
    this.#ctx = {
      options,
      url: new URL(options.url),
      headers,
      timeoutMs: options.timeout ?? deps.settings.timeout,
      retry: deps.settings.retry,
      where: deps.path,
      redact: createHttpRedactor({ ...options, headers }),
      client: () => this.#http.get(),
    };
  }

  async open(run: ExportRun): Promise<ExportSession> {
    return new RestSession(this.#ctx, run);
  }

  /**
   * Probes without sending records: `health_url` must answer 2xx; otherwise
   * `check_method` on `url` must reach the server and not be refused for
   * authentication (405 or 404 for a HEAD on a POST endpoint is fine).
   */
  async check(signal: AbortSignal): Promise<void> {
    const health = this.#options.health_url;
    const url = new URL(health ?? this.#options.url);
    const call: HttpCall = {
      client: this.#http.get(),
      url,
      method: this.#options.check_method,
      headers: this.#ctx.headers,
      signal,
      timeoutMs: this.#ctx.timeoutMs,
      where: this.#deps.path,
      redact: this.#ctx.redact,
    };
    const response = await send(call);
    const status = response.statusCode;
    const ok = health ? isSuccessStatus(status) : status < 500 && status !== 401 && status !== 403 && status !== 407;
    if (ok) {
      await response.body.dump();
      return;
    }
    const error = await statusError(response, call);
    throw status === 401 || status === 403
      ? new ConnectorError(`${call.method} ${redactUrl(url)}: credentials refused (${status})`, { where: this.#deps.path })
      : error;
  }

  async close(): Promise<void> {
    await this.#http.close();
  }
}
