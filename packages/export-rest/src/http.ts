import { ConnectorError, isRetryable } from '@sluice/core';
import { request, type Dispatcher } from 'undici';
import { redactUrl } from './redact.js';

/** Bytes of a response body kept in error messages. */
export const EXCERPT_BYTES = 1024;

export interface HttpCall {
  readonly url: URL;
  readonly method: Dispatcher.HttpMethod;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  readonly dispatcher: Dispatcher;
  /** Config path for error messages, e.g. `datasources.api`. */
  readonly where: string;
  readonly redact: (text: string) => string;
}

/**
 * Sends one request. Network failures and timeouts become a
 * {@link ConnectorError} (retryable when transient); a cancelled `signal`
 * rethrows its reason so the runner sees a cancellation, not a failure.
 */
export async function send(call: HttpCall): Promise<Dispatcher.ResponseData> {
  const timeout = AbortSignal.timeout(call.timeoutMs);
  try {
    return await request(call.url, {
      dispatcher: call.dispatcher,
      method: call.method,
      headers: call.headers,
      body: call.body,
      signal: AbortSignal.any([call.signal, timeout]),
      headersTimeout: call.timeoutMs,
      bodyTimeout: call.timeoutMs,
    });
  } catch (error) {
    throw networkError(error, call, timeout);
  }
}

/** Reads a response body as text; a failure mid-body is classified like a network error. */
export async function readText(response: Dispatcher.ResponseData, call: HttpCall): Promise<string> {
  try {
    return await response.body.text();
  } catch (error) {
    throw networkError(error, call, undefined);
  }
}

function networkError(error: unknown, call: HttpCall, timeout: AbortSignal | undefined): unknown {
  if (call.signal.aborted) return call.signal.reason ?? error;
  const target = `${call.method} ${redactUrl(call.url)}`;
  const code = (error as { code?: unknown }).code;
  const timedOut =
    timeout?.aborted === true || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
  if (timedOut) {
    return new ConnectorError(`${target}: no response within ${call.timeoutMs} ms`, {
      where: call.where,
      retryable: true,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectorError(call.redact(`${target}: ${message}${typeof code === 'string' ? ` (${code})` : ''}`), {
    where: call.where,
    retryable: isRetryable(error) || code === 'UND_ERR_SOCKET',
  });
}

/** Whether an HTTP status is worth retrying: 408, 429 and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Parses `Retry-After` (delay in seconds, or an HTTP-date) into milliseconds
 * from `now`. Returns undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Reads at most {@link EXCERPT_BYTES} of a body for an error message and
 * discards the rest.
 */
export async function bodyExcerpt(response: Dispatcher.ResponseData): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= EXCERPT_BYTES) break;
    }
  } catch {
    // The excerpt is best effort; the status already tells what went wrong.
  }
  const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
  return size > EXCERPT_BYTES ? `${text}…` : text;
}

/** The error for a non-2xx response: retryable for 408/429/5xx, with the server's `Retry-After`. */
export async function statusError(response: Dispatcher.ResponseData, call: HttpCall): Promise<ConnectorError> {
  const status = response.statusCode;
  const excerpt = (await bodyExcerpt(response)).replace(/\s+/g, ' ').trim();
  const retryable = isRetryableStatus(status);
  const retryAfterMs = retryable ? parseRetryAfter(response.headers['retry-after']) : undefined;
  const message = `${call.method} ${redactUrl(call.url)} answered ${status}${excerpt ? `: ${excerpt}` : ''}`;
  return new ConnectorError(call.redact(message), {
    where: call.where,
    retryable,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** True when a value can serve as an undici Dispatcher (an injected `deps.client`). */
export function isDispatcher(value: unknown): value is Dispatcher {
  return typeof value === 'object' && value !== null && typeof (value as { dispatch?: unknown }).dispatch === 'function';
}
