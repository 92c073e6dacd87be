import type { z } from '@sluice/core';
import type { Dispatcher } from 'undici';
import type { authSchema } from './schema.js';

/** An `auth:` block. */
export type Auth = z.infer<typeof authSchema>;

/**
 * The part of an undici Dispatcher the connectors use: an `Agent`, `Pool`
 * or `MockAgent` injected through `deps.client` fits.
 */
export type HttpClient = Pick<Dispatcher, 'request'>;

/** Options of the keep-alive pool a connector creates when none is injected. */
export interface HttpAgentOptions {
  /** Keep-alive connections per origin; unbounded when omitted. */
  readonly connections?: number;
  /** Redirects to follow; none when omitted. */
  readonly maxRedirections?: number;
}

/** One request, with everything needed to send it and to name it in errors. */
export interface HttpCall {
  readonly client: HttpClient;
  readonly url: URL;
  readonly method: Dispatcher.HttpMethod;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Cancellation: a cancelled call rethrows the signal's reason, not a classified error. */
  readonly signal: AbortSignal;
  /** Longest wait for the response headers and between body chunks. */
  readonly timeoutMs: number;
  /**
   * A streamed download: `timeoutMs` bounds each wait, never the whole
   * transfer. Otherwise it bounds the whole exchange, body included.
   */
  readonly streaming?: boolean;
  /** Config path for error messages, e.g. `datasources.api`. */
  readonly where: string;
  /** Scrubs known secrets from messages; see {@link createHttpRedactor}. */
  readonly redact?: (text: string) => string;
}
