import { ConnectorError, isRetryable, redactUrl, type ConnectorDeps } from '@sluice/core';
import { LazyHttpClient, createHttpRedactor, requestHeaders, sendOk, type HttpCall } from '@sluice/http-common';
import { ACCEPT_ENCODING, CorruptDataError, contentCodings, decodeContent, gunzipIfGzip, UnsupportedCodingError, type ContentCoding } from './content-encoding.js';
import type { CsvSourceConfig } from './types.js';

/** A URL of a gzipped file, which many servers send as it is, with no Content-Encoding. */
const GZIP_PATH = /\.gz$/i;

/**
 * The http(s) side of the CSV source. Imported only for a `url` config:
 * undici is a large share of the CLI's start-up, and a file needs none of it.
 */
export class HttpInput {
  private readonly http: LazyHttpClient;
  /** Configured headers, with credentials in `url` turned into Basic auth so they never travel in the location. */
  private readonly headers: Record<string, string>;
  private readonly redact: (text: string) => string;

  constructor(
    private readonly url: string,
    config: CsvSourceConfig,
    private readonly deps: ConnectorDeps,
    private readonly timeoutMs: number,
  ) {
    // Configured headers win: `accept-encoding: identity` asks for the file as it is.
    this.headers = { 'accept-encoding': ACCEPT_ENCODING, ...requestHeaders({ headers: config.headers, url }) };
    this.redact = createHttpRedactor({ headers: this.headers, url });
    this.http = new LazyHttpClient(deps, { maxRedirections: 5 });
  }

  /** A GET of the URL, streamed: the timeout bounds each wait, never the whole download. */
  private call(signal: AbortSignal): HttpCall {
    return {
      client: this.http.get(),
      url: new URL(this.url),
      method: 'GET',
      headers: this.headers,
      signal,
      timeoutMs: this.timeoutMs,
      streaming: true,
      where: this.deps.path,
      redact: this.redact,
    };
  }

  async open(signal: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    const call = this.call(signal);
    // A download's error page is not worth printing: the status says it.
    const response = await sendOk(call, { excerpt: false });
    let codings: ContentCoding[];
    try {
      codings = contentCodings(response.headers['content-encoding']);
    } catch (error) {
      // Not worth reading: the download stops here (undici reports that as an error nobody needs).
      response.body.once('error', () => undefined).destroy();
      if (!(error instanceof UnsupportedCodingError)) throw error;
      throw new ConnectorError(this.redact(`${call.method} ${redactUrl(call.url)}: ${error.message}`), { where: call.where, retryable: false });
    }
    return this.download(response.body, codings, call);
  }

  /**
   * The body, decoded as its Content-Encoding says; a failure on the way
   * names the datasource and the URL, like a failure before the headers.
   */
  private async *download(body: AsyncIterable<Uint8Array>, codings: readonly ContentCoding[], call: HttpCall): AsyncGenerator<Uint8Array> {
    let received = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of body) {
        received += chunk.length;
        yield chunk;
      }
    }
    try {
      const decoded = codings.length === 0 ? counted() : decodeContent(counted(), codings);
      yield* GZIP_PATH.test(call.url.pathname) ? gunzipIfGzip(decoded) : decoded;
    } catch (error) {
      throw this.downloadError(error, call, received);
    }
  }

  private downloadError(error: unknown, call: HttpCall, received: number): unknown {
    if (call.signal.aborted) return call.signal.reason ?? error;
    const target = `${call.method} ${redactUrl(call.url)}`;
    if (error instanceof CorruptDataError) {
      // The same bytes would come again: retrying cannot help.
      const message = `${target}: the ${error.coding}-encoded body does not decode (${error.message}); is it corrupt or cut short?`;
      return new ConnectorError(this.redact(message), { where: call.where, retryable: false });
    }
    const code = (error as { code?: unknown }).code;
    if (code === 'UND_ERR_BODY_TIMEOUT') {
      // undici's "Body Timeout Error" would add nothing to this.
      return new ConnectorError(`${target}: no data for ${call.timeoutMs} ms after ${received} bytes`, { where: call.where, retryable: true });
    }
    // undici's "other side closed" says less than this; other messages are kept, redacted (as http-common does, no unredacted cause).
    const what = code === 'UND_ERR_SOCKET' ? 'connection closed' : error instanceof Error ? error.message : String(error);
    return new ConnectorError(this.redact(`${target}: ${what} after ${received} bytes${typeof code === 'string' ? ` (${code})` : ''}`), {
      where: call.where,
      retryable: isRetryable(error),
    });
  }

  async check(signal: AbortSignal): Promise<void> {
    const call = this.call(signal);
    try {
      const response = await sendOk({ ...call, method: 'HEAD' }, { excerpt: false });
      await response.body.dump();
    } catch (error) {
      // Some servers refuse HEAD: one byte of a GET proves the file is there.
      if (!(error instanceof ConnectorError) || signal.aborted) throw error;
      const response = await sendOk({ ...call, headers: { ...this.headers, range: 'bytes=0-0' } }, { excerpt: false });
      await response.body.dump();
    }
  }

  close(): Promise<void> {
    return this.http.close().catch(() => undefined);
  }
}
