import { ConnectorError, type ConnectorDeps } from '@sluice/core';
import { LazyHttpClient, createHttpRedactor, requestHeaders, sendOk, type HttpCall } from '@sluice/http-common';
import type { CsvSourceConfig } from './types.js';

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
    this.headers = requestHeaders({ headers: config.headers, url });
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
    // A download's error page is not worth printing: the status says it.
    return (await sendOk(this.call(signal), { excerpt: false })).body;
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
