import { ConnectorError, parseDuration, type ConnectorDeps, type ExportRun, type ExportSession, type Exporter } from '@sluice/core';
import { Agent, type Dispatcher } from 'undici';
import { authHeaders, normalizeHeaders } from './auth.js';
import { isDispatcher, send, statusError } from './http.js';
import { collectSecrets, createRedactor, redactUrl } from './redact.js';
import { RestSession, type SessionContext } from './rest-session.js';
import type { RestExporterOptions } from './types.js';

/** Sends matched records to a REST endpoint as JSON, in batches, with idempotency keys. */
export class RestExporter implements Exporter {
  readonly delivery = 'batch' as const;
  readonly #options: RestExporterOptions;
  readonly #deps: ConnectorDeps;
  readonly #ctx: SessionContext;
  readonly #injected: Dispatcher | undefined;
  #agent: Agent | undefined;
  #closed = false;

  constructor(options: RestExporterOptions, deps: ConnectorDeps) {
    this.#options = options;
    this.#deps = deps;
    this.#injected = isDispatcher(deps.client) ? deps.client : undefined;
    this.#ctx = {
      options,
      url: new URL(options.url),
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'user-agent': 'sluice',
        ...normalizeHeaders(options.headers),
        ...authHeaders(options.auth),
      },
      timeoutMs: parseDuration(options.timeout) ?? 30_000,
      where: deps.path,
      redact: createRedactor(collectSecrets(options)),
      dispatcher: () => this.#dispatcher(),
    };
  }

  /** The keep-alive pool, created on first use and kept across runs. */
  #dispatcher(): Dispatcher {
    if (this.#injected) return this.#injected;
    if (this.#closed) throw new ConnectorError('exporter is closed', { where: this.#deps.path });
    this.#agent ??= new Agent({ connections: this.#options.concurrency, keepAliveTimeout: 30_000 });
    return this.#agent;
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
    const call = {
      url,
      method: this.#options.check_method,
      headers: this.#ctx.headers,
      signal,
      timeoutMs: this.#ctx.timeoutMs,
      dispatcher: this.#dispatcher(),
      where: this.#deps.path,
      redact: this.#ctx.redact,
    };
    const response = await send(call);
    const status = response.statusCode;
    const ok = health ? status >= 200 && status < 300 : status < 500 && status !== 401 && status !== 403 && status !== 407;
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
    this.#closed = true;
    const agent = this.#agent;
    this.#agent = undefined;
    // An injected dispatcher belongs to the caller, who closes it.
    if (agent) await agent.close();
  }
}
