import { ConnectorError } from '@sluice/core';
import { Agent, interceptors, type Dispatcher } from 'undici';

/** The part of an undici Dispatcher this source uses (injectable via `deps.client`). */
export type HttpClient = Pick<Dispatcher, 'request'>;

/** A dispatcher that follows redirects; the caller closes it. */
export function createHttpClient(): Dispatcher {
  return new Agent().compose(interceptors.redirect({ maxRedirections: 5 }));
}

/** A URL fit for messages and locations: no credentials, no query string. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '***';
      parsed.password = '';
    }
    const hadQuery = parsed.search !== '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString() + (hadQuery ? '?…' : '');
  } catch {
    return '(invalid url)';
  }
}

/** Milliseconds from a Retry-After header (seconds or an HTTP date). */
export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text.trim())) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export interface HttpRequest {
  readonly client: HttpClient;
  readonly url: string;
  readonly method: 'GET' | 'HEAD';
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly where: string;
}

/**
 * Sends a request and returns the response once it is 2xx. Otherwise throws
 * a ConnectorError naming the URL and status: retryable for 5xx and 429,
 * with the server's Retry-After.
 */
export async function httpRequest(request: HttpRequest): Promise<Dispatcher.ResponseData> {
  const shown = displayUrl(request.url);
  let response: Dispatcher.ResponseData;
  try {
    response = await request.client.request({
      method: request.method,
      origin: new URL(request.url).origin,
      path: pathOf(request.url),
      headers: { ...request.headers },
      signal: request.signal,
      headersTimeout: request.timeoutMs,
      bodyTimeout: request.timeoutMs,
    });
  } catch (error) {
    if (request.signal.aborted) throw error;
    const code = (error as { code?: string }).code;
    throw new ConnectorError(`${request.method} ${shown} failed: ${code ?? (error as Error).message}`, {
      where: request.where,
      retryable: true,
      cause: error,
    });
  }
  const status = response.statusCode;
  if (status >= 200 && status < 300) return response;
  await response.body.dump().catch(() => undefined);
  const retryable = status >= 500 || status === 429 || status === 408;
  const retryAfterMs = retryable ? parseRetryAfter(response.headers['retry-after']) : undefined;
  throw new ConnectorError(`${request.method} ${shown} answered HTTP ${status}`, {
    where: request.where,
    retryable,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

function pathOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}
