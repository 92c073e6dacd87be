import { ConnectorError, isRetryable } from '@sluice/core';
import { startHttpServer, type HttpTestServer } from '@sluice/testkit';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpStatusError, LazyHttpClient, createHttpRedactor, readText, requestHeaders, send, sendOk, type HttpCall } from '../src/index.js';

let server: HttpTestServer;
const seen: { url?: string; auth?: string }[] = [];

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    seen.push({ url: req.url, auth: req.headers.authorization });
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/ok') res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    else if (path === '/bad') res.writeHead(400).end(`you sent ${req.headers.authorization} ${'x'.repeat(3000)}`);
    else if (path === '/busy') res.writeHead(429, { 'retry-after': '4' }).end('slow down');
    else if (path === '/moved') res.writeHead(302, { location: '/ok' }).end();
    else if (path === '/trickle') {
      res.writeHead(200);
      res.write('a');
      const timer = setInterval(() => res.write('b'), 40);
      setTimeout(() => (clearInterval(timer), res.end()), 400);
    } else if (path === '/hang') return;
    else res.socket?.destroy();
  });
});
afterAll(() => server.close());

function call(path: string, client: LazyHttpClient, extra: Partial<HttpCall> = {}): HttpCall {
  const headers = requestHeaders({ auth: { type: 'bearer', token: 'tok-secret-1' } });
  return {
    client: client.get(),
    url: new URL(`${server.url}${path}?api_key=k-4242`),
    method: 'GET',
    headers,
    signal: new AbortController().signal,
    timeoutMs: 5000,
    where: 'datasources.api',
    redact: createHttpRedactor({ headers }),
    ...extra,
  };
}

describe('send', () => {
  it('returns a 2xx response; non-2xx is an HttpStatusError with status, Retry-After and a redacted excerpt', async () => {
    const http = new LazyHttpClient({ path: 'datasources.api' });
    expect(await readText(await sendOk(call('/ok', http)), call('/ok', http))).toBe('{"ok":true}');
    const bad = (await sendOk(call('/bad', http)).catch((e: unknown) => e)) as HttpStatusError;
    expect(bad).toBeInstanceOf(HttpStatusError);
    expect(bad.message).toMatch(/^datasources\.api: GET http:\/\/127\.0\.0\.1:\d+\/bad\?api_key=\*\*\* answered HTTP 400: you sent \*\*\* x/);
    expect(bad.message).not.toMatch(/tok-secret-1|k-4242/);
    expect([bad.status, bad.retryable, bad.responseBody.length <= 1025]).toEqual([400, false, true]);
    const busy = (await sendOk(call('/busy', http), { excerpt: false }).catch((e: unknown) => e)) as HttpStatusError;
    expect([busy.retryable, busy.retryAfterMs, busy.responseBody]).toEqual([true, 4000, '']);
    expect(busy.message).toMatch(/answered HTTP 429$/);
    await http.close();
    await http.close();
    expect(() => http.get()).toThrow(/closed/);
  });

  it('a hang past the timeout and a dropped connection are retryable; a cancelled signal rethrows its reason', async () => {
    const http = new LazyHttpClient({ path: 'datasources.api' });
    const hang = await send(call('/hang', http, { timeoutMs: 100 })).catch((e: unknown) => e);
    expect(hang).toBeInstanceOf(ConnectorError);
    expect([isRetryable(hang), (hang as Error).message]).toEqual([true, expect.stringMatching(/no response within 100 ms/)]);
    expect(isRetryable(await send(call('/drop', http)).catch((e: unknown) => e))).toBe(true);
    const controller = new AbortController();
    const pending = send(call('/hang', http, { signal: controller.signal }));
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    await http.close();
  });

  it('streaming bounds each wait, not the whole transfer; otherwise the timeout covers the body', async () => {
    const http = new LazyHttpClient({ path: 'datasources.api' });
    const streamed = await send(call('/trickle', http, { timeoutMs: 200, streaming: true }));
    expect((await readText(streamed, call('/trickle', http))).length).toBeGreaterThan(3);
    const whole = call('/trickle', http, { timeoutMs: 200 });
    const error = await send(whole).then((r) => readText(r, whole)).catch((e: unknown) => e);
    expect(isRetryable(error)).toBe(true);
    await http.close();
  });

  it('a body read the deadline cuts short is a retryable timeout, whatever error the abort surfaced as', async () => {
    // A client whose body fails after the deadline with an error that says nothing of timing (as an abort can surface).
    const client = {
      request: async () => ({
        statusCode: 200,
        headers: {},
        body: { text: () => new Promise<string>((_, reject) => setTimeout(() => reject(new Error('request aborted')), 60)) },
      }),
    } as unknown as HttpCall['client'];
    const whole = call('/ok', new LazyHttpClient({ path: 'p' }), { client, timeoutMs: 20 });
    const response = await send(whole);
    const error = await readText(response, whole).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(isRetryable(error)).toBe(true);
    expect((error as Error).message).toMatch(/no response within 20 ms/);
    // Streaming: no deadline over the body, so the same failure is what it says.
    const streamed = { ...whole, streaming: true };
    const failed = await readText(await send(streamed), streamed).catch((e: unknown) => e);
    expect(isRetryable(failed)).toBe(false);
  });

  it('follows redirects only when asked; URL credentials become Basic auth and never travel in the URL', async () => {
    const plain = new LazyHttpClient({ path: 'p' });
    expect((await send(call('/moved', plain))).statusCode).toBe(302);
    const following = new LazyHttpClient({ path: 'p' }, { maxRedirections: 3 });
    expect((await send(call('/moved', following))).statusCode).toBe(200);
    const url = `${server.url.replace('http://', 'http://us%40er:p%3Ass@')}/ok`;
    const headers = requestHeaders({ headers: { Accept: 'text/csv' }, url });
    expect(headers).toEqual({ accept: 'text/csv', authorization: `Basic ${Buffer.from('us@er:p:ss').toString('base64')}` });
    await send({ ...call('/ok', plain), url: new URL(url), headers });
    expect(seen.at(-1)).toEqual({ url: '/ok', auth: headers.authorization });
    expect(requestHeaders({ headers: { Authorization: 'Bearer x' }, url }).authorization).toBe('Bearer x');
    await Promise.all([plain.close(), following.close()]);
  });

  it('uses an injected dispatcher and leaves it open; refuses something that is not one', async () => {
    const agent = new Agent();
    const http = new LazyHttpClient({ path: 'p', client: agent });
    expect((await send(call('/ok', http))).statusCode).toBe(200);
    await http.close();
    expect(agent.closed).toBe(false);
    await agent.close();
    expect(() => new LazyHttpClient({ path: 'datasources.api', client: {} })).toThrow(/datasources\.api: the injected client is not an undici Dispatcher/);
  });
});
