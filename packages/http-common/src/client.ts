import { ConnectorError, type ConnectorDeps } from '@sluice/core';
import { Agent, interceptors, type Dispatcher } from 'undici';
import type { HttpAgentOptions, HttpClient } from './types.js';

/** Idle keep-alive sockets are kept this long: pools survive between continuous runs. */
const KEEP_ALIVE_MS = 30_000;

/** True when a value can serve as an {@link HttpClient} (an injected `deps.client`). */
export function isHttpClient(value: unknown): value is HttpClient {
  return typeof value === 'object' && value !== null && typeof (value as { request?: unknown }).request === 'function';
}

/** A keep-alive pool, following redirects when asked; the caller closes it. */
export function createHttpAgent(options: HttpAgentOptions = {}): Dispatcher {
  const agent = new Agent({ keepAliveTimeout: KEEP_ALIVE_MS, ...(options.connections ? { connections: options.connections } : {}) });
  return options.maxRedirections ? agent.compose(interceptors.redirect({ maxRedirections: options.maxRedirections })) : agent;
}

/**
 * A connector's HTTP client: the injected `deps.client`, or a keep-alive
 * pool created on first use. `close()` is idempotent and leaves an injected
 * client to its owner.
 *
 * @example
 * this.#http = new LazyHttpClient(deps, { connections: options.max_connections });
 * await send({ client: this.#http.get(), ... });
 */
export class LazyHttpClient {
  readonly #where: string;
  readonly #options: HttpAgentOptions;
  readonly #injected: HttpClient | undefined;
  #own: Dispatcher | undefined;
  #closed = false;

  /** Throws when `deps.client` is set but is not an undici Dispatcher. */
  constructor(deps: Pick<ConnectorDeps, 'path' | 'client'>, options: HttpAgentOptions = {}) {
    this.#where = deps.path;
    this.#options = options;
    if (deps.client !== undefined && !isHttpClient(deps.client)) {
      throw new ConnectorError('the injected client is not an undici Dispatcher (no request())', { where: deps.path });
    }
    this.#injected = deps.client;
  }

  /** The client to send with; throws once closed. */
  get(): HttpClient {
    if (this.#injected) return this.#injected;
    if (this.#closed) throw new ConnectorError('the HTTP client is closed', { where: this.#where });
    this.#own ??= createHttpAgent(this.#options);
    return this.#own;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const own = this.#own;
    this.#own = undefined;
    if (own) await own.close();
  }
}
