import { ConnectorError, isRetryable, isRetryableStatus, isSuccessStatus, parseRetryAfter, redactUrl } from '@sluice/core';
import type { Dispatcher } from 'undici';
import type { HttpCall } from './types.js';

/** Bytes of a response body kept in error messages. */
export const EXCERPT_BYTES = 1024;

/**
 * A non-2xx answer: retryable for 408, 429 and 5xx (with the server's
 * `Retry-After`), carrying the status and a redacted body excerpt so a
 * dead-lettered record says what the receiver objected to.
 */
export class HttpStatusError extends ConnectorError {
  readonly status: number;
  /** At most {@link EXCERPT_BYTES} of the response body, secrets redacted. */
  readonly responseBody: string;

  constructor(message: string, options: { where: string; status: number; responseBody: string; retryAfterMs?: number }) {
    const { status, responseBody, ...rest } = options;
    super(message, { ...rest, retryable: isRetryableStatus(status) });
    this.name = 'HttpStatusError';
    this.status = status;
    this.responseBody = responseBody;
  }
}

/**
 * Sends one request. Network failures and timeouts become a
 * {@link ConnectorError} (retryable when transient); a cancelled `signal`
 * rethrows its reason so the runner sees a cancellation, not a failure.
 *
 * @example
 * const response = await send({ client, url, method: 'GET', headers, signal, timeoutMs: 30_000, where: deps.path });
 */
export async function send(call: HttpCall): Promise<Dispatcher.ResponseData> {
  const deadline = call.streaming ? undefined : AbortSignal.timeout(call.timeoutMs);
  let response: Dispatcher.ResponseData;
  try {
    response = await call.client.request({
      origin: call.url.origin,
      path: `${call.url.pathname}${call.url.search}`,
      method: call.method,
      headers: { ...call.headers },
      ...(call.body === undefined ? {} : { body: call.body }),
      signal: deadline ? AbortSignal.any([call.signal, deadline]) : call.signal,
      headersTimeout: call.timeoutMs,
      bodyTimeout: call.timeoutMs,
    });
  } catch (error) {
    throw networkError(error, call, deadline);
  }
  if (deadline) deadlines.set(response, deadline);
  return response;
}

/**
 * The deadline of each response whose body it still covers: a body read it
 * cuts short is a timeout (retryable), whatever error the abort surfaced as.
 */
const deadlines = new WeakMap<Dispatcher.ResponseData, AbortSignal>();

/** Sends one request and returns the response when it is 2xx; otherwise throws its {@link HttpStatusError}. */
export async function sendOk(call: HttpCall, options: { excerpt?: boolean } = {}): Promise<Dispatcher.ResponseData> {
  const response = await send(call);
  if (isSuccessStatus(response.statusCode)) return response;
  throw await statusError(response, call, options);
}

/** Reads a response body as text; a failure mid-body is classified like a network error. */
export async function readText(response: Dispatcher.ResponseData, call: HttpCall): Promise<string> {
  try {
    return await response.body.text();
  } catch (error) {
    throw networkError(error, call, deadlines.get(response));
  }
}

/** Reads at most {@link EXCERPT_BYTES} of a body for an error message and discards the rest. */
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

/**
 * The error for a non-2xx response, e.g. `POST https://host/x answered HTTP
 * 400: field "id" is required`. `excerpt: false` leaves the body out of the
 * message (and discards it), for bodies nobody should read, like a
 * download's error page.
 */
export async function statusError(
  response: Dispatcher.ResponseData,
  call: HttpCall,
  options: { excerpt?: boolean } = {},
): Promise<HttpStatusError> {
  const status = response.statusCode;
  const redact = call.redact ?? ((text: string) => text);
  let excerpt = '';
  if (options.excerpt === false) await response.body.dump().catch(() => undefined);
  else excerpt = redact((await bodyExcerpt(response)).replace(/\s+/g, ' ').trim());
  const retryAfterMs = isRetryableStatus(status) ? parseRetryAfter(response.headers['retry-after']) : undefined;
  const message = redact(`${call.method} ${redactUrl(call.url)} answered HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`);
  return new HttpStatusError(message, {
    where: call.where,
    status,
    responseBody: excerpt,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

function networkError(error: unknown, call: HttpCall, deadline: AbortSignal | undefined): unknown {
  if (call.signal.aborted) return call.signal.reason ?? error;
  const target = `${call.method} ${redactUrl(call.url)}`;
  const code = (error as { code?: unknown }).code;
  const timedOut = deadline?.aborted === true || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
  if (timedOut) {
    return new ConnectorError(`${target}: no response within ${call.timeoutMs} ms`, { where: call.where, retryable: true, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  const redact = call.redact ?? ((text: string) => text);
  return new ConnectorError(redact(`${target}: ${message}${typeof code === 'string' ? ` (${code})` : ''}`), {
    where: call.where,
    retryable: isRetryable(error),
  });
}
